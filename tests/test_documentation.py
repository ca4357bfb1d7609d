"""The README and docs/ stay true: a short front door with a quick start per kind of user, every setting, CLI
command and journal listener documented where the reference says, and every relative link resolving."""
import re

import click

from sandbox.app import journal_listeners
from sandbox.cli import main
from sandbox.kernel.settings import SETTINGS
from tests.conftest import REPO
from tests.documented_examples import DOCUMENTS

README = (REPO / "README.md").read_text()
DOCS = REPO / "docs"


def test_the_readme_is_a_front_door_with_a_quick_start_for_each_kind_of_user():
    assert len(README.splitlines()) <= 250
    linked = set(re.findall(r"\]\((docs/[^)#]+)", README))
    for kind in ("developer", "trainer", "ci"):
        pages = [page for page in linked if kind in page.removeprefix("docs/")]
        assert pages, f"the README links no docs/ page for the {kind} quick start"
        assert all((REPO / page).exists() for page in pages)


def test_the_two_commands_are_there_and_ci_runs_the_test_one():
    assert "make run" in README and "make test" in README
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_every_setting_is_documented():
    text = (DOCS / "configuration.md").read_text()
    for setting in SETTINGS:
        assert f"| `{setting.name}` | `{setting.option}` | `{setting.env}` |" in text, setting.name


def _documented_commands() -> set[tuple[str, ...]]:
    """Command paths of the CLI block in docs/control-api-and-cli.md: `dip-sandbox clock now | advance 72h`
    names (clock, now) and (clock, advance); `dip-sandbox atlas accounts create | list` names (atlas, accounts,
    create) and (atlas, accounts, list); continuation lines start with `|`."""
    text = (DOCS / "control-api-and-cli.md").read_text()
    block = re.search(r"## The CLI\n\n```\n(.*?)```", text, re.S).group(1)
    lines: list[str] = []
    for line in block.splitlines():
        if line.lstrip().startswith("|") and lines:
            lines[-1] += " " + line.strip()
        elif line.startswith("dip-sandbox "):
            lines.append(line)
    paths = set()
    for line in lines:
        words = line.split()
        command = main.commands.get(words[1])
        if not isinstance(command, click.Group):
            paths.add((words[1],))
            continue
        alternatives = [alternative.split() for alternative in _alternatives(" ".join(words[2:]))]
        nested = command.commands.get(alternatives[0][0])
        if isinstance(nested, click.Group):
            prefix, alternatives[0] = (words[1], alternatives[0][0]), alternatives[0][1:]
        else:
            prefix = (words[1],)
        paths.update(prefix + (alternative[0],) for alternative in alternatives if alternative)
    return paths


def _alternatives(text: str) -> list[str]:
    """`now | advance 72h | mode [--env uit|prod]` -> the parts between the `|` outside brackets and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == "[" and not quoted:
            depth += 1
        elif char == "]" and not quoted:
            depth -= 1
        elif char == "|" and depth == 0 and not quoted:
            parts.append(text[start:index])
            start = index + 1
    return parts + [text[start:]]


def _cli_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            paths |= _cli_commands(command, prefix + (name,))
        else:
            paths.add(prefix + (name,))
    return paths


def test_every_cli_command_is_documented_and_every_documented_one_exists():
    documented, real = _documented_commands(), _cli_commands(main)
    assert real - documented == set(), "commands the CLI block of docs/control-api-and-cli.md does not show"
    assert documented - real == set(), "commands the CLI block shows that do not exist"


def test_every_journal_listener_is_documented():
    text = (DOCS / "control-api-and-cli.md").read_text()
    for name, doc in journal_listeners():
        assert f"| `{name}` | {doc} |" in text, name


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#{1,6} (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.S), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def test_every_relative_link_resolves():
    broken = []
    for document in DOCUMENTS:
        text = re.sub(r"```.*?```", "", document.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (document.parent / path).resolve() if path else document
            if not linked.exists():
                broken.append(f"{document.name}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text()):
                broken.append(f"{document.name}: {target} (no such heading)")
    assert broken == []
