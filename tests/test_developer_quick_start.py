"""The developer's quick start (docs/developer-quick-start.md): its "Look around" calls, run as written with
bash, curl and dig against a sandbox of this test's own — only the default addresses are replaced by the ones
it listens on — and each answers what the page says."""
import json
import subprocess

from tests.conftest import require_tool
from tests.documented_examples import documented_example


def test_the_look_around_calls_answer_as_the_page_says(start_sandbox):
    for tool in ("curl", "dig"):
        require_tool(tool)
    running = start_sandbox(profile="realistic")  # the longest DNS propagation (30 minutes) of the profiles
    endpoints = running.endpoints
    script = documented_example("trying-it")
    for default, actual in (
            ("http://127.0.0.1:8700", endpoints["web"]),
            ("https://127.0.0.1:8701", endpoints["atlas_api"].removesuffix("/v2")),
            ("https://localhost:8702", endpoints["dip_api"]["uit"].replace("127.0.0.1", "localhost")),
            ("-p 8753", f"-p {endpoints['dns']['port']}"),
            ("B=.dip-sandbox/ca/ca-bundle.pem", f"B={running.bundle}")):
        assert default in script, default
        script = script.replace(default, actual)
    each_on_its_line = 'curl() { command curl "$@"; echo; }\n'  # curl prints no newline after a JSON body
    answers = subprocess.run(["bash", "-eu", "-c", each_on_its_line + script], capture_output=True, text=True,
                             timeout=60)
    assert answers.returncode == 0, answers.stderr
    health, record, clock, txt, atlas, dip = [line for line in answers.stdout.splitlines() if line.strip()]
    assert json.loads(health)["status"] == "ok"
    assert json.loads(record)["value"] == "0123456789abcdef0123456789abcdef"
    assert json.loads(clock)["now"]
    assert txt == '"0123456789abcdef0123456789abcdef"'  # visible: the hour the clock moved covers the propagation
    assert "client certificate" in json.loads(atlas)["description"]  # problem+json, as the page says
    assert "client certificate" in json.dumps(json.loads(dip)["messageArray"])  # a StandardResponse
