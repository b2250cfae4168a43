"""The folders draw the architecture, and imports only point down: cli -> operations ->
cleanup -> plan -> rules -> understand -> core; sources (adapters) are handed plain values and
import only core (never plans, rules or the config files); nightly sits beside the operations
and below them. Read from the source with `ast`, so a lazy import inside a function counts."""

import ast
import tomllib
from pathlib import Path

import sheetsales

PACKAGE = Path(sheetsales.__file__).parent
ROOT = PACKAGE.parent

BELOW_OPERATIONS = {"core", "understand", "rules", "plan", "cleanup", "sources", "nightly"}
ALLOWED = {
    "core": set(),
    "understand": {"core"},
    "rules": {"core", "understand"},
    "plan": {"core", "understand", "rules", "sources.base"},
    "cleanup": {"core", "understand", "rules", "plan"},
    "sources": {"core"},
    "nightly": {"core", "rules"},
    "emulator": {"core", "sources"},
    "operations": BELOW_OPERATIONS,
    "cli": BELOW_OPERATIONS | {"operations", "(api)"},
    "(api)": set(),  # sheetsales/__init__.py names its targets as strings, imported lazily
    "__main__": {"cli"},
}
# Modules of core that hold the configuration: adapters are handed its values instead.
CONFIG_MODULES = {"core.config", "core.config_schema"}
# Stated exceptions: (importer, imported layer) -> why.
EXCEPTIONS = {
    ("core.config_schema", "rules"): "[rules] disabled is checked against the rule catalogue "
                                     "when the config is loaded (imported lazily)",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer(module: str) -> str:
    if not module:
        return "(api)"
    first = module.split(".")[0]
    return "cli" if first == "cli" else first


def imports(path: Path):
    """The sheetsales modules `path` imports, as names relative to the package."""
    here = module_name(path).split(".") if module_name(path) else []
    package = here if path.name == "__init__.py" else here[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "sheetsales":
                target = node.module.split(".")[1:]
            else:
                continue
            names = [alias.name for alias in node.names]
            yield from (".".join(target + [n]) if not target else ".".join(target)
                        for n in (names if not target else [None]))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sheetsales":
                    yield ".".join(alias.name.split(".")[1:])


def violations():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        own = layer(importer)
        for target in imports(path):
            theirs = layer(target)
            if theirs == own:
                continue
            allowed = ALLOWED[own]
            if theirs not in allowed and not any(target == a or target.startswith(a + ".")
                                                 for a in allowed):
                if (importer, theirs) not in EXCEPTIONS:
                    found.append(f"{importer} imports {target}")
            elif own == "sources" or own == "emulator":
                if any(target == m or target.startswith(m + ".") for m in CONFIG_MODULES):
                    found.append(f"{importer} imports {target} (adapters get plain values)")
    return found


def test_imports_point_down_only():
    assert violations() == []


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The rule bites: a source importing a plan, or core importing a source, is reported."""
    fake = tmp_path / "sheetsales"
    for name, text in {"core/x.py": "from ..sources import open_grid\n",
                       "sources/y.py": "from ..plan.make import Plan\n",
                       "sources/z.py": "from ..core.config import Config\n",
                       "rules/ok.py": "from ..core.model import Deal\n"}.items():
        (fake / name).parent.mkdir(parents=True, exist_ok=True)
        (fake / name).write_text(text)
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert sorted(violations()) == [
        "core.x imports sources", "sources.y imports plan.make",
        "sources.z imports core.config (adapters get plain values)"]


def test_every_package_says_what_it_owns():
    for init in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init.relative_to(ROOT)} has no docstring"


def test_every_package_is_shipped():
    """pyproject lists the packages (templates/ is mapped in), so a new one must be added."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {"sheetsales" + ("." + module_name(p) if module_name(p) else "")
             for p in PACKAGE.rglob("__init__.py")}
    assert found | {"sheetsales.templates"} == listed


def test_modules_stay_small_or_say_why():
    """A newcomer reads any module in one sitting: past 300 lines it states why at its top."""
    long = []
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > 300 and not any("Longer than" in line for line in lines[:15]):
            long.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert long == []
