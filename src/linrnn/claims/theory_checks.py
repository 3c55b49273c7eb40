"""Claims C3–C9: comparisons on the theory tables (theory_fixed_points, theory_rates,
theory_convergence), with Jacobians and per-mode fields from linrnn.core at the points those tables
list. Each function returns claims rows (linrnn.claims.catalogue.row)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from linrnn.claims.catalogue import missing, row
from linrnn.core import modes, theory
from linrnn.core.rules.base import MODE_PARAMETERS
from linrnn.pipeline.io import select


def fixed_point_claims(fp: Mapping) -> list[dict]:
    """C3a: every zero found lies on a known manifold, both M* branches found; C4a: M0 found
    for bptt/tbptt and not for rflo (numerical search of theory_fixed_points)."""
    rows = []
    for rule in np.unique(fp["rule"]):
        r = select(fp, rule=rule)
        pos, neg = int(np.min(r["n_optimal_pos"])), int(np.min(r["n_optimal_neg"]))
        other = int(np.max(r["n_other"]))
        res = float(np.max(r["max_residual"]))
        rows.append(
            row(
                "C3a",
                "fixed_points_on_optimal_manifold",
                "docs/model.md §3.1; checklist 3",
                "theory_fixed_points",
                f"{rule} ({len(r['rule'])} teachers)",
                "zeros of the ODE field found from a grid of starts",
                "both branches of M* found for every teacher; 0 zeros off M* ∪ M0; residual < 1e-8",
                f"min zeros on M*+ {pos}, M*- {neg}; max other {other}; residual {res:.1e}",
                pos > 0 and neg > 0 and other == 0 and res < 1e-8,
            )
        )
    for rule in np.unique(fp["rule"]):
        r = select(fp, rule=rule)
        n0 = r["n_nonoptimal"]
        want = theory.has_nonoptimal_manifold(str(rule))
        rows.append(
            row(
                "C4a",
                "nonoptimal_line",
                "docs/model.md §3.1; checklist 4",
                "theory_fixed_points",
                str(rule),
                "zeros found on a = b = 0",
                "> 0 for every teacher" if want else "0 (RFLO has no such line)",
                f"{', '.join(str(int(x)) for x in n0)} per teacher",
                bool(np.all(n0 > 0)) if want else bool(np.all(n0 == 0)),
            )
        )
    return rows


def _table_settings(table: Mapping, i: int) -> dict:
    """The per-mode options of row i of a theory table (columns tau, a_hat, w_hat; NaN where a
    rule does not read them; tau as an int where finite)."""
    out = {}
    for p in MODE_PARAMETERS:
        v = float(table[p][i])
        if np.isfinite(v):
            out[p] = int(v) if p == "tau" else v
    return out


def nonoptimal_saddle_claims(fp: Mapping) -> list[dict]:
    """C4b: at (0, 0, w*) the BPTT/tBPTT transverse eigenvalues have opposite signs (saddle)
    and the loss equals c²/[2(1 − w*²)]; C4c: RFLO's Δb at a = b = 0 is −â c/(1 − ŵ w*) ≠ 0.
    Teachers (and â, ŵ) are those of theory_fixed_points; Jacobians from linrnn.core.theory."""
    rows = []
    for i in range(len(fp["rule"])):
        rule = str(fp["rule"][i])
        a_s, b_s, w_s = (float(fp[c][i]) for c in ("a_star", "b_star", "w_star"))
        c = a_s * b_s
        kw = _table_settings(fp, i)
        if theory.has_nonoptimal_manifold(rule):
            J = theory.jacobian(rule, 0.0, 0.0, w_s, a_s, b_s, w_s, **kw)
            cls = str(theory.classify(*theory.transverse_eigenvalues(J)))
            loss = float(modes.mode_loss(0.0, 0.0, w_s, a_s, b_s, w_s))
            want = c**2 / (2 * (1 - w_s**2))
            rows.append(
                row(
                    "C4b",
                    "nonoptimal_saddle",
                    "docs/model.md §3.1; checklist 4",
                    "theory_fixed_points (+ linrnn.core.theory.jacobian)",
                    f"{rule}, a*b* = {c:g}, w* = {w_s:g}",
                    "transverse eigenvalues at (0, 0, w*); loss there",
                    f"saddle; loss = c^2/[2(1-w*^2)] = {want:.4g}",
                    f"{cls}; loss {loss:.4g}",
                    cls == "saddle" and abs(loss - want) <= 1e-9 * max(1.0, want),
                )
            )
        else:
            a_hat = float(fp["a_hat"][i])
            db = float(modes.mode_update(rule, 0.0, 0.0, 0.0, a_s, b_s, w_s, **kw)[1])
            rows.append(
                row(
                    "C4c",
                    f"{rule}_no_nonoptimal_line",
                    "docs/model.md §2.2; checklist 4",
                    "theory_fixed_points (+ linrnn.core.modes)",
                    f"{rule}, a*b* = {c:g}, w* = {w_s:g}, â = {a_hat:g}",
                    "Δb at a = b = 0",
                    "|Δb| > 1e-6 (−â c/(1 − ŵ w*))",
                    f"Δb = {db:.4g}",
                    abs(db) > 1e-6,
                )
            )
    return rows


def convergence_end_claims(conv: Mapping, tol: float = 1e-3) -> list[dict]:
    """C3b: every single-mode ODE run of theory_convergence that converged ends on M*:
    |ab − a*b*| ≤ tol·max(1, |a*b*|), |w − w*| ≤ tol, final loss ≤ tol²."""
    rows = []
    for rule in np.unique(conv["rule"]):
        r = select(conv, rule=rule)
        done = np.isfinite(r["t_conv"])
        c = r["a_star"] * r["b_star"]
        e_ab = np.abs(r["end_a"] * r["end_b"] - c) / np.maximum(1.0, np.abs(c))
        e_w = np.abs(r["end_w"] - r["w_star"])
        ok = (e_ab <= tol) & (e_w <= tol) & (r["final_loss"] <= tol**2)
        n_ok, n_done = int(np.sum(ok & done)), int(np.sum(done))
        rows.append(
            row(
                "C3b",
                "ode_converges_to_optimum",
                "docs/model.md §3.1; checklist 3",
                "theory_convergence",
                f"{rule} ({len(r['rule'])} cases)",
                "end point of converged ODE runs: |ab-a*b*|, |w-w*|, loss",
                f"every converged run within {tol:g} of M*, loss <= {tol**2:g}; >= 1 converged",
                f"{n_ok}/{n_done} converged runs on M*; max |ab-a*b*| "
                f"{np.max(e_ab[done], initial=0):.1e}, "
                f"max |w-w*| {np.max(e_w[done], initial=0):.1e}",
                n_done > 0 and n_ok == n_done,
            )
        )
    return rows


def _rates_by(rates: Mapping, rule: str, **where) -> dict:
    """{(c, w*, s): rate} of one rule's rows (plus extra column filters)."""
    r = select(rates, rule=rule, **where)
    return {
        (float(c), float(w), float(s)): float(v)
        for c, w, s, v in zip(r["a_star_b_star"], r["w_star"], r["s"], r["rate"], strict=True)
    }


