"""A waiting step whose job fails is not lost in silence (issue 20, 4): the advance that ran it says so, the
control API lists it with its error, the journal has it, the console offers to run it again, and a retry runs it
once the cause is gone — through the control API and the console's pages on real sockets."""
import datetime as dt
import re

import requests

from tests.conftest import BROWSER


def test_a_failed_step_is_reported_kept_and_run_again(start_sandbox):
    running = start_sandbox(profile="instant")
    control, web = running.control, running.endpoints["web"]
    scheduler = running.sandbox.scheduler
    outcome = {"broken": True, "ran": 0}

    def flaky_step(payload):
        if outcome["broken"]:
            raise RuntimeError("the verdict could not be written")
        outcome["ran"] += 1

    scheduler.register("test.flaky_step", flaky_step)  # a step of the journey, broken for a while
    job_id = scheduler.schedule("test.flaky_step", running.sandbox.clock.now() + dt.timedelta(hours=1), {"n": 1})

    advanced = requests.post(control + "/clock/advance", json={"seconds": "2h"}, timeout=10).json()
    assert advanced["jobs_failed"] == [{"id": job_id, "kind": "test.flaky_step",
                                        "error": "RuntimeError: the verdict could not be written"}]
    assert outcome["ran"] == 0
    jobs = requests.get(control + "/jobs", timeout=10).json()
    assert [job["id"] for job in jobs["failed"]] == [job_id] and job_id not in [job["id"] for job in jobs["jobs"]]
    journal = requests.get(control + "/journal", params={"listener": "scheduler"}, timeout=10).json()["entries"]
    assert journal[0]["method"] == "test.flaky_step" and journal[0]["status"] == "failed"
    assert "could not be written" in journal[0]["detail"]["error"]

    console = requests.Session()
    console.headers.update(BROWSER)
    overview = console.get(web + "/console/", timeout=10).text
    assert "Steps that failed" in overview and "the verdict could not be written" in overview
    token = re.search(r'name="csrf_token" value="([^"]+)"', overview).group(1)
    still_broken = console.post(web + f"/console/jobs/{job_id}/retry", data={"csrf_token": token}, timeout=10)
    assert "The step test.flaky_step failed" in still_broken.text  # told again, and still kept
    assert [job["id"] for job in requests.get(control + "/jobs", timeout=10).json()["failed"]] == [job_id]

    outcome["broken"] = False
    retried = requests.post(control + f"/jobs/{job_id}/retry", timeout=10).json()
    assert retried == {"jobs_run": 1, "jobs_failed": []} and outcome["ran"] == 1
    assert requests.get(control + "/jobs", timeout=10).json()["failed"] == []
    again = requests.post(control + f"/jobs/{job_id}/retry", timeout=10)
    assert again.status_code == 404 and "no failed job" in again.json()["error"]["message"]
