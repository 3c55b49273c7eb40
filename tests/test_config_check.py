"""Bad configurations fail before any job runs, naming the key and the fix (issue 6)."""

import copy
from pathlib import Path

import pytest
import yaml

from linrnn.pipeline.config_check import ConfigError, check_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"
TEST_CONFIG = yaml.safe_load((ROOT / "config/test.yaml").read_text())


def edited(path, value=None, delete=False):
    config = copy.deepcopy(TEST_CONFIG)
    node = config
    for part in path[:-1]:
        node = node[part]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return config


def first_experiment(kind=None):
    for name, exp in TEST_CONFIG["experiments"].items():
        if kind is None or exp["teacher"]["kind"] == kind:
            return name
    raise LookupError(kind)


ALIGNED = first_experiment("aligned")
ANY = first_experiment()
UNSTABLE_W = [1.2] + TEST_CONFIG["experiments"][ALIGNED]["teacher"]["w_star"][1:]

BAD = {
    "wrong type (n as text)": (edited(("experiments", ANY, "n"), "six"), f"experiments.{ANY}.n", "integer"),
    "missing key (training)": (
        edited(("experiments", ANY, "training"), delete=True),
        f"experiments.{ANY}.training",
        "required key is missing",
    ),
    "unknown rule": (edited(("experiments", ANY, "rules"), ["bptt", "rtrl"]), f"experiments.{ANY}.rules", "rtrl"),
    "zero dimension": (edited(("experiments", ANY, "d"), 0), f"experiments.{ANY}.d", "≥ 1"),
    "negative dimension": (edited(("experiments", ANY, "o"), -2), f"experiments.{ANY}.o", "≥ 1"),
    "unstable teacher |w*| ≥ 1": (
        edited(("experiments", ALIGNED, "teacher", "w_star"), UNSTABLE_W),
        f"experiments.{ALIGNED}.teacher.w_star",
        "(-1, 1)",
    ),
    "|w_hat| ≥ 1": (edited(("experiments", ANY, "options", "w_hat"), 1.0), f"experiments.{ANY}.options.w_hat", "< 1"),
    "tau < 1": (edited(("experiments", ANY, "options", "tau"), 0), f"experiments.{ANY}.options.tau", "≥ 1"),
    "eta ≤ 0": (edited(("experiments", ANY, "training", "eta"), 0.0), f"experiments.{ANY}.training.eta", "> 0"),
    "too many teacher modes": (
        edited(("experiments", ALIGNED, "n"), 1),
        f"experiments.{ALIGNED}.teacher.a_star",
        "min(n, d, o)",
    ),
    "seeds not integers": (edited(("experiments", ANY, "seeds"), [0, 1.5]), f"experiments.{ANY}.seeds.1", "integer"),
    "figure names an unknown experiment": (
        edited(("figures", "validation", "experiment"), ALIGNED + "x"),
        "figures.validation.experiment",
        "did you mean",
    ),
    "typo in a key": (
        edited(("experiments", ANY, "training", "stepz"), 10),
        f"experiments.{ANY}.training.stepz",
        "did you mean 'steps'",
    ),
    "unknown estimator": (
        edited(("experiments", ANY, "estimators"), ["online"]),
        f"experiments.{ANY}.estimators.0",
        "expected",
    ),
    "unknown loss": (
        edited(("experiments", ANY, "options", "loss"), "mse"),
        f"experiments.{ANY}.options.loss",
        "sequence",
    ),
    "base seed negative": (edited(("base_seed",), -1), "base_seed", "≥ 0"),
}


def test_the_test_config_and_the_paper_config_are_valid():
    check_config(TEST_CONFIG, SCHEMA)
    check_config(yaml.safe_load((ROOT / "config/config.yaml").read_text()), SCHEMA)


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_names_the_key_and_the_fix(case):
    config, key, hint = BAD[case]
    with pytest.raises(ConfigError) as info:
        check_config(config, SCHEMA)
    message = str(info.value)
    line = next((ln for ln in message.splitlines() if key in ln), None)
    assert line is not None, f"{key!r} not named in:\n{message}"
    assert "Fix:" in line and hint in line, line


def test_at_least_twelve_distinct_bad_configs():
    assert len(BAD) >= 12
