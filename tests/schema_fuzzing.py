"""One schemathesis loop for the fuzz tests of the HVCA and DIP listeners: every operation of a loaded schema,
`examples` generated cases each (valid or invalid input), each sent by the test's own `send` (which knows the
listener's TLS and signing) and held to the document by `checks`. A failure names its operation."""
from __future__ import annotations

from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable


def fuzz_operations(operations: list, mode, examples: int, send: Callable, checks: list) -> None:
    for operation in operations:
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def exercise(case):
            case.validate_response(send(case), checks=checks)

        try:
            exercise()
        except Unsatisfiable:
            if mode.value != "negative":
                raise
            # nothing about this operation can be made invalid (a string path parameter, no body): no case to run
        except Exception as failure:
            failure.add_note(f"operation: {operation.method.upper()} {operation.path} ({mode.value})")
            raise
