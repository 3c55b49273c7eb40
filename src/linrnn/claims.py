"""The paper's claims that the simulation figures test, checked on the diagnostics tables.

One row per check: what the paper says (with its SPEC source), what this run measured, and
whether it passed. The thresholds come from the config ``figures`` block.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from linrnn.diagnostics import CONVERGED
from linrnn.io import select

COLUMNS = {
    "claim": "short identifier of the claim",
    "figure": "figure that shows it",
    "source": "where the paper states it (SPEC section / checklist item)",
    "subject": "rule, experiment or mode the row is about",
    "expected": "what the paper predicts",
    "measured": "what this run measured",
    "passed": "true if measured agrees with expected",
}


def _row(claim, figure, source, subject, expected, measured, passed) -> dict:
    return {
        "claim": claim,
        "figure": figure,
        "source": source,
        "subject": subject,
        "expected": expected,
        "measured": measured,
        "passed": bool(passed),
    }


def _interp_nan(t_from, v_from, t_to):
    """Linear interpolation; NaN outside the range covered by t_from."""
    out = np.interp(t_to, t_from, v_from)
    out[(t_to < t_from[0] - 1e-12) | (t_to > t_from[-1] + 1e-12)] = np.nan
    return out


def ode_deviation(modes: Mapping, rule: str, seed: int, mode: str, dominant: int) -> dict:
    """Max over time of |ab − (ab)_ODE|/|a*b*| and |w − w_ODE| for the ``dominant`` modes.

    Dominant modes: the largest |a* b*|. Returns {"ab": float, "w": float, "covered": fraction
    of the run's times the ODE reached}.
    """
    run = select(modes, rule=rule, seed=seed, mode=mode)
    ode = select(modes, rule=rule, seed=seed, mode="ode")
    if not len(run["time"]) or not len(ode["time"]):
        return {"ab": float("nan"), "w": float("nan"), "covered": 0.0}
    strength = {}
    for i, a_s, b_s in zip(run["mode_index"], run["a_star"], run["b_star"], strict=True):
        strength[int(i)] = abs(a_s * b_s)
    top = sorted(strength, key=lambda i: -strength[i])[:dominant]
    dev_ab, dev_w, covered = 0.0, 0.0, 1.0
    for i in top:
        r = select(run, mode_index=i)
        o = select(ode, mode_index=i)
        ab_ode = _interp_nan(o["time"], o["a"] * o["b"], r["time"])
        w_ode = _interp_nan(o["time"], o["w"], r["time"])
        ok = np.isfinite(ab_ode)
        covered = min(covered, float(ok.mean()))
        scale = strength[i]
        dev_ab = max(dev_ab, float(np.max(np.abs(r["a"] * r["b"] - ab_ode)[ok]) / scale))
        dev_w = max(dev_w, float(np.max(np.abs(r["w"] - w_ode)[ok])))
    return {"ab": dev_ab, "w": dev_w, "covered": covered}


def validation_claims(tables: Mapping[str, Mapping], fig: Mapping) -> list[dict]:
    rows = []
    modes, align = tables["modes"], tables["alignment"]
    for rule in fig["rules"]:
        dev = ode_deviation(modes, rule, fig["seed"], "expected", fig["dominant_modes"])
        tol = fig["ode_tolerance"]
        ok = dev["ab"] < tol and dev["w"] < tol and dev["covered"] == 1.0
        rows.append(
            _row(
                "ode_matches_full_rnn",
                "validation",
                "SPEC §4 validation figure; checklist 10",
                rule,
                f"dominant {fig['dominant_modes']} modes: "
                f"max |ab-ab_ode|/|a*b*| and max |w-w_ode| < {tol}",
                f"ab {dev['ab']:.3g}, w {dev['w']:.3g}, ODE covers {dev['covered']:.0%} of the run",
                ok,
            )
        )
    for rule in fig["rules"]:
        parts, ok = [], True
        for metric in ("recurrent", "input", "output"):
            a = select(align, rule=rule, seed=fig["seed"], mode="expected", metric=metric)
            if not len(a["value"]):
                parts.append(f"{metric} missing")
                ok = False
                continue
            first, last = float(a["value"][0]), float(a["value"][-1])
            parts.append(f"{metric} {first:.2f}->{last:.2f}")
            ok &= bool(last > first)
        rows.append(
            _row(
                "alignment_emerges",
                "validation",
                "SPEC §4 validation figure; checklist 10",
                rule,
                "recurrent, input and output alignment rise over training",
                "; ".join(parts),
                ok,
            )
        )
    return rows


def rank_claims(runs_by_exp: Mapping[str, Mapping], fig: Mapping) -> list[dict]:
    rows = []
    rule = fig["rank_rule"]
    for name in fig["rank_experiments"]:
        r = select(runs_by_exp[name], rule=rule, mode=fig["mode"])
        if not len(r["seed"]):
            continue
        o = int(r["o"][0])
        worst_w, worst_b = int(r["rank_W"].max()), int(r["rank_B"].max())
        rows.append(
            _row(
                "rflo_rank_at_most_o",
                "low_rank",
                "Prop. 3.1; SPEC §3.4; checklist 11",
                f"{rule}, {name} (o={o})",
                f"rank(W_K-W_0) <= {o} and rank(B_K-B_0) <= {o}",
                f"max numerical rank over {len(r['seed'])} seeds: W {worst_w}, B {worst_b}",
                0 <= worst_w <= o and 0 <= worst_b <= o,
            )
        )
    runs = runs_by_exp[fig["experiment"]]
    eff = {}
    for rule in fig["rules"]:
        r = select(runs, rule=rule, mode=fig["mode"])
        eff[rule] = float(np.nanmedian(r["effective_rank_W"])) if len(r["seed"]) else np.nan
    measured = ", ".join(f"{k} {v:.2f}" for k, v in eff.items())
    for other in ("tbptt", "rflo"):
        if "bptt" in eff and other in eff:
            rows.append(
                _row(
                    "bptt_change_higher_rank",
                    "low_rank",
                    "Fig. 6; SPEC §4; checklist 12",
                    f"bptt vs {other}",
                    f"effective rank of W_K-W_0 (median over seeds): bptt > {other}",
                    measured,
                    eff["bptt"] > eff[other],
                )
            )
    if {"bptt", "eprop", "rflo"} <= set(eff):
        rows.append(
            _row(
                "eprop_intermediate_rank",
                "low_rank",
                "Fig. 6; SPEC §4; checklist 12",
                "eprop",
                "effective rank: bptt > eprop > rflo",
                measured,
                eff["bptt"] > eff["eprop"] > eff["rflo"],
            )
        )
    return rows


def reliability_claims(runs: Mapping, fig: Mapping) -> list[dict]:
    rows = []
    counts = {}
    for rule in fig["rules"]:
        r = select(runs, rule=rule, mode=fig["mode"])
        counts[rule] = (int(np.sum(r["outcome"] == CONVERGED)), len(r["seed"]))
    paper, n_paper = fig["paper_converged"], fig["paper_runs"]
    for rule, (k, n) in counts.items():
        if rule in ("bptt", "tbptt"):
            expected = f"all runs converge (paper {paper.get(rule, '?')}/{n_paper})"
            ok = k == n
        else:
            expected = (
                f"some runs fail (paper {paper.get(rule, '?')}/{n_paper}); "
                "not more often converged than bptt"
            )
            ok = k <= counts.get("bptt", (n, n))[0]
        rows.append(
            _row(
                "convergence_count",
                "reliability",
                "Supp. Fig. 10; SPEC §4; checklist 13",
                rule,
                expected,
                f"{k}/{n} converged",
                ok,
            )
        )
    return rows


def all_claims(tables_by_exp: Mapping[str, Mapping[str, Mapping]], figures: Mapping) -> list[dict]:
    """Every claim row; ``tables_by_exp[experiment][table]`` are tables read by linrnn.io."""
    runs_by_exp = {name: t["runs"] for name, t in tables_by_exp.items()}
    rows = validation_claims(
        tables_by_exp[figures["validation"]["experiment"]], figures["validation"]
    )
    rows += rank_claims(runs_by_exp, figures["low_rank"])
    rows += reliability_claims(
        runs_by_exp[figures["reliability"]["experiment"]], figures["reliability"]
    )
    return rows
