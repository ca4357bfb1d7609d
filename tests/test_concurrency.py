"""Many clients at once: nothing a client got a 2xx for is lost, and jobs drawing identifiers inside their
transaction never deadlock with request threads drawing them too."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests


def test_parallel_writes_and_clock_advances(running):
    sandbox = running.sandbox
    sandbox.clock.set_mode("manual")
    sent = []
    sandbox.scheduler.register("test.mail", lambda payload: sent.append(
        sandbox.outbox.send(f"{sandbox.random.hex(4)}@example.com", "job mail", "text").id))
    for hour in range(1, 41):
        sandbox.scheduler.schedule("test.mail", sandbox.clock.now() + timedelta(hours=hour))

    def add_record(i):
        session = requests.Session()
        statuses = []
        for j in range(10):
            response = session.post(running.control + "/dns/records", timeout=20,
                                    json={"name": f"r{i}-{j}.example.com", "type": "TXT", "value": f"v{i}-{j}"})
            statuses.append(response.status_code)
        return statuses

    def advance():
        for _ in range(8):
            assert requests.post(running.control + "/clock/advance", json={"seconds": "5h"}, timeout=20).ok

    with ThreadPoolExecutor(max_workers=6) as pool:
        clock_thread = threading.Thread(target=advance)
        clock_thread.start()
        results = list(pool.map(add_record, range(5)))
        clock_thread.join(timeout=60)
    assert not clock_thread.is_alive()
    created = sum(status == 201 for statuses in results for status in statuses)
    assert created == 50
    assert len(sandbox.zones.records()) == 50
    assert len(sent) == 40 and len(sandbox.outbox.list(subject="job mail")) == 40
