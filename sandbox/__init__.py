"""dip-sandbox: the kernel (sandbox.kernel: clock, store, scheduler, ids, DNS, mail, journal, HTTP serving, errors,
settings) and, here at the top, the composition that builds and runs it with the simulated services (app, server,
CLI, console, control API, scenarios, harness, pytest plugin)."""
