"""The layers of design.md, in the folders: a kernel module (sandbox/kernel/) imports neither a simulated service
(mock_*) nor the composition (the rest of sandbox/), at module level or inside a function; mock_ca has no Flask;
a service imports from sandbox only its kernel; the composition reads a service's tables only through the service.
"""
import ast
import re

import pytest

from tests.conftest import REPO

SERVICES = ("mock_ca", "mock_atlas", "mock_dip")


def _imports(path) -> list[str]:
    """Every module `path` imports, wherever the import statement stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            if node.module == "sandbox":  # from sandbox import x: the module sandbox.x
                found += [f"sandbox.{alias.name}" for alias in node.names]
    return found


def _modules(package: str):
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("sandbox/kernel"), ids=lambda p: p.name)
def test_a_kernel_module_imports_no_service_and_no_composition(path):
    wrong = [name for name in _imports(path) if name.split(".")[0] in SERVICES
             or (name.startswith("sandbox") and not (name == "sandbox.kernel" or name.startswith("sandbox.kernel.")))]
    assert wrong == [], f"{path.relative_to(REPO)} imports {wrong}: the kernel stands below the services"


@pytest.mark.parametrize("package", SERVICES)
def test_a_service_imports_only_the_kernel_of_sandbox(package):
    wrong = {str(path.relative_to(REPO)): names for path in _modules(package)
             if (names := [name for name in _imports(path) if name.startswith("sandbox")
                           and not name.startswith("sandbox.kernel")])}
    assert wrong == {}


def test_mock_ca_has_no_flask():
    wrong = {str(path.relative_to(REPO)) for path in _modules("mock_ca")
             if any(name.split(".")[0] in ("flask", "werkzeug") for name in _imports(path))}
    assert wrong == set()


SERVICE_TABLE_SQL = re.compile(r"\b(from|join|into|update)\s+\[?(dip|atlas|ca)_\w+", re.IGNORECASE)


def _service_sql(path) -> list[str]:
    """The SQL text in `path` (any string, f-strings' literal parts included) that names a service's table."""
    return [node.value for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SERVICE_TABLE_SQL.search(node.value)]


def test_the_composition_reads_a_service_through_the_service():
    """The console, scenarios, checkpoints, control API and harness ask a service (Dip, Atlas, the CAs) for what they
    show; none runs SQL on a service's tables (their owner may change them: one owner per table)."""
    composition = [path for path in _modules("sandbox") if "kernel" not in path.relative_to(REPO / "sandbox").parts]
    wrong = {str(path.relative_to(REPO)): found for path in composition if (found := _service_sql(path))}
    assert wrong == {}


def test_the_sql_check_sees_a_query_on_a_service_table(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('rows = ctx.query("select id from dip_organisations where kind = ?", [k])\n'
                      'one = f"select 1 from [atlas_accounts] where id = {x}"\nok = "select * from meta"\n')
    assert len(_service_sql(module)) == 2


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from mock_dip import service\n    import sandbox.app\n")
    assert _imports(module) == ["mock_dip", "sandbox.app"]
