"""--dip-spec is easy to point right: a folder of the official files or a checkout of their repository, one level
of version folders found by itself, a clear error otherwise; `dip-sandbox config`, the control API's health and
the console say which version is active."""
from __future__ import annotations

import shutil
import subprocess

import requests

from tests.conftest import SHARED, venv_bin
from tests.dip_official_spec import spec_dir


def test_a_folder_holding_one_version_is_found_and_reported(start_sandbox, tmp_path):
    checkout = tmp_path / "dip-api-documentation"
    shutil.copytree(spec_dir("v2.1.0"), checkout / "v2.1.0")  # a copy in the test's temporary folder only
    running = start_sandbox(profile="instant", dip_spec=str(checkout))
    health = requests.get(running.control + "/health", timeout=10).json()
    assert health["dip_spec"]["version"] == "2.1.0"
    assert health["dip_spec"]["directory"].endswith("v2.1.0")
    page = requests.get(running.endpoints["web"] + "/console/", timeout=10)
    assert page.status_code == 200 and "DIP spec <strong>2.1.0</strong>" in page.text
    plain = start_sandbox(profile="instant")
    assert requests.get(plain.control + "/health", timeout=10).json()["dip_spec"] is None


def test_config_shows_the_active_version_and_serve_refuses_an_ambiguous_folder(tmp_path):
    shown = subprocess.run([venv_bin("dip-sandbox"), "config", "--dip-spec", str(spec_dir("v1.8.3"))],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "active: SubmitEvents 1.8.3 in" in shown.stdout
    both = SHARED / "dip-api-spec"
    process = subprocess.run([venv_bin("dip-sandbox"), "serve", "--ephemeral", "--ephemeral-ports",
                              "--dip-spec", str(both)], capture_output=True, text=True, timeout=60)
    assert process.returncode != 0
    assert "holds several versions" in process.stderr and "Traceback" not in process.stderr
