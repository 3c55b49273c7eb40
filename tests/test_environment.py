"""The conda files mirror pyproject.toml (conda itself is not available on the CI machine, so
this is the check that keeps environment.yml and workflow/envs/linrnn.yaml from drifting)."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names of the PyPI packages where they differ (the lighter builds without GUI/extras)
CONDA_NAME = {"matplotlib": "matplotlib-base", "snakemake": "snakemake-minimal"}


def _requirements(specs) -> dict[str, str]:
    """{name: version spec} from 'name>=1,<2' strings (conda or PyPI), spaces dropped."""
    out = {}
    for spec in specs:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", spec.strip())
        out[m.group(1).lower()] = m.group(2).replace(" ", "")
    return out


def _pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"], project["optional-dependencies"]


def _conda(path):
    deps = yaml.safe_load((ROOT / path).read_text())["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = [p for d in deps if isinstance(d, dict) for p in d.get("pip", [])]
    return _requirements(conda), pip


def _as_conda(requirements: dict[str, str]) -> dict[str, str]:
    return {CONDA_NAME.get(name, name): spec for name, spec in requirements.items()}


def test_environment_yml_mirrors_pyproject():
    core, extras = _pyproject()
    conda, pip = _conda("environment.yml")
    expected = _as_conda(_requirements(core + extras["test"] + extras["browser"]))
    assert {k: conda.get(k) for k in expected} == expected
    assert conda["python"] == ">=3.11"
    assert _requirements([p for p in pip if not p.startswith("-e")]) == _requirements(extras["cluster"])
    assert "-e ." in pip  # the package itself


def test_rule_environment_mirrors_pyproject():
    core, _ = _pyproject()
    conda, _ = _conda("workflow/envs/linrnn.yaml")
    expected = _as_conda(_requirements(core))
    assert {k: conda.get(k) for k in expected} == expected


# import name -> distribution name where they differ
DISTRIBUTION = {"yaml": "pyyaml"}
LOCAL = {"linrnn", "tests", "benchmarks", "conftest", "compare_results"}


def _imported_top_level(paths) -> set[str]:
    import ast
    import sys

    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in LOCAL}


def test_every_directly_imported_package_is_declared():
    core, extras = _pyproject()
    declared = set(_requirements(core)) | {n for specs in extras.values() for n in _requirements(specs)}
    code = [p for d in ("src", "scripts", "tests", "tools", "benchmarks") for p in (ROOT / d).rglob("*.py")]
    missing = {DISTRIBUTION.get(n, n) for n in _imported_top_level(code)} - declared
    assert not missing, f"imported but not declared in pyproject.toml: {sorted(missing)}"
