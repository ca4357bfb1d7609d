"""The sandbox's kernel: what every simulated service stands on, and nothing of theirs.

The clock and the scheduler that runs the journey's waits, the store (SQLite), identifiers, DNS, the outbox,
the journal, settings, snapshots, and what every HTTP adapter shares: serving (cheroot, TLS, framing), the error
shapes, JSON bounds, the pages' layout and forms, OpenAPI building blocks. A kernel module never imports a
service (`mock_*`) or the composition (the rest of `sandbox/`): tests/test_layers.py holds it to that.
"""
