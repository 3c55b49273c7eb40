"""Claims of the locality map (docs/locality.md §5–6), checked on the pipeline's outputs.

- L1, the generalised rank theorem (§6): rank(W_K − W_0) ≤ o and rank(B_K − B_0) ≤ o exactly
  (σ_{o+1}/σ_o < 1e-8 in every run) for the cells with a fixed back-projection space, and a
  counterexample (some run with σ_{o+1} > rank_rtol·σ_1 in W_K − W_0 and in B_K − B_0) for every
  other cell; from the rank experiment's spectra table.
- L2, the ordering of the effective rank (§6): in each row of the map (each spatial credit) the
  median effective rank of W_K − W_0 is ordered full > diagonal > truncated and scalar, and the
  rank-bounded cells have effective rank 1.
- L3, the sign condition (§5.3), per ODE cell on a grid of teachers and settings: F = A stable on
  all of M*, F = R stable wherever â s > 0, and unstable at both ends of the â s < 0 branch, from
  finite-difference Jacobians (independent of the closed forms).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from linrnn.analysis import locality as lc
from linrnn.core.rules import RuleOptions
from linrnn.core.rules import credit as cr
from linrnn.pipeline.io import select

STATEMENTS = {
    "L1": "Generalised rank theorem: rank(ΔW), rank(ΔB) <= o exactly iff F = R is fixed and K_m^T R^T in col(R^T).",
    "L2": "Effective rank of W_K - W_0 across the map: full > diagonal > truncated, scalar; bounded cells exactly 1.",
    "L3": "Sign condition: F = A stable on all of M*; F = R stable where a_hat s > 0, unstable at both ends otherwise.",
}
GAP = 1e-8
SOURCE = "docs/locality.md"


def _row(cid, claim, subject, quantity, expected, measured, passed, section) -> dict:
    return {
        "id": cid,
        "claim": claim,
        "statement": STATEMENTS[cid],
        "source": f"{SOURCE} {section}",
        "figure": "locality_map",
        "subject": subject,
        "quantity": quantity,
        "expected": expected,
        "measured": measured,
        "passed": bool(passed),
    }


def rank_theorem_claims(runs: Mapping, spectra: Mapping, names, opts: RuleOptions, rank_rtol: float) -> list[dict]:
    rows = []
    for name in names:
        cell = cr.CELLS_BY_NAME[name]
        r = lc.cell_runs(runs, name)
        if not len(r.get("seed", [])):
            rows.append(_row("L1", "rank_theorem", name, "runs", "runs present", "missing: no runs", False, "§6"))
            continue
        o = int(r["o"][0])
        gaps = lc.spectrum_gaps(spectra, name, o)
        n = min(gaps["W"].size, gaps["B"].size)
        if cr.rank_bounded(cell.spatial, cell.temporal, opts):
            worst = float(np.max(np.concatenate([gaps["W"], gaps["B"]]))) if n else np.nan
            rows.append(
                _row(
                    "L1",
                    "rank_bounded",
                    name,
                    "max over seeds of σ_{o+1}/σ_o of W_K-W_0 and B_K-B_0",
                    f"< {GAP:g} in every run (rank <= o = {o} exactly)",
                    f"{worst:.1e} over {n} seeds",
                    n > 0 and worst < GAP,
                    "§6",
                )
            )
        else:
            over_w = int(np.sum(gaps["W_rel"] > rank_rtol))
            over_b = int(np.sum(gaps["B_rel"] > rank_rtol))
            rows.append(
                _row(
                    "L1",
                    "rank_unbounded",
                    name,
                    f"seeds with σ_{{o+1}} > {rank_rtol:g} σ_1 (rank > o = {o})",
                    "at least one run in W_K-W_0 and in B_K-B_0 (a counterexample)",
                    f"W {over_w}/{n}, B {over_b}/{n} seeds",
                    over_w > 0 and over_b > 0,
                    "§6",
                )
            )
    return rows


def ordering_claims(runs: Mapping, spectra: Mapping, names, opts: RuleOptions) -> list[dict]:
    summary = {row["rule"]: row for row in lc.map_summary(runs, spectra, names)}
    rows = []
    for sp in cr.SPATIAL:
        cells = {cr.CELLS_BY_NAME[n].temporal.name: n for n in names if cr.CELLS_BY_NAME[n].spatial is sp}
        if set(cells) != {t.name for t in cr.TEMPORAL}:
            rows.append(
                _row(
                    "L2",
                    "rank_ordering",
                    sp.name,
                    "cells",
                    "all four kernels",
                    f"missing: {sorted(cells)}",
                    False,
                    "§6",
                )
            )
            continue
        eff = {k: summary[v]["effective_rank_W"] for k, v in cells.items()}
        low = max(eff["truncated"], eff["scalar"])
        ok = eff["full"] > eff["diagonal"] > low
        bounded = [v for k, v in cells.items() if cr.rank_bounded(sp, cr.CELLS_BY_NAME[v].temporal, opts)]
        ok_bounded = all(abs(summary[v]["effective_rank_W"] - 1.0) < 1e-6 for v in bounded)
        measured = ", ".join(f"{cells[k]} {eff[k]:.2f}" for k in ("full", "diagonal", "truncated", "scalar"))
        rows.append(
            _row(
                "L2",
                "rank_ordering",
                f"F = {'A' if sp.varies else 'R'} row",
                "median effective rank of W_K-W_0 over seeds",
                "full > diagonal > max(truncated, scalar)" + (f"; {', '.join(bounded)} = 1 (±1e-6)" if bounded else ""),
                measured,
                bool(ok and ok_bounded and np.all(np.isfinite(list(eff.values())))),
                "§6",
            )
        )
    return rows


def stability_claims(grid: Mapping, names) -> list[dict]:
    """L3 from `locality.stability_rows` on the config grid (s, w_stars, cs, a_hats, w_hats, taus)."""
    s = np.concatenate(
        [
            -np.geomspace(grid["s_max"], grid["s_min"], grid["n_s"]),
            np.geomspace(grid["s_min"], grid["s_max"], grid["n_s"]),
        ]
    )
    rows = []
    for name in names:
        if not cr.CELLS_BY_NAME[name].temporal.reducible:
            continue
        pts = lc.stability_rows([name], s, grid["w_stars"], grid["cs"], grid["a_hats"], grid["w_hats"], grid["taus"])
        checked = [p for p in pts if p["predicted"] != "open"]
        bad = [p for p in checked if not p["agrees"]]
        n_unstable = sum(p["predicted"] == "unstable" for p in checked)
        cell = cr.CELLS_BY_NAME[name]
        expected = (
            "every point of M* stable (both branches)"
            if cell.spatial.varies
            else "stable at every a_hat s > 0 point; unstable at the smallest and largest |s| with a_hat s < 0"
        )
        rows.append(
            _row(
                "L3",
                "sign_condition",
                name,
                "class of the finite-difference Jacobian on M* over the grid",
                expected,
                f"{len(checked) - len(bad)}/{len(checked)} points agree ({n_unstable} predicted unstable)",
                len(checked) > 0 and not bad,
                "§5.3",
            )
        )
    return rows


def locality_claims(tables_by_exp: Mapping, cfg: Mapping) -> list[dict]:
    """All L rows; cfg is the config ``figures.locality_map`` block (experiment, estimator, rules,
    stability grid) plus the experiment's ``options`` (tau, w_hat) and ``rank_rtol``."""
    exp = tables_by_exp.get(cfg["experiment"], {})
    if "runs" not in exp or "spectra" not in exp:
        return [
            _row(cid, "missing", cfg["experiment"], "tables", "runs and spectra", "missing", False, "")
            for cid in ("L1", "L2")
        ] + stability_claims(cfg["stability"], cfg["rules"])
    runs = select(exp["runs"], estimator=cfg["estimator"])
    spectra = select(exp["spectra"], estimator=cfg["estimator"])
    opts = RuleOptions(tau=int(cfg["options"]["tau"]), w_hat=float(cfg["options"]["w_hat"]))
    return (
        rank_theorem_claims(runs, spectra, cfg["rules"], opts, float(cfg["rank_rtol"]))
        + ordering_claims(runs, spectra, cfg["rules"], opts)
        + stability_claims(cfg["stability"], cfg["rules"])
    )
