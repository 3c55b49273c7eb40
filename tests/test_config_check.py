"""Bad configurations fail before any job runs, naming the key and the fix."""

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


# ------------------------------------------------------------------ every case of the issue list


def problems_of(config):
    from linrnn.pipeline.config_check import config_problems

    return config_problems(config, SCHEMA, ROOT / "workflow/schemas/theory.schema.yaml")


def line_naming(problems, key):
    return next((ln for ln in problems if ln.startswith(key)), None)


NAN, INF = float("nan"), float("inf")
W_STAR = TEST_CONFIG["experiments"][ALIGNED]["teacher"]["w_star"]
A_STAR = TEST_CONFIG["experiments"][ALIGNED]["teacher"]["a_star"]
SEQUENCE = next(n for n, e in TEST_CONFIG["experiments"].items() if e["options"].get("loss") == "sequence")
DENSE = first_experiment("dense")
RFLO_ONLY = next(n for n, e in TEST_CONFIG["experiments"].items() if e["rules"] == ["rflo"])

ISSUE_CASES = {
    "validation seed not configured": (
        edited(("figures", "validation", "seed"), 5),
        "figures.validation.seed",
        "seed 5",
    ),
    "low_rank at an RFLO-only experiment": (
        edited(("figures", "low_rank", "experiment"), RFLO_ONLY),
        "figures.low_rank.rules",
        "not trained",
    ),
    "validation at a dense teacher without ODEs": (
        edited(("figures", "validation", "experiment"), DENSE),
        "figures.validation.experiment",
        "aligned",
    ),
    "validation at an aligned experiment with ode false": (
        edited(("experiments", ALIGNED, "ode"), False),
        "figures.validation.experiment",
        "ode: False",
    ),
    "NaN w*": (
        edited(("experiments", ALIGNED, "teacher", "w_star"), [NAN, *W_STAR[1:]]),
        f"experiments.{ALIGNED}.teacher.w_star.0",
        "finite",
    ),
    "inf eta": (edited(("experiments", ANY, "training", "eta"), INF), f"experiments.{ANY}.training.eta", "finite"),
    "NaN eta": (edited(("experiments", ANY, "training", "eta"), NAN), f"experiments.{ANY}.training.eta", "finite"),
    "NaN w_hat": (edited(("experiments", ANY, "options", "w_hat"), NAN), f"experiments.{ANY}.options.w_hat", "finite"),
    "inf init scale": (edited(("experiments", ANY, "init", "scale"), INF), f"experiments.{ANY}.init.scale", "finite"),
    "-inf a*": (
        edited(("experiments", ALIGNED, "teacher", "a_star"), [-INF, *A_STAR[1:]]),
        f"experiments.{ALIGNED}.teacher.a_star.0",
        "finite",
    ),
    "NaN loss_limit": (
        edited(("experiments", ANY, "training", "loss_limit"), NAN),
        f"experiments.{ANY}.training.loss_limit",
        "finite",
    ),
    "n as 8.0": (edited(("experiments", ANY, "n"), 8.0), f"experiments.{ANY}.n", "write 8"),
    "float seed index": (edited(("experiments", ANY, "seeds"), [0, 1.0]), f"experiments.{ANY}.seeds.1", "write 1"),
    "float figure seed": (edited(("figures", "validation", "seed"), 0.0), "figures.validation.seed", "write 0"),
    "sequence loss with T_expected null": (
        edited(("experiments", SEQUENCE, "training", "T_expected"), None),
        f"experiments.{SEQUENCE}.training.T_expected",
        "finite T",
    ),
    "more dominant modes than the teacher has": (
        edited(("figures", "validation", "dominant_modes"), len(A_STAR) + 1),
        "figures.validation.dominant_modes",
        f"at most {len(A_STAR)}",
    ),
    "dense teacher with more eigenvalues than n": (
        edited(("experiments", DENSE, "teacher", "w_star"), [0.1] * (TEST_CONFIG["experiments"][DENSE]["n"] + 1)),
        f"experiments.{DENSE}.teacher.w_star",
        "eigenvalues",
    ),
    "aligned init without mode values": (
        edited(("experiments", ALIGNED, "init"), {"kind": "aligned"}),
        f"experiments.{ALIGNED}.init.a",
        "needs a",
    ),
    "a number YAML reads as text": (
        edited(("experiments", ANY, "training", "loss_limit"), "1e6"),
        f"experiments.{ANY}.training.loss_limit",
        "text",
    ),
    "theory: integer as float": (edited(("theory", "tau"), 1.0), "theory.tau", "write 1"),
    "theory: NaN": (edited(("theory", "teacher", "w_star"), NAN), "theory.teacher.w_star", "finite"),
    "theory: start with |w0| = 1": (
        edited(("theory", "manifolds", "inits"), [[0.1, 0.1, 1.0]]),
        "theory.manifolds.inits.0.2",
        "< 1",
    ),
    "theory: s_min above s_max": (edited(("theory", "manifolds", "s_min"), 5.0), "theory.manifolds.s_min", "s_max"),
    "job memory beyond the stated limit": (edited(("experiments", ANY, "n"), 100_000), f"experiments.{ANY}.n", "GiB"),
}


