"""The README stays true: every setting and CLI group it should name is there."""
from sandbox.cli import main
from sandbox.settings import SETTINGS
from tests.conftest import REPO

README = (REPO / "README.md").read_text()


def test_every_setting_is_documented():
    for setting in SETTINGS:
        assert f"| `{setting.name}` | `{setting.option}` | `{setting.env}` |" in README, setting.name


def test_every_cli_command_is_documented():
    for name, command in main.commands.items():
        assert f"dip-sandbox {name}" in README, name
        for sub in getattr(command, "commands", {}):
            assert sub in README, f"{name} {sub}"


def test_the_two_commands_are_there_and_ci_runs_the_test_one():
    assert "make run" in README and "make test" in README
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_journal_listener_is_documented():
    from sandbox.app import journal_listeners
    for name, doc in journal_listeners():
        assert f"| `{name}` | {doc} |" in README, name