def bptt_rate_claims(rates: Mapping) -> list[dict]:
    """C5: BPTT eigenvalues on M* are real and ≤ 0, and over the tabulated s of each (c, w*)
    the smallest rate is at the s closest to ±√|c| (ties allowed, relative 1e-9)."""
    r = select(rates, rule="bptt")
    if not len(r["rule"]):
        return [missing("C5", "bptt_rate", "checklist 5", "bptt rows of theory_rates")]
    im = np.maximum(np.abs(r["eig_1_im"]), np.abs(r["eig_2_im"]))
    re = np.maximum(r["eig_1_re"], r["eig_2_re"])
    rows = [
        row(
            "C5a",
            "bptt_real_nonpositive",
            "docs/model.md §3.2; checklist 5",
            "theory_rates",
            f"bptt ({len(r['rule'])} points of M*)",
            "max |Im λ|, max Re λ of the transverse eigenvalues",
            "max |Im λ| = 0 and max Re λ <= 0",
            f"max |Im| {np.max(im):.1e}, max Re {np.max(re):.3g}",
            np.max(im) <= 1e-12 and np.max(re) <= 1e-12,
        )
    ]
    table = _rates_by(rates, "bptt")
    bad, groups = [], sorted({(c, w) for c, w, _ in table})
    for c, w in groups:
        pts = {s: v for (cc, ww, s), v in table.items() if cc == c and ww == w}
        s_near = min(pts, key=lambda s: (abs(abs(s) - np.sqrt(abs(c))), s))
        if pts[s_near] > min(pts.values()) * (1 + 1e-9):
            bad.append(f"c={c:g}, w*={w:g}")
    rows.append(
        row(
            "C5b",
            "bptt_slowest_at_sqrt_c",
            "docs/model.md §3.2; checklist 5",
            "theory_rates",
            f"bptt ({len(groups)} (c, w*) groups)",
            "tabulated s with the smallest rate",
            "the s nearest ±sqrt|c| has the smallest rate in every group",
            "all groups" if not bad else "fails for " + "; ".join(bad),
            not bad,
        )
    )
    return rows


