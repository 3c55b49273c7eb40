"""Property-based tests of the config check (hypothesis): random mutations of config/test.yaml
are either rejected before any job, with every message naming a key and its fix, or accepted
and then run through every job of the pipeline without a crash and without a silently blank
result (tests/pipeline_proxy.py runs the real job scripts in-process, training cut to 4 steps).

Mutation classes: NaN/±inf, integer → integral float, type changes, deletions, renamed keys,
out-of-range numbers, wrong references from figures into experiments, list edits. For the
first classes the outcome is known (rejected, naming the mutated key); for the others either
outcome is allowed, but an accepted config must run. docs/config_checks.md records which
deliberate breakages of the checker these tests catch.
"""

from __future__ import annotations

import copy
import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linrnn.pipeline import io
from linrnn.pipeline.config_check import config_problems, registered_rules
from tests import pipeline_proxy

ROOT = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((ROOT / "config/test.yaml").read_text())
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
THEORY_SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/theory.schema.yaml").read_text())
RULE_NAMES = sorted(registered_rules())
EXPERIMENTS = sorted(BASE["experiments"])

# a message: "<key path> [(file:line)]: <problem>. Fix: <fix>"
MESSAGE = re.compile(r"^(?P<path>[A-Za-z_][\w-]*(\.[\w-]+)*|\(top level\))( \([^)]*\))?: .+\. Fix: .+$")

