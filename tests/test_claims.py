"""Claims table: every checklist item C1–C14 gets a row, and wrong inputs fail.

Small synthetic tables only (no pipeline run): the builder linrnn.claims.checklist.all_claims on
diagnostics tables (the ``ode_match`` table built from synthetic trajectories by
linrnn.pipeline.tables.ode_match_rows) and the docs generator linrnn.claims.markdown.
"""

import numpy as np
import pytest

from linrnn.analysis import decoupling
from linrnn.claims import catalogue, checklist, markdown, simulation_checks
from linrnn.core import theory
from linrnn.pipeline import tables

A_STAR, B_STAR, W_STAR = [1.6, 1.2], [1.6, 1.2], [0.6, -0.5]
RULES = ("bptt", "tbptt", "rflo")


def _table(rows):
    keys = list(rows[0])
    return {k: np.array([r[k] for r in rows]) for k in keys}


def _modes(perturb_ab=0.0):
    """Full RNN (expected, sampled) equal to the ODE, both modes converging to a* b*."""
    rows = []
    t = np.linspace(0, 10, 11)
    for rule in RULES:
        for estimator in ("expected", "sampled", "ode"):
            for i, (a_s, b_s, w_s) in enumerate(zip(A_STAR, B_STAR, W_STAR, strict=True)):
                frac = 1 - np.exp(-t)
                bump = perturb_ab * (estimator == "expected")
                for tk, f in zip(t, frac, strict=True):
                    rows.append(
                        dict(
                            rule=rule,
                            seed=0,
                            estimator=estimator,
                            mode_index=i,
                            time=tk,
                            a=a_s * np.sqrt(f) + bump,
                            b=b_s * np.sqrt(f),
                            w=w_s * f,
                            a_star=a_s,
                            b_star=b_s,
                            w_star=w_s,
                        )
                    )
    return rows


def _decoupling(off=1e-16):
    return _table([dict(rule=r, steps=20, eta=0.05, off_diagonal_ratio=off) for r in RULES])


def _simulation(perturb_ab=0.0):
    """modes, ode_match (measured from them), alignment, runs and decoupling tables."""
    rows = _modes(perturb_ab)
    match = tables.ode_match_rows([dict(r, experiment="val") for r in rows])
    return {
        "modes": _table(rows),
        "ode_match": _table(match),
        "alignment": _alignment(),
        "runs": _runs(4, {r: 4 for r in RULES}),
        "decoupling": _decoupling(),
    }


def _alignment():
    rows = [
        dict(rule=r, seed=0, estimator="expected", metric=m, value=v)
        for r in RULES
        for m in ("recurrent", "input", "output")
        for v in (0.1, 0.9)
    ]
    return _table(rows)


def _runs(o, ranks, outcomes=None, eff=None):
    """One row per (rule, seed); ranks[rule] = rank of W_K − W_0 for every seed."""
    rows = []
    for rule, rank in ranks.items():
        for seed, outcome in enumerate((outcomes or {}).get(rule, ["converged"])):
            rows.append(
                dict(
                    rule=rule,
                    estimator="expected",
                    seed=seed,
                    o=o,
                    rank_W=rank,
                    rank_B=min(rank, o) if rule in ("rflo",) else rank,
                    effective_rank_W=(eff or {}).get(rule, float(rank)),
                    outcome=outcome,
                    relative_loss=0.001,
                )
            )
    return _table(rows)


