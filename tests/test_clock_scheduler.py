import time
from datetime import timedelta

import pytest

from sandbox.kernel.clock import SandboxClock, parse_duration
from sandbox.kernel.errors import Conflict, InvalidInput
from sandbox.kernel.scheduler import Scheduler
from sandbox.kernel.store import Store
from sandbox.kernel import scheduler as scheduler_module


def make(tmp_path):
    store = Store(tmp_path / "s.db")
    store.migrate("scheduler", scheduler_module.migrations())
    clock = SandboxClock(store)
    return store, clock, Scheduler(store, clock)


def test_real_mode_follows_the_wall_clock(tmp_path):
    _, clock, _ = make(tmp_path)
    assert clock.mode == "real"
    assert abs(clock.now_unix() - time.time()) < 1


def test_manual_mode_is_frozen_and_scaled_runs_faster(tmp_path):
    _, clock, _ = make(tmp_path)
    clock.set_mode("manual")
    frozen = clock.now_unix()
    time.sleep(0.05)
    assert clock.now_unix() == frozen
    clock.set_mode("scaled", 3600)
    time.sleep(0.05)
    assert clock.now_unix() - frozen >= 0.05 * 3600 * 0.9


def test_advance_runs_due_jobs_in_time_order_with_the_clock_at_each_due_time(tmp_path):
    _, clock, scheduler = make(tmp_path)
    clock.set_mode("manual")
    start = clock.now()
    seen = []
    scheduler.register("note", lambda payload: seen.append((payload["n"], clock.now())))
    scheduler.schedule("note", start + timedelta(hours=30), {"n": 2})
    scheduler.schedule("note", start + timedelta(hours=2), {"n": 1})
    scheduler.schedule("note", start + timedelta(hours=100), {"n": 3})
    result = scheduler.advance(72 * 3600)
    assert result["jobs_run"] == 2
    assert [n for n, _ in seen] == [1, 2]
    assert seen[0][1] == start + timedelta(hours=2)
    assert seen[1][1] == start + timedelta(hours=30)
    assert clock.now() == start + timedelta(hours=72)
    assert [j["payload"]["n"] for j in scheduler.pending()] == [3]


def test_a_job_scheduled_by_a_job_within_the_window_runs_too(tmp_path):
    _, clock, scheduler = make(tmp_path)
    clock.set_mode("manual")
    start = clock.now()
    seen = []
    scheduler.register("first", lambda p: scheduler.schedule("second", clock.now() + timedelta(hours=1)))
    scheduler.register("second", lambda p: seen.append(clock.now()))
    scheduler.schedule("first", start + timedelta(hours=1))
    scheduler.advance(3 * 3600)
    assert seen == [start + timedelta(hours=2)]


def test_failing_job_is_recorded_and_does_not_stop_others(tmp_path):
    store, clock, scheduler = make(tmp_path)
    clock.set_mode("manual")
    ran = []

    def boom(payload):
        raise RuntimeError("broken handler")
    scheduler.register("boom", boom)
    scheduler.register("ok", lambda p: ran.append(True))
    scheduler.schedule("boom", clock.now())
    scheduler.schedule("ok", clock.now() + timedelta(seconds=1))
    scheduler.advance(5)
    assert ran == [True]
    failed = store.query("select status, error from jobs where kind = 'boom'")[0]
    assert failed["status"] == "failed" and "broken handler" in failed["error"]


def test_jobs_and_clock_survive_a_restart(tmp_path):
    store, clock, scheduler = make(tmp_path)
    clock.set_mode("manual")
    start = clock.now()
    scheduler.schedule("later", start + timedelta(hours=5), {"x": 1})
    scheduler.advance(3600)
    store.close()
    store2, clock2, scheduler2 = make(tmp_path)
    assert clock2.mode == "manual" and clock2.now() == start + timedelta(hours=1)
    seen = []
    scheduler2.register("later", seen.append)
    scheduler2.advance(4 * 3600)
    assert seen == [{"x": 1}]


def test_background_thread_runs_jobs_in_scaled_mode(tmp_path):
    _, clock, scheduler = make(tmp_path)
    clock.set_mode("scaled", 3600)
    seen = []
    scheduler.register("tick", lambda p: seen.append(True))
    scheduler.start()
    try:
        scheduler.schedule("tick", clock.now() + timedelta(minutes=10))  # 10 real seconds / 3600 * 60
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        scheduler.stop()
    assert seen == [True]


def test_clock_never_runs_backwards(tmp_path):
    _, clock, scheduler = make(tmp_path)
    with pytest.raises(Conflict, match="never runs backwards"):
        scheduler.set_time(clock.now() - timedelta(hours=1))
    with pytest.raises(InvalidInput):
        scheduler.advance(-5)


@pytest.mark.parametrize("text, seconds", [("72h", 259200), ("1d2h", 93600), ("30m", 1800), ("45", 45),
                                           (90, 90), ("1.5h", 5400), ("1w", 604800)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["72x", "h", "", "1h-2m", True])
def test_parse_duration_rejects_nonsense(text):
    with pytest.raises(InvalidInput, match="not a duration"):
        parse_duration(text)


def test_mode_and_factor_are_checked(tmp_path):
    _, clock, _ = make(tmp_path)
    with pytest.raises(InvalidInput, match="mode must be one of real, scaled, manual"):
        clock.set_mode("fast")
    with pytest.raises(InvalidInput, match="factor must be above 0"):
        clock.set_mode("scaled", -1)


def test_a_wake_while_the_work_runs_is_not_lost():
    """The background loops (scheduler, delivery worker): a wake that arrives while the work runs — a clock advance
    during a delivery — makes the loop look again at once, instead of sleeping its idle wait (5 s) through it."""
    import logging
    import threading
    import time as time_
    from sandbox.kernel.background import BackgroundLoop
    calls, second = [], threading.Event()

    def work() -> bool:
        calls.append(time_.monotonic())
        if len(calls) == 1:
            loop.wake()  # arrives before the loop sleeps
        else:
            second.set()
        return False

    loop = BackgroundLoop("wake-test", work, lambda: 5.0, logging.getLogger("wake-test"))
    loop.start()
    try:
        assert second.wait(2.0), "the wake during the work was lost: the loop slept its idle wait"
        assert calls[1] - calls[0] < 1.0
    finally:
        loop.stop()
