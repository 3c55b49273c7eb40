"""Analysis of the locality map (docs/locality.md): per-cell summaries of trained runs, the
generalised rank theorem on their spectra, and the stability condition of every ODE cell.

The cells and their two pieces are `linrnn.rules.credit.CELLS`; nothing here is rule-specific
beyond what a cell's pieces say (`credit.rank_bounded`, `credit.has_nonoptimal_manifold`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from linrnn.analysis.diagnostics import CONVERGED
from linrnn.core.rules import RuleOptions
from linrnn.core.rules import credit as cr
from linrnn.core.theory import asymptotic_rate, classify, transverse_eigenvalues

RULE_COLUMN = "rule"
RANK_FLOOR = 1e-300


def cell_runs(runs: Mapping, name: str) -> dict[str, np.ndarray]:
    """The rows of a runs table that belong to one cell."""
    mask = np.asarray(runs[RULE_COLUMN]) == name
    return {k: np.asarray(v)[mask] for k, v in runs.items()}


def spectrum_gaps(spectra: Mapping, name: str, o: int) -> dict[str, np.ndarray]:
    """Per seed and matrix (W, B): σ_{o+1}/σ_o and σ_{o+1}/σ_1 of the learned change (0 when the
    change has at most o singular values)."""
    rule = np.asarray(spectra[RULE_COLUMN])
    out = {}
    for matrix in ("W", "B"):
        mask = (rule == name) & (np.asarray(spectra["matrix"]) == matrix)
        seeds = np.asarray(spectra["seed"])[mask]
        index = np.asarray(spectra["index"])[mask]
        sv = np.asarray(spectra["singular_value"], dtype=float)[mask]
        gaps, rel = [], []
        for seed in np.unique(seeds):
            s = np.sort(sv[seeds == seed])[::-1]
            if index[seeds == seed].size == 0 or s[0] <= 0:
                continue
            nxt = s[o] if s.size > o else 0.0
            gaps.append(nxt / max(s[o - 1], RANK_FLOOR))
            rel.append(nxt / s[0])
        out[matrix] = np.array(gaps)
        out[f"{matrix}_rel"] = np.array(rel)
    return out


def map_summary(runs: Mapping, spectra: Mapping, names) -> list[dict]:
    """One row per cell: runs, converged fraction, median effective rank of W_K − W_0, median
    relative final loss, and the largest σ_{o+1}/σ_o of W and B over seeds."""
    rows = []
    for name in names:
        r = cell_runs(runs, name)
        n = len(r.get("seed", []))
        o = int(r["o"][0]) if n else 1
        gaps = spectrum_gaps(spectra, name, o)
        cell = cr.CELLS_BY_NAME[name]
        rows.append(
            dict(
                rule=name,
                spatial=cell.spatial.name,
                temporal=cell.temporal.name,
                runs=n,
                converged=int(np.sum(r["outcome"] == CONVERGED)) if n else 0,
                fraction_converged=float(np.mean(r["outcome"] == CONVERGED)) if n else np.nan,
                effective_rank_W=float(np.nanmedian(r["effective_rank_W"])) if n else np.nan,
                relative_loss=float(np.nanmedian(r["relative_loss"])) if n else np.nan,
                max_gap_W=float(np.max(gaps["W"])) if gaps["W"].size else np.nan,
                max_gap_B=float(np.max(gaps["B"])) if gaps["B"].size else np.nan,
                min_rel_W=float(np.min(gaps["W_rel"])) if gaps["W_rel"].size else np.nan,
                min_rel_B=float(np.min(gaps["B_rel"])) if gaps["B_rel"].size else np.nan,
            )
        )
    return rows


# ---------------------------------------------------------------- stability of M* (docs/locality.md §5.3)


def fd_jacobian(cell: cr.Cell, a, b, w, teacher, opts: RuleOptions, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of the ODE field −Δ of eq. (4.1), shape (..., 3, 3): an
    independent path to the analytic Jacobian and to the closed forms (5.1)."""
    theta = np.stack(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, w))))
    J = np.empty(theta.shape[1:] + (3, 3))
    for j in range(3):
        step = np.zeros_like(theta)
        step[j] = h
        fp = np.stack(cr.mode_update(cell.spatial, cell.temporal, *(theta + step), *teacher, opts))
        fm = np.stack(cr.mode_update(cell.spatial, cell.temporal, *(theta - step), *teacher, opts))
        J[..., :, j] = -np.moveaxis((fp - fm) / (2.0 * h), 0, -1)
    return J


