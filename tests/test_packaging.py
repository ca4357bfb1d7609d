"""Installing dip-sandbox elsewhere (issue 18, item 8): `make dist` builds a wheel that holds every page and
asset, pytest is an extra (`dip-sandbox[pytest]`) and not a dependency of the server, and the server, the CLI and
the harness work where pytest cannot be imported."""
import subprocess
import zipfile
from pathlib import Path

from tests.conftest import venv_bin

REPO = Path(__file__).resolve().parent.parent
NO_PYTEST = """
import sys
class NoPytest:
    def find_spec(self, name, path=None, target=None):
        if name == "pytest" or name.startswith(("pytest.", "_pytest")):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: pytest is not installed here)")
sys.meta_path.insert(0, NoPytest())
"""


def test_make_dist_builds_a_complete_wheel_with_pytest_as_an_extra(tmp_path):
    built = subprocess.run(["make", "dist"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = sorted((REPO / "dist").glob("dip_sandbox-*.whl"))[-1:]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    shipped = [p.relative_to(REPO).as_posix() for folder in ("sandbox/templates", "sandbox/static",
                                                             "mock_dip/templates", "mock_atlas/templates")
               for p in (REPO / folder).rglob("*") if p.is_file()]
    missing = [p for p in shipped if p not in names]
    assert not missing, f"not in the wheel: {missing}"
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist: pytest")]
    assert requires and all("extra ==" in line for line in requires), requires


def test_the_server_cli_and_harness_work_without_pytest(tmp_path):
    check = NO_PYTEST + """
try:
    import pytest
    raise SystemExit("the blocker does not block")
except ModuleNotFoundError:
    pass
import sandbox.harness, sandbox.cli, sandbox.app
from click.testing import CliRunner
result = CliRunner().invoke(sandbox.cli.main, ["--help"])
assert result.exit_code == 0, result.output
from sandbox.harness import start_sandbox
with start_sandbox(sys.argv[1], profile="instant") as handle:
    assert handle.clock.now()
print("ok")
"""
    done = subprocess.run([str(venv_bin("python")), "-c", check, str(tmp_path / "sandbox")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout + done.stderr



def test_the_readmes_warning_about_requests_ca_bundle_is_true(shared_running, tmp_path, monkeypatch):
    """The README warns that REQUESTS_CA_BUNDLE replaces a Session.verify, and not a verify= of each call."""
    import requests
    other = tmp_path / "other-ca.pem"
    other.write_text(Path(requests.certs.where()).read_text())  # a bundle without the sandbox's CA
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    url = shared_running.endpoints["dip_api"]["uit"] + "/_sandbox/whoami"
    session = requests.Session()
    session.verify = shared_running.bundle
    try:
        session.get(url, timeout=10)
        replaced = False
    except requests.exceptions.SSLError:
        replaced = True
    assert replaced, "REQUESTS_CA_BUNDLE no longer replaces Session.verify: update the README"
    answer = requests.Session().get(url, verify=shared_running.bundle, timeout=10)
    assert answer.status_code in (200, 401, 403)  # the TLS handshake with the sandbox CA worked


def test_every_command_and_flag_of_the_containerfile_exists():
    """The Containerfile cannot be built here (no container runtime): its commands must still be real ones."""
    import json
    import re
    from click.testing import CliRunner
    from sandbox.cli import main
    text = (REPO / "Containerfile").read_text().replace("\\\n", " ")
    commands = [json.loads(m) for m in re.findall(r"^(?:CMD|HEALTHCHECK .*? CMD) (\[.*\])$", text, re.M)]
    assert len(commands) == 2, commands
    for command in commands:
        assert command[0] == "dip-sandbox"
        sub = main.commands[command[1]]
        known = {opt for param in sub.params for opt in param.opts}
        flags = [a for a in command[2:] if a.startswith("--")]
        assert flags and set(flags) <= known, set(flags) - known
        help_ = CliRunner().invoke(main, [command[1], "--help"])
        assert help_.exit_code == 0
