"""Sweep expansion: grid and star designs, dotted keys, per-seed teachers, clear errors."""

import pytest

from linrnn.pipeline import sweeps

BASE = {
    "n": 8,
    "o": 1,
    "teacher": {"kind": "dense", "w_star": [0.8, -0.5]},
    "init": {"kind": "random", "scale": 0.1},
    "training": {"eta": 0.03, "steps": 100},
    "rules": ["bptt"],
    "seeds": [0, 1, 2],
}
EXPERIMENTS = {"base": BASE}


def test_grid_is_the_product_of_the_axes():
    sweep = {
        "base": "base",
        "design": "grid",
        "set": {"rules": "all"},
        "axes": [
            {
                "name": "k",
                "levels": [
                    {"label": 1, "set": {"teacher.w_star": [0.8]}},
                    {"label": 2, "set": {"teacher.w_star": [0.8, -0.6]}},
                ],
            },
            {"name": "o", "key": "o", "values": [1, 2, 3]},
        ],
    }
    out = sweeps.expand_sweep("ts", sweep, EXPERIMENTS, ["bptt", "rflo"])
    assert len(out) == 2 * 3
    assert list(out)[:2] == ["ts_000", "ts_001"]
    seen = {(e["sweep"]["labels"]["k"], e["sweep"]["labels"]["o"]) for e in out.values()}
    assert seen == {(k, o) for k in (1, 2) for o in (1, 2, 3)}
    for e in out.values():
        assert len(e["teacher"]["w_star"]) == e["sweep"]["labels"]["k"]
        assert e["o"] == e["sweep"]["labels"]["o"]
        assert e["rules"] == ["bptt", "rflo"]
    assert BASE["o"] == 1 and BASE["teacher"]["w_star"] == [0.8, -0.5]  # base untouched


def test_star_changes_one_axis_at_a_time_and_splits_per_seed_teachers():
    sweep = {
        "base": "base",
        "design": "star",
        "axes": [
            {"name": "eta", "key": "training.eta", "values": [0.01, 0.1]},
            {"name": "teacher", "levels": [{"label": "per seed", "set": {"teacher_per_seed": True}}]},
        ],
    }
    out = sweeps.expand_sweep("pm", sweep, EXPERIMENTS, ["bptt"])
    # base + 2 eta levels + 1 teacher level split into 3 single-seed experiments
    assert sorted(out) == ["pm_000", "pm_001", "pm_002", "pm_003_s0", "pm_003_s1", "pm_003_s2"]
    assert out["pm_000"]["training"]["eta"] == 0.03
    assert out["pm_001"]["training"]["eta"] == 0.01 and out["pm_001"]["sweep"]["labels"]["teacher"] == "base"
    assert out["pm_003_s1"]["seeds"] == [1] and out["pm_003_s1"]["training"]["eta"] == 0.03
    assert "teacher_per_seed" not in out["pm_003_s1"]["teacher"]
    assert sweeps.sweep_experiments(out, "pm")[0] == "pm_000"


def test_errors_name_the_key():
    with pytest.raises(ValueError, match=r"sweeps.x.base: 'nope'"):
        sweeps.expand_sweeps({"experiments": EXPERIMENTS, "sweeps": {"x": {"base": "nope"}}}, [])
    bad = {"base": "base", "axes": [{"name": "a", "key": "training.eta.deep", "values": [1]}]}
    with pytest.raises(ValueError, match="does not name a block"):
        sweeps.expand_sweep("x", bad, EXPERIMENTS, [])
    with pytest.raises(ValueError, match="design must be one of"):
        sweeps.expand_sweep("x", {"base": "base", "design": "cube"}, EXPERIMENTS, [])
    with pytest.raises(ValueError, match="already exists"):
        sweeps.expand_sweeps({"experiments": {"base": BASE, "x_000": BASE}, "sweeps": {"x": {"base": "base"}}}, [])
