"""One schemathesis loop for the fuzz tests of the HVCA and DIP listeners: every operation of a loaded schema,
`examples` generated cases each (valid or invalid input), each sent by the test's own `send` (which knows the
listener's TLS and signing) and held to the document by `checks`. A failure names its operation."""
from __future__ import annotations

from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

# What an invalid value of a path parameter can break: the value reaches the server as text either way, so only a
# constraint on that text (or a type other than text) can be made false.
_PATH_CONSTRAINTS = {"pattern", "format", "enum", "const", "minLength", "maxLength", "minimum", "maximum",
                     "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}


def nothing_to_negate(operation) -> bool:
    """True when no input of the operation can be made invalid: no body, no query, header or cookie parameter,
    and path parameters that are plain text. Hypothesis would find that out only after ~460 rejected draws (its
    rule for giving up, 99% sure that fewer than 1% of draws would do) — about a second per such operation, for no
    case sent."""
    if list(operation.body) or list(operation.query) or list(operation.headers) or list(operation.cookies):
        return False
    for parameter in operation.path_parameters:
        schema = parameter.definition.get("schema", parameter.definition)
        if schema.get("type", "string") != "string" or _PATH_CONSTRAINTS & set(schema):
            return False
    return True


def fuzz_operations(operations: list, mode, examples: int, send: Callable, checks: list) -> None:
    for operation in operations:
        if mode.value == "negative" and nothing_to_negate(operation):
            continue

        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def exercise(case):
            case.validate_response(send(case), checks=checks)

        try:
            exercise()
        except Unsatisfiable:
            if mode.value != "negative":
                raise
            # nothing about this operation could be made invalid after all: no case to run
        except Exception as failure:
            failure.add_note(f"operation: {operation.method.upper()} {operation.path} ({mode.value})")
            raise
