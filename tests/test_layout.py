"""The package layout: the science layer stays free of the layers above it, __init__ files stay
import-free (so the code-hash rerun trigger follows real imports only), and the README's module
table lists every module of the package."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src/linrnn"
UPPER = ("linrnn.pipeline", "linrnn.claims", "linrnn.figures", "linrnn.analysis")
# the data flow: a layer imports only layers of a lower rank (and itself)
RANK = {"core": 0, "analysis": 1, "pipeline": 2, "claims": 3, "figures": 3}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_core_imports_no_pipeline_analysis_claims_or_figures():
    bad = [
        f"{path.relative_to(ROOT)} imports {m}"
        for path in (PACKAGE / "core").rglob("*.py")
        for m in _imports(path)
        if m.startswith(UPPER)
    ]
    assert not bad, "\n".join(bad)


def test_each_layer_imports_only_the_layers_before_it():
    bad = []
    for layer, rank in RANK.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            for m in _imports(path):
                other = m.split(".")[1] if m.startswith("linrnn.") else None
                if other in RANK and other != layer and RANK[other] >= rank:
                    bad.append(f"{path.relative_to(ROOT)} ({layer}) imports {m}")
    assert not bad, "\n".join(bad)


def test_init_files_import_nothing_except_the_registry():
    for init in PACKAGE.rglob("__init__.py"):
        if init.parent.name == "rules":  # the registry imports its rules by design
            continue
        assert not _imports(init), f"{init.relative_to(ROOT)} imports {_imports(init)}"


def test_readme_module_table_lists_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([a-z_/]+\.py)` \|", readme, flags=re.M))
    modules = {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py" or p.parent.name == "rules"
    }
    assert modules - listed == set(), f"modules missing from the README table: {sorted(modules - listed)}"
    assert listed - modules == set(), f"README lists modules that do not exist: {sorted(listed - modules)}"


def test_no_private_name_is_imported_across_modules():
    """Shared helpers are public: no module imports another module's _private name."""
    bad = []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "scripts").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("linrnn"):
                bad += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert not bad, "\n".join(bad)
