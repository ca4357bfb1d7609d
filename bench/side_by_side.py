"""A second serving stack, side by side (issue 19): the HVCA row's load on one sandbox process, then spread over
several, to see what more than one interpreter would give before anyone proposes building it.

    python -m bench.side_by_side [processes] [clients]    (defaults: 2 processes, 4 clients in all)

Each sandbox process gets its own clients, in a process of their own (so the clients are not held to one
interpreter either), and an equal share of the clients. Every child counts the operations it completes in the
same fixed windows of wall time: first the bare JSON endpoint, then issue-and-fetch. The processes share no
state, so this is an upper bound: a real multi-process sandbox would also have to share its store, clock and
random source between them.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WINDOW = 10.0  # seconds each operation is counted for
SET_UP = 40.0  # seconds a child has to start its sandbox and log in before the first window


def child(bare_at: float, cycle_at: float, window: float, clients: int) -> dict:
    from bench.__main__ import _concurrent
    from bench.hvca_load import HvcaLoad
    load = HvcaLoad(Path(tempfile.mkdtemp(prefix="dip-sandbox-side-")), clients)
    try:
        _concurrent(clients, 3, load.issue_and_fetch)  # warm-up: connections, caches
        _concurrent(clients, 3, load.bare)
        rates = {}
        windows = (("bare", load.bare, bare_at), ("issue_and_fetch", load.issue_and_fetch, cycle_at))
        for name, operation, at in windows:
            time.sleep(max(0.0, at - time.time()))
            done = [0] * clients

            def run(index: int) -> None:
                while time.time() < at + window:
                    operation(index)
                    done[index] += 1
            threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            rates[name] = sum(done) / window
        return rates
    finally:
        load.close()


def side_by_side(processes: int, clients: int) -> dict:
    """Operations/s of `processes` sandboxes counted in the same windows, `clients` spread over them."""
    start = time.time() + SET_UP
    children = [subprocess.Popen([sys.executable, "-m", "bench.side_by_side", "--child", str(start),
                                  str(start + WINDOW + 5), str(WINDOW), str(clients // processes)],
                                 stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    rows = [json.loads(c.communicate(timeout=SET_UP + 3 * WINDOW + 60)[0].strip().splitlines()[-1])
            for c in children]
    bare, cycles = sum(r["bare"] for r in rows), sum(r["issue_and_fetch"] for r in rows)
    return {"processes": processes, "clients": clients, "bare_per_s": bare, "certificates_per_s": cycles,
            "ratio": cycles / bare}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        bare_at, cycle_at, window, clients = map(float, argv[1:5])
        print(json.dumps(child(bare_at, cycle_at, window, int(clients))), flush=True)
        return 0
    processes = int(argv[0]) if argv else 2
    clients = int(argv[1]) if len(argv) > 1 else 4
    print("| sandbox processes | clients | bare JSON endpoint | issue-and-fetch | ratio |")
    print("|---|---|---|---|---|")
    for shape in ((1, clients), (processes, clients)):
        r = side_by_side(*shape)
        print(f"| {r['processes']} | {r['clients']} | {r['bare_per_s']:.0f}/s | {r['certificates_per_s']:.0f} "
              f"certificates/s | {r['ratio']:.2f}x |", flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main(sys.argv[1:]))
