"""The CI quick start (docs/ci-quick-start.md): the shell example and the GitHub Actions steps, run as written against
a real `dip-sandbox serve` in the background."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from tests.documented_examples import documented_example

BIN = str(Path(sys.executable).parent)  # where `dip-sandbox` is installed


def _environment() -> dict:
    return {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}


def _run(script: str, cwd: Path, sessions: list[int] | None = None, timeout: float = 120):
    """bash in its own session; what it leaves in the background is stopped afterwards, or, given `sessions`,
    keeps running (as between the steps of a GitHub Actions job) until `_stop(sessions)`."""
    process = subprocess.Popen(["bash", "-c", script], cwd=cwd, env=_environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        if sessions is None:
            _stop([process.pid])
        else:
            sessions.append(process.pid)
    return subprocess.CompletedProcess(script, process.returncode, output)


def _stop(sessions: list[int]) -> None:
    for session in sessions:
        try:
            os.killpg(session, signal.SIGTERM)
        except ProcessLookupError:
            pass


def test_the_shell_example_runs_as_written(tmp_path):
    result = _run(documented_example("shell"), tmp_path)
    assert result.returncode == 0, result.stdout + (tmp_path / "sandbox.log").read_text()
    whoami = json.loads((tmp_path / "whoami.json").read_text())
    made = json.loads((tmp_path / "scenario.json").read_text())
    assert whoami["dip_certificate"]["organisation_id"] == made["uit"]["participant"]["organisation_id"]
    assert whoami["environment"] == "uit" and not (tmp_path / "artefacts").exists()
    # the sandbox was stopped by the script's trap, and its temporary data directory removed
    data_dir = Path(json.loads((tmp_path / "endpoints.json").read_text())["data_dir"])
    assert not data_dir.exists()


def test_the_shell_example_keeps_the_artefacts_when_the_check_fails(tmp_path):
    failing = documented_example("shell").replace("/_sandbox/whoami", "/_sandbox/no-such-check")
    result = _run(failing, tmp_path)
    assert result.returncode == 1, result.stdout
    artefacts = tmp_path / "artefacts"
    journal = json.loads((artefacts / "journal.json").read_text())
    assert any(e["path"] == "/_sandbox/no-such-check" and e["status"] == "404" for e in journal["entries"])
    assert journal["total"] == len(journal["entries"])
    assert json.loads((artefacts / "scenario.json").read_text())["name"] == "uit-onboarded"
    emails = json.loads((artefacts / "outbox.json").read_text())["emails"]
    assert emails and len(list(artefacts.glob("email-*.txt"))) == len(emails)
    assert "Subject: " in (artefacts / "email-001.txt").read_text()
    assert json.loads((artefacts / "endpoints.json").read_text())["dip_api"]["uit"].startswith("https://")


def test_the_github_actions_steps_run_in_order(tmp_path):
    workflow = yaml.safe_load(documented_example("github-actions"))
    steps = workflow["jobs"]["dip-client"]["steps"]
    runnable = [s for s in steps if "run" in s and s.get("name") != "Install dip-sandbox"]
    assert [s["name"] for s in runnable] == ["Start dip-sandbox", "Test the client against it",
                                           "Keep the journal and outbox"]
    sessions: list[int] = []
    try:
        for step in runnable:
            if step.get("if") == "failure()":
                continue
            result = _run(step["run"], tmp_path, sessions)
            assert result.returncode == 0, f"{step['name']}: {result.stdout}"
        assert (tmp_path / "scenario.json").exists()
        # the failure() step works too, against the same sandbox
        keep = next(s for s in runnable if s.get("if") == "failure()")
        result = _run(keep["run"], tmp_path)
        assert result.returncode == 0, result.stdout
        assert json.loads((tmp_path / "artefacts" / "journal.json").read_text())["total"] > 0
    finally:
        _stop(sessions)