# LINRNN_HYPOTHESIS_EXAMPLES raises the number of examples for a longer exploratory run
FAST = settings(
    max_examples=int(os.environ.get("LINRNN_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ------------------------------------------------------------------ paths in the config


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, i))


ALL = [(p, v) for p, v in _walk(BASE) if p]
NUMBERS = [p for p, v in ALL if isinstance(v, int | float) and not isinstance(v, bool)]
KEYS = [p for p, _ in ALL if isinstance(p[-1], str)]
LISTS = [p for p, v in ALL if isinstance(v, list) and v]
REFERENCES = [
    p
    for p, _ in ALL
    if p[0] == "figures" and p[-1] in ("experiment", "reference", "seed", "rules", "rank_rule", "rank_experiments")
]


def _resolve(node, schema):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node


def schema_at(path) -> dict:
    """The (resolved) schema node that governs ``path`` ({} if none)."""
    schema, node = SCHEMA, SCHEMA
    for part in path:
        if schema is SCHEMA and node is SCHEMA.get("properties", {}).get("theory"):
            schema = node = THEORY_SCHEMA
        node = _resolve(node, schema)
        if isinstance(part, int):
            node = node.get("items", {})
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return {}
        if schema is SCHEMA and part == "theory" and path[0] == "theory":
            schema = node = THEORY_SCHEMA
    return _resolve(node, schema)


INTEGERS = [p for p in NUMBERS if isinstance(dict(ALL)[p], int) and "integer" in str(schema_at(p).get("type"))]


def _get(config, path):
    for part in path:
        config = config[part]
    return config


def _set(config, path, value):
    _get(config, path[:-1])[path[-1]] = value


# ------------------------------------------------------------------ mutations


@st.composite
def mutation(draw):
    """(description, mutated config, path, outcome) with outcome "reject" or "either"."""
    config = copy.deepcopy(BASE)
    kind = draw(
        st.sampled_from(["nonfinite", "int_to_float", "type", "delete", "rename", "range", "reference", "list"])
    )
    if kind == "nonfinite":
        path = draw(st.sampled_from(NUMBERS))
        value = draw(st.sampled_from([math.nan, math.inf, -math.inf]))
        _set(config, path, value)
        return f"{path} = {value}", config, path, "reject"
    if kind == "int_to_float":
        path = draw(st.sampled_from(INTEGERS))
        _set(config, path, float(_get(config, path)))
        return f"{path} as float", config, path, "reject"
    if kind == "type":
        path = draw(st.sampled_from([p for p, _ in ALL]))
        value = draw(st.sampled_from(["text", "1e6", [], {}, True, None, 3, 0.5, [1, 2]]))
        _set(config, path, value)
        return f"{path} = {value!r}", config, path, "either"
    if kind == "delete":
        path = draw(st.sampled_from(KEYS))
        del _get(config, path[:-1])[path[-1]]
        return f"del {path}", config, path, "either"
    if kind == "rename":
        path = draw(st.sampled_from(KEYS))
        parent = _get(config, path[:-1])
        new = draw(st.sampled_from([path[-1] + "s", path[-1].upper(), path[-1][:-1] or "x", "_" + path[-1]]))
        if new in parent:
            new += "_x"
        parent[new] = parent.pop(path[-1])
        return f"rename {path} -> {new}", config, (*path[:-1], new), "either"
    if kind == "range":
        path = draw(st.sampled_from(NUMBERS))
        value = draw(st.sampled_from([-1, 0, 1, -0.5, 1.5, 0.999999, 1e9, 10**7, -(10**6)]))
        _set(config, path, value)
        return f"{path} = {value}", config, path, "either"
    if kind == "reference":
        path = draw(st.sampled_from(REFERENCES))
        key = path[-1] if isinstance(path[-1], str) else path[-2]
        if key in ("experiment", "reference"):
            value = draw(st.sampled_from([*EXPERIMENTS, "nope"]))
        elif key == "rank_experiments":
            value = draw(st.lists(st.sampled_from([*EXPERIMENTS, "nope"]), min_size=1, max_size=3, unique=True))
        elif key == "seed":
            value = draw(st.integers(0, 4))
        elif key == "rank_rule":
            value = draw(st.sampled_from([*RULE_NAMES, "rtrl"]))
        else:
            value = draw(st.lists(st.sampled_from([*RULE_NAMES, "rtrl"]), min_size=1, max_size=4, unique=True))
        _set(config, path, value)
        return f"{path} = {value}", config, path, "either"
    path = draw(st.sampled_from(LISTS))
    items = _get(config, path)
    if draw(st.booleans()):
        items.pop(draw(st.integers(0, len(items) - 1)))
    else:
        items.append(copy.deepcopy(items[-1]))
    return f"edit list {path}", config, path, "either"


# ------------------------------------------------------------------ oracles


def _names_a_key(line: str, config) -> bool:
    """The message starts with a key path whose parent exists in the config (or top level)."""
    m = MESSAGE.match(line)
    if not m:
        return False
    if m.group("path") == "(top level)":
        return True
    parts = m.group("path").split(".")
    node = config
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _path_text(path) -> str:
    return ".".join(map(str, path))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The unmutated test config run once through the proxy (the mutants rerun what changed)."""
    root = tmp_path_factory.mktemp("proxy_baseline")
    jobs = pipeline_proxy.run(BASE, root)
    return Baseline((jobs, root))


class Baseline(tuple):
    def __repr__(self) -> str:
        return "baseline"


def blank_results(root: Path, config: dict) -> list[str]:
    """What a figure or claim would silently lack: missing-input claim rows, runs absent from the
    tables the figures read (independent of the claims code: read from the tables)."""
    claims = io.read_table(root / "results/tables/claims.csv")
    out = [
        f"{i}: {m}" for i, m in zip(claims["id"], claims["measured"], strict=True) if "missing" in m or "covers 0%" in m
    ]
    figures = pipeline_proxy.filled(config)["figures"]
    for name, fig in figures.items():
        runs = io.read_table(root / f"results/tables/{fig['experiment']}/runs.csv")
        for rule in fig.get("rules", []):
            sel = io.select(runs, rule=rule)
            if "seed" in fig:
                sel = io.select(sel, seed=fig["seed"])
            if not len(sel["rule"]):
                out.append(f"figures.{name}: no {rule} run in {fig['experiment']}")
        if name in ("validation", "sequence_loss"):
            modes = io.read_table(root / f"results/tables/{fig['experiment']}/modes.csv")
            for rule in fig["rules"]:
                if not len(io.select(modes, rule=rule, estimator="ode", seed=fig["seed"])["rule"]):
                    out.append(f"figures.{name}: no ODE of {rule} in {fig['experiment']}")
    return out


@FAST
@given(mutation())
def test_a_mutant_is_rejected_naming_a_key_or_runs(baseline, tmp_path_factory, case):
    what, config, path, outcome = case
    problems, _ = config_problems(config)
    if outcome == "reject":
        assert problems, f"{what}: accepted"
        assert any(_path_text(path) in line for line in problems), f"{what}: not named in {problems}"
    for line in problems:
        assert _names_a_key(line, config), f"{what}: message does not name a key: {line!r}"
    if problems:
        return
    root = tmp_path_factory.mktemp("mutant")
    try:
        pipeline_proxy.run(config, root, baseline=baseline)
        blank = blank_results(root, config)
        assert not blank, f"{what}: accepted, ran, but results are blank: {blank}"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FAST
@given(st.sampled_from(NUMBERS), st.sampled_from([math.nan, math.inf, -math.inf]))
def test_every_non_finite_number_is_rejected_by_its_key(path, value):
    config = copy.deepcopy(BASE)
    _set(config, path, value)
    problems, _ = config_problems(config)
    assert any(line.startswith(_path_text(path)) and "finite" in line for line in problems), problems


@FAST
@given(st.sampled_from(INTEGERS))
def test_every_integral_float_is_rejected_where_an_integer_is_needed(path):
    config = copy.deepcopy(BASE)
    _set(config, path, float(_get(config, path)))
    problems, _ = config_problems(config)
    assert any(line.startswith(_path_text(path)) and "not an integer" in line for line in problems), problems


@FAST
@given(st.lists(st.sampled_from(NUMBERS), min_size=2, max_size=5, unique=True))
def test_all_errors_at_once(paths):
    """Several independent mistakes (main block and theory block alike) are all reported."""
    config = copy.deepcopy(BASE)
    for path in paths:
        _set(config, path, math.nan)
    problems, _ = config_problems(config)
    for path in paths:
        assert any(line.startswith(_path_text(path) + ":") for line in problems), (path, problems)


def test_the_oracles_see_a_blank_figure(baseline, tmp_path):
    """The proxy oracle is not vacuous: with the cross-reference checks bypassed, a figure seed
    that no experiment trains runs to the end and is reported blank."""
    config = copy.deepcopy(BASE)
    config["figures"]["validation"]["seed"] = 3
    pipeline_proxy.run(config, tmp_path, baseline=baseline)
    blank = blank_results(tmp_path, config)
    assert any("figures.validation" in b for b in blank) and any(b.startswith("C2") for b in blank), blank


def test_proxy_runs_the_unmutated_config(baseline):
    jobs, root = baseline
    assert {j.script for j in jobs} >= {"make_teacher", "train_rnn", "integrate_ode", "diagnostics", "claims"}
    claims = io.read_table(root / "results/tables/claims.csv")
    assert len(claims["id"]) and not blank_results(root, BASE)
    assert np.all([(root / f).exists() for j in jobs for f in j.output])


def test_proxy_plans_the_jobs_snakemake_plans(tmp_path):
    """The proxy's rule table (tests/pipeline_proxy.py) and workflow/rules/*.smk agree: the same
    jobs per rule for config/test.yaml as Snakemake's own dry run."""
    import subprocess

    from tests.helpers import job_stats, snakemake_command

    cmd = snakemake_command("-n", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(tmp_path))
    cmd += ["--configfile", str(ROOT / "config/test.yaml")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=True)
    planned = job_stats(proc.stdout + proc.stderr)
    planned.pop("all")
    proxy: dict[str, int] = {}
    for job in pipeline_proxy.plan(pipeline_proxy.filled(BASE)):
        proxy[job.rule] = proxy.get(job.rule, 0) + 1
    assert proxy == planned