def tbptt_rate_claims(rates: Mapping) -> list[dict]:
    """C6: tBPTT (τ = 1) vs BPTT rates at the same (c, w*, s): equal at w* = 0 (relative
    difference < 1e-9); the median relative difference grows strictly with |w*|."""
    b = _rates_by(rates, "bptt")
    t = _rates_by(rates, "tbptt", tau=1.0)
    common = sorted(set(b) & set(t))
    if not common:
        return [missing("C6", "tbptt_vs_bptt", "checklist 6", "bptt and tbptt(τ=1) rates")]
    rel = {}
    for key in common:
        rel.setdefault(abs(key[1]), []).append(abs(t[key] - b[key]) / max(abs(b[key]), 1e-300))
    ws = sorted(rel)
    med = [float(np.median(rel[w])) for w in ws]
    shown = ", ".join(f"|w*|={w:g}: {m:.3g}" for w, m in zip(ws, med, strict=True))
    rows = []
    if 0.0 in rel:
        worst0 = float(np.max(rel[0.0]))
        rows.append(
            row(
                "C6a",
                "tbptt_equals_bptt_at_w0",
                "docs/model.md §2.2 [D]; checklist 6",
                "theory_rates",
                "tbptt (τ=1) vs bptt, w* = 0",
                "max relative rate difference at w* = 0",
                "< 1e-9",
                f"max rel. difference {worst0:.1e}",
                worst0 < 1e-9,
            )
        )
    else:
        rows.append(missing("C6a", "tbptt_equals_bptt_at_w0", "checklist 6", "w* = 0 in rates"))
    rows.append(
        row(
            "C6b",
            "tbptt_deviates_with_w",
            "docs/model.md §3.2; checklist 6",
            "theory_rates",
            "tbptt (τ=1) vs bptt",
            "median over s, c of |rate_tbptt - rate_bptt| / rate_bptt, per |w*|",
            "strictly increasing in |w*| (>= 2 values of |w*|)",
            shown,
            len(med) >= 2 and all(x < y for x, y in zip(med, med[1:], strict=False)),
        )
    )
    return rows


def rflo_rate_claims(rates: Mapping) -> list[dict]:
    """C7: RFLO on M*: every point with â s > 0 stable (node or spiral); at most half of the
    points with â s < 0 stable nodes (the rest unstable, saddle, marginal or spiral).
    C8: on the stable branch (â s > 0), RFLO is slower than BPTT at the majority of points,
    faster only at |s| ≤ √|c|, and faster at the smallest tabulated |s| for some (c, w*)."""
    r = select(rates, rule="rflo")
    if not len(r["rule"]):
        return [missing("C7", "rflo_sign", "checklist 7", "rflo rows of theory_rates")]
    sign = np.sign(r["a_hat"] * r["s"])
    cls = r["classification"].astype(str)
    stable = np.char.startswith(cls, "stable")
    pos, neg = sign > 0, sign < 0
    n_neg_node = int(np.sum(cls[neg] == "stable node"))
    rows = [
        row(
            "C7",
            "rflo_sign_stability",
            "docs/model.md §3.2 Eqs. 28-29; checklist 7",
            "theory_rates",
            f"rflo ({int(pos.sum())} points â s>0, {int(neg.sum())} â s<0)",
            "classification of the transverse eigenvalues on M*",
            "all â s>0 points stable; <= half of â s<0 points stable nodes",
            f"â s>0: {int(np.sum(stable & pos))}/{int(pos.sum())} stable; "
            f"â s<0: {n_neg_node}/{int(neg.sum())} stable nodes "
            f"({', '.join(f'{k} {int(np.sum(cls[neg] == k))}' for k in np.unique(cls[neg]))})",
            bool(pos.any()) and bool(np.all(stable[pos])) and n_neg_node <= 0.5 * neg.sum(),
        )
    ]
    b = _rates_by(rates, "bptt")
    slower, faster_s, smallest_faster, n = 0, [], False, 0
    for i in np.flatnonzero(pos):
        key = (float(r["a_star_b_star"][i]), float(r["w_star"][i]), float(r["s"][i]))
        if key not in b:
            continue
        n += 1
        rf = float(r["rate"][i])
        if rf < b[key]:
            slower += 1
        elif rf > b[key]:
            faster_s.append(abs(key[2]) / np.sqrt(abs(key[0])))
            same = select(rates, rule="rflo", a_star_b_star=key[0], w_star=key[1])
            if abs(key[2]) == np.min(np.abs(same["s"])):
                smallest_faster = True
    max_fast = max(faster_s, default=0.0)
    rows.append(
        row(
            "C8",
            "rflo_slower_than_bptt",
            "docs/model.md §3.2; checklist 8",
            "theory_rates",
            f"rflo vs bptt, stable branch ({n} points)",
            "rate_rflo vs rate_bptt at the same (c, w*, s)",
            "slower at > 50% of points; faster only where |s| <= sqrt|c|; faster at the smallest |s| for some (c, w*)",
            f"slower at {slower}/{n}; faster at {len(faster_s)} points, max |s|/sqrt|c| "
            f"{max_fast:.2g}; faster at smallest |s|: {smallest_faster}",
            n > 0 and slower > n / 2 and max_fast <= 1 + 1e-12 and smallest_faster,
        )
    )
    return rows