def _theory(detour_branch=-1, end_ab=1.0):
    rates = _table(
        theory.rates_table(
            list(RULES), [-3.0, -1.0, -0.1, 0.1, 1.0, 3.0], [0.0, 0.3, 0.9], [1.0], taus=[1], a_hats=[1.0], w_hats=[0.0]
        )
    )
    fp = _table(
        [
            dict(
                rule=r,
                tau={"bptt": np.inf, "tbptt": 1.0, "rflo": np.nan}[r],
                a_hat=1.0 if r == "rflo" else np.nan,
                w_hat=0.0 if r == "rflo" else np.nan,
                a_star=1.0,
                b_star=1.0,
                w_star=0.5,
                n_optimal_pos=2,
                n_optimal_neg=2,
                n_nonoptimal=0 if r == "rflo" else 5,
                n_other=0,
                max_residual=1e-15,
            )
            for r in RULES
        ]
    )
    conv = _table(
        [
            dict(
                case="detour",
                rule=r,
                a_star=1.0,
                b_star=1.0,
                w_star=0.8,
                a0=1.0,
                b0=1.0,
                w0=0.6,
                a_hat=-0.1,
                w_hat=0.5,
                t_conv=30.0 if r == "rflo" else 2.0,
                end_a=float(detour_branch) if r == "rflo" else 1.0,
                end_b=end_ab * (float(detour_branch) if r == "rflo" else 1.0),
                end_w=0.8,
                branch=detour_branch if r == "rflo" else 1,
                final_loss=0.0,
            )
            for r in RULES
        ]
    )
    return {"rates": rates, "fixed_points": fp, "convergence": conv}


FIGURES = {
    "validation": dict(experiment="val", seed=0, rules=list(RULES), dominant_modes=2, ode_tolerance=0.1),
    "low_rank": dict(
        experiment="r1",
        seed=0,
        estimator="expected",
        rules=["bptt", "eprop", "tbptt", "rflo"],
        rank_experiments=["r1", "r2"],
        rank_rule="rflo",
    ),
    "reliability": dict(
        experiment="r1",
        estimator="expected",
        rules=["bptt", "tbptt", "rflo", "eprop"],
        paper_converged={"bptt": 20, "tbptt": 20, "rflo": 13, "eprop": 12},
        paper_runs=20,
    ),
    "sequence_loss": dict(
        experiment="seq",
        reference="val",
        seed=0,
        rules=list(RULES),
        dominant_modes=2,
        ode_tolerance=0.1,
        rank_experiments=["sr1"],
        rank_rule="rflo",
    ),
}


def _inputs(rflo_rank_o1=1, perturb_ab=0.0, seq_rflo_rank=1):
    good = {
        "bptt": ["converged"] * 4,
        "tbptt": ["converged"] * 4,
        "rflo": ["converged", "converged", "diverged", "not_converged"],
        "eprop": ["converged", "diverged", "converged", "diverged"],
    }
    val, seq = _simulation(perturb_ab), _simulation()
    return {
        "val": val,
        "seq": seq,
        "r1": {
            "runs": _runs(
                1,
                {"bptt": 6, "eprop": 3, "tbptt": 2, "rflo": rflo_rank_o1},
                good,
                eff={"bptt": 5.0, "eprop": 2.5, "tbptt": 1.5, "rflo": 1.0},
            )
        },
        "r2": {"runs": _runs(2, {"rflo": 2})},
        "sr1": {"runs": _runs(1, {"rflo": seq_rflo_rank, "bptt": 5})},
    }


def _by_id(rows):
    out = {}
    for r in rows:
        out.setdefault(r["id"], []).append(r)
    return out


@pytest.fixture
def good_rows():
    return checklist.all_claims(_inputs(), FIGURES, _theory())


def test_decoupling_rows_at_float_precision():
    off = decoupling.decoupling_check("rflo", A_STAR, B_STAR, W_STAR, steps=5)
    assert off < 1e-10
    measured = _table(decoupling.decoupling_rows(RULES, A_STAR, B_STAR, W_STAR))
    rows = simulation_checks.decoupling_claims({"decoupling": measured}, FIGURES["validation"])
    assert [r["id"] for r in rows] == ["C1"] * 3 and all(r["passed"] for r in rows)
    bad = simulation_checks.decoupling_claims({"decoupling": _decoupling(1e-3)}, FIGURES["validation"])
    assert not any(r["passed"] for r in bad)
    assert not simulation_checks.decoupling_claims({}, FIGURES["validation"])[0]["passed"]