@pytest.mark.parametrize("case", sorted(ISSUE_CASES))
def test_issue_case_is_rejected_naming_the_key(case):
    config, key, hint = ISSUE_CASES[case]
    problems, _ = problems_of(config)
    line = line_naming(problems, key)
    assert line is not None, f"{key!r} not named in:\n" + "\n".join(problems)
    assert "Fix:" in line and hint in line, line


def test_main_and_theory_errors_come_together_in_one_form():
    config = edited(("theory", "tau"), 0)
    config["experiments"][ANY]["n"] = 0
    config["figures"]["validation"]["seed"] = 7
    with pytest.raises(ConfigError) as info:
        check_config(config, SCHEMA, ROOT / "workflow/schemas/theory.schema.yaml")
    lines = str(info.value).splitlines()[1:]
    assert {ln.split(":")[0].strip() for ln in lines} >= {"theory.tau", f"experiments.{ANY}.n"}
    assert all(": " in ln and ". Fix: " in ln for ln in lines), lines


def test_work_that_would_run_for_days_is_warned_about():
    from linrnn.pipeline.config_check import LONG_RUN_SECONDS, training_seconds, with_defaults

    config = edited(("experiments", ANY, "training", "steps"), 10**9)
    config["experiments"][ANY]["training"]["record_every"] = 10**8
    problems, warnings = problems_of(config)
    assert not problems, problems
    assert any(w.startswith(f"experiments.{ANY}.training.steps") and "CPU-days" in w for w in warnings), warnings
    # the estimate is steps × seeds × rules × estimators × (cost of a step): linear in each
    schema = yaml.safe_load(SCHEMA.read_text())
    exp = with_defaults(config, schema)["experiments"][ANY]
    double = copy.deepcopy(exp)
    double["seeds"] = exp["seeds"] + [max(exp["seeds"]) + 1 + i for i in range(len(exp["seeds"]))]
    assert training_seconds(double) == pytest.approx(2 * training_seconds(exp))
    assert training_seconds(exp) > LONG_RUN_SECONDS
    assert not problems_of(TEST_CONFIG)[1]


def test_yaml_syntax_error_names_file_line_and_column(tmp_path):
    from linrnn.pipeline.config_check import check_files

    text = (ROOT / "config/test.yaml").read_text().splitlines()
    line = next(i for i, t in enumerate(text) if t.strip().startswith("seeds:"))
    text[line] = text[line].replace("]", "")  # an unclosed bracket
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(ConfigError) as info:
        check_files([bad])
    message = str(info.value)
    assert f"{bad}:" in message and "YAML syntax error" in message and "Fix:" in message
    reported = int(message.split(f"{bad}:")[1].split(":")[0])
    assert line + 1 <= reported <= line + 3  # PyYAML reports where it noticed, at or just after


def test_duplicate_key_names_both_lines(tmp_path):
    from linrnn.pipeline.config_check import check_files

    text = (ROOT / "config/test.yaml").read_text().splitlines()
    line = next(i for i, t in enumerate(text) if t.strip().startswith("seeds:"))
    text.insert(line + 1, text[line])
    bad = tmp_path / "dup.yaml"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(ConfigError) as info:
        check_files([bad])
    assert f"lines {line + 1} and {line + 2}" in str(info.value)


def test_messages_carry_the_file_and_line_of_the_key(tmp_path):
    from linrnn.pipeline.config_check import check_files

    text = (ROOT / "config/test.yaml").read_text().splitlines()
    line = next(i for i, t in enumerate(text) if t.strip().startswith("n: "))
    text[line] = text[line].split(":")[0] + ": 6.0"
    bad = tmp_path / "float.yaml"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(ConfigError) as info:
        check_files([bad])
    assert f"({bad}:{line + 1}): 6.0 is a float" in str(info.value)