def detour_claims(conv: Mapping, case: str = "detour", ratio: float = 2.0) -> list[dict]:
    """C9: in the detour case of theory_convergence, RFLO converges to the branch opposite to
    sign(a0) while BPTT takes the nearest one, and RFLO's convergence time is ≥ ``ratio``
    times BPTT's."""
    c = select(conv, case=case)
    if not len(c["rule"]):
        return [missing("C9", "rflo_detour", "checklist 9", f"case {case!r} in convergence")]
    rf, bp = select(c, rule="rflo"), select(c, rule="bptt")
    if not len(rf["rule"]) or not len(bp["rule"]):
        return [missing("C9", "rflo_detour", "checklist 9", "rflo and bptt rows of the case")]
    a0 = float(rf["a0"][0])
    t_r, t_b = float(rf["t_conv"][0]), float(bp["t_conv"][0])
    opposite = int(rf["branch"][0]) == -int(np.sign(a0))
    nearest = int(bp["branch"][0]) == int(np.sign(a0))
    slow = np.isfinite(t_r) and np.isfinite(t_b) and t_r >= ratio * t_b
    return [
        row(
            "C9",
            "rflo_detour",
            "paper Fig. 4; checklist 9",
            "theory_convergence, theory_detour",
            f"case {case}: init ({a0:g}, {float(rf['b0'][0]):g}, {float(rf['w0'][0]):g}), "
            f"â = {float(rf['a_hat'][0]):g}, ŵ = {float(rf['w_hat'][0]):g}",
            "end branch sign(a_K) and convergence time t_conv",
            f"RFLO branch = -sign(a0), BPTT branch = sign(a0); t_rflo >= {ratio:g} t_bptt",
            f"RFLO branch {int(rf['branch'][0])}, t {t_r:.3g}; BPTT branch {int(bp['branch'][0])}, t {t_b:.3g}",
            opposite and nearest and slow,
        )
    ]


def theory_claims(theory_tables: Mapping[str, Mapping]) -> list[dict]:
    """C3–C9 from the theory tables; a missing table gives failed rows."""
    rows = []
    fp = theory_tables.get("fixed_points")
    conv = theory_tables.get("convergence")
    rates = theory_tables.get("rates")
    if fp is None:
        rows += [missing(c, "fixed_points", "checklist 3-4", "theory_fixed_points") for c in ("C3", "C4")]
    else:
        rows += fixed_point_claims(fp) + nonoptimal_saddle_claims(fp)
    if conv is None:
        rows += [missing(c, "convergence", "checklist 3, 9", "theory_convergence") for c in ("C3", "C9")]
    else:
        rows += convergence_end_claims(conv) + detour_claims(conv)
    if rates is None:
        rows += [missing(c, "rates", "checklist 5-8", "theory_rates") for c in ("C5", "C6", "C7", "C8")]
    else:
        rows += bptt_rate_claims(rates) + tbptt_rate_claims(rates) + rflo_rate_claims(rates)
    return rows