def test_every_checklist_item_has_a_row(good_rows):
    ids = {r["id"].rstrip("abcdefgh") for r in good_rows}
    assert ids == {f"C{k}" for k in range(1, 15)}
    assert set(good_rows[0]) == set(catalogue.COLUMNS)
    assert all(r["measured"] != "" and r["expected"] != "" for r in good_rows)


def test_consistent_inputs_pass(good_rows):
    failed = [(r["id"], r["subject"], r["measured"]) for r in good_rows if not r["passed"]]
    assert not failed


def test_missing_theory_tables_fail_not_dropped():
    rows = checklist.all_claims(_inputs(), FIGURES, {})
    by = _by_id(rows)
    for cid in ("C3", "C4", "C5", "C6", "C7", "C8", "C9"):
        assert cid in by and not any(r["passed"] for r in by[cid])


def test_rflo_rank_above_o_fails():
    by = _by_id(checklist.all_claims(_inputs(rflo_rank_o1=2), FIGURES, _theory()))
    rflo_r1 = [r for r in by["C11"] if "r1" in r["subject"]]
    assert rflo_r1 and not rflo_r1[0]["passed"]
    assert all(r["passed"] for r in by["C11"] if "r2" in r["subject"])


def test_sequence_loss_rank_above_o_fails():
    by = _by_id(checklist.all_claims(_inputs(seq_rflo_rank=3), FIGURES, _theory()))
    assert not by["C14b"][0]["passed"]


def test_ode_missing_optimum_fails():
    """ODE end points off ab = a* b* turn C3b to fail; a full RNN off the ODE turns C2a."""
    by = _by_id(checklist.all_claims(_inputs(), FIGURES, _theory(end_ab=0.7)))
    assert not all(r["passed"] for r in by["C3b"])
    by = _by_id(checklist.all_claims(_inputs(perturb_ab=0.5), FIGURES, _theory()))
    assert not any(r["passed"] for r in by["C2a"])
    assert all(r["passed"] for r in by["C2b"])


def test_detour_to_nearest_branch_fails():
    by = _by_id(checklist.all_claims(_inputs(), FIGURES, _theory(detour_branch=1)))
    assert not by["C9"][0]["passed"]


def test_reliability_criterion():
    runs = _runs(1, {"bptt": 1, "rflo": 1}, {"bptt": ["converged"] * 3 + ["diverged"], "rflo": ["converged"] * 4})
    rows = simulation_checks.reliability_claims(runs, FIGURES["reliability"] | {"rules": ["bptt", "rflo"]})
    assert [r["passed"] for r in rows] == [False, False]


def test_markdown_table_from_rows_and_csv_columns(good_rows, tmp_path):
    from linrnn.pipeline import io

    md = markdown.markdown_table(good_rows)
    lines = [ln for ln in md.splitlines() if ln.startswith("| C")]
    assert len(lines) == len(good_rows)
    assert all(ln.endswith("pass |") for ln in lines)
    path = tmp_path / "claims.csv"
    io.write_table(path, good_rows, catalogue.COLUMNS, {"test": True})
    assert markdown.markdown_table(io.read_table(path)) == md
    bad = [dict(r, passed=False) if r["id"] == "C11" else r for r in good_rows]
    assert "| C11 |" in markdown.markdown_table(bad) and "FAIL" in markdown.markdown_table(bad)


def test_rank_bound_on_runs_that_never_trained_is_not_applicable_and_fails():
    """Rank 0 <= o of an unchanged network (every run diverged at step 1) never passes C11."""
    runs = _runs(2, {"rflo": 0}, outcomes={"rflo": ["diverged"] * 3})
    runs["last_step"] = np.zeros(len(runs["seed"]), dtype=int)
    rows = simulation_checks._rank_rows("C11", {"r": runs}, ["r"], "rflo", "expected", "src", "low_rank")
    assert len(rows) == 1 and not rows[0]["passed"] and rows[0]["measured"].startswith("not applicable")
    runs["last_step"][0] = 10
    (trained,) = simulation_checks._rank_rows("C11", {"r": runs}, ["r"], "rflo", "expected", "src", "low_rank")
    assert trained["passed"]