def optimal_spectrum(cell: cr.Cell, s, c, w_star, opts: RuleOptions) -> dict:
    """Transverse ODE eigenvalues, class and rate at (s, c/s, w*) from the finite-difference
    Jacobian (teacher a* = c, b* = 1: the field depends on the teacher only through c, w*)."""
    s = np.asarray(s, dtype=float)
    J = fd_jacobian(cell, s, c / s, np.full_like(s, w_star), (c, 1.0, w_star), opts)
    e1, e2 = transverse_eigenvalues(J)
    return dict(eig_1=e1, eig_2=e2, classification=classify(e1, e2, rtol=1e-6), rate=asymptotic_rate(e1, e2))


STABLE = ("stable node", "stable spiral")


def stability_rows(names, s, w_stars, cs, a_hats, w_hats, taus) -> list[dict]:
    """The sign condition checked on a grid, one row per cell × setting × s (docs/locality.md §5.3).

    predicted: "stable" for F = A (whole M*) and for F = R with â s > 0; "unstable" for F = R
    at the grid's smallest and largest |s| with â s < 0 (saddle as s → 0, unstable as |s| → ∞);
    "open" elsewhere (pockets allowed). observed: the class from the finite-difference Jacobian.
    """
    s = np.asarray(s, dtype=float)
    ends = np.isin(np.abs(s), [np.min(np.abs(s)), np.max(np.abs(s))])
    rows = []
    for name in names:
        cell = cr.CELLS_BY_NAME[name]
        kernel_taus = taus if cell.temporal.name == "truncated" else (1,)
        kernel_w_hats = w_hats if cell.temporal.name == "scalar" else (0.0,)
        spatial_a_hats = a_hats if not cell.spatial.varies else (1.0,)
        for tau in kernel_taus:
            for wh in kernel_w_hats:
                for ah in spatial_a_hats:
                    opts = RuleOptions(tau=int(tau), w_hat=float(wh), a_hat=float(ah))
                    for ws in w_stars:
                        for c in cs:
                            spec = optimal_spectrum(cell, s, c, ws, opts)
                            f = s if cell.spatial.varies else ah
                            sign = np.sign(f * s)
                            for i in range(s.size):
                                if sign[i] > 0:
                                    predicted = "stable"
                                elif ends[i]:
                                    predicted = "unstable"
                                else:
                                    predicted = "open"
                                cls = str(spec["classification"][i])
                                rows.append(
                                    dict(
                                        rule=name,
                                        tau=float(tau) if cell.temporal.name == "truncated" else np.nan,
                                        w_hat=float(wh) if cell.temporal.name == "scalar" else np.nan,
                                        a_hat=float(ah) if not cell.spatial.varies else np.nan,
                                        w_star=float(ws),
                                        c=float(c),
                                        s=float(s[i]),
                                        sign=int(sign[i]),
                                        predicted=predicted,
                                        classification=cls,
                                        rate=float(spec["rate"][i]),
                                        agrees=predicted == "open" or (predicted == "stable") == (cls in STABLE),
                                    )
                                )
    return rows


def rate_curves(names, s, c, w_star, opts: RuleOptions) -> dict[str, np.ndarray]:
    """Asymptotic rate min Re μ along M* from the closed forms (5.1) (NaN where unstable)."""
    s = np.asarray(s, dtype=float)
    out = {}
    for name in names:
        cell = cr.CELLS_BY_NAME[name]
        tr, m2 = cr.optimal_trace_m2(cell.spatial, cell.temporal, s, c, w_star, opts)
        root = np.sqrt((tr**2 - 4.0 * m2).astype(complex))
        rate = np.minimum(((tr + root) / 2).real, ((tr - root) / 2).real)
        out[name] = np.where(rate > 0, rate, np.nan)
    return out
