"""The paper's claims (SPEC §6 checklist items 1–14), checked on the pipeline's own outputs.

One or more rows per checklist item, with ids ``C1`` … ``C14`` (sub-rows ``C2a``, ``C2b``, …):
the SPEC statement, where it comes from, the quantity measured, the criterion (the paper's
expected value, or a stated concrete criterion where the paper is qualitative), the measured
value and pass/fail. A failed check stays in the table as failed; a check whose input is
missing is a failed row saying so. Sources of each item:

- C1 (decoupling): a small data-aligned run made here with the package (aligned teacher,
  student and feedback built from the validation experiment's teacher mode values);
- C2, C10: the validation experiment's mode/alignment tables (full RNN vs per-mode ODE);
- C3–C9: the theory tables theory_fixed_points / theory_rates / theory_convergence
  (linrnn.core.theory), plus Jacobians from linrnn.core.theory at the points those tables list;
- C11, C12: the rank experiments' runs tables; C13: the reliability experiment's runs table;
- C14: the sequence-loss experiments (config ``figures.sequence_loss``), when configured;
- L1–L3 (beyond the paper): the locality map, `linrnn.claims.locality` (config
  ``figures.locality_map``), when configured.

Thresholds come from the config ``figures`` blocks or are stated in each row's ``expected``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from linrnn.analysis.diagnostics import CONVERGED
from linrnn.claims.locality import locality_claims
from linrnn.core import model, modes, theory
from linrnn.core.rules import RuleOptions, ode_rules
from linrnn.core.rules.base import MODE_PARAMETERS
from linrnn.core.train import train
from linrnn.pipeline.io import read_table, select

COLUMNS = {
    "id": "claim id: C<k> for SPEC §6 checklist item k (sub-rows C<k>a, C<k>b, ...)",
    "claim": "short name of the check",
    "statement": "the SPEC §6 checklist statement the row tests (abridged)",
    "source": "where the paper states it (SPEC section / checklist item)",
    "figure": "figure or table of this pipeline that shows it",
    "subject": "rule, experiment or mode the row is about",
    "quantity": "the quantity measured",
    "expected": "the paper's value or the stated pass criterion",
    "measured": "what this run measured",
    "passed": "true if measured meets the criterion",
}

STATEMENTS = {
    "C1": "Data-aligned init: BPTT, tBPTT and RFLO updates stay diagonal (off-diagonals 0).",
    "C2": "Per-mode discrete dynamics follow the §2.2 ODEs (small eta, large T).",
    "C3": "All rules converge (when stable) to ab = a*b*, w = w*, with zero loss.",
    "C4": "BPTT/tBPTT: fixed line a = b = 0 (a saddle, loss c^2/[2(1-w*^2)]); RFLO has none.",
    "C5": "BPTT on M*: real non-positive eigenvalues; slowest at s = ±sqrt|a*b*|.",
    "C6": "tBPTT ≈ BPTT for small |w*|, equal at w* = 0; deviates as |w*| -> 1.",
    "C7": "RFLO: branch with a_hat s > 0 stable; a_hat s < 0 generally unstable/oscillatory.",
    "C8": "RFLO converges more slowly than BPTT for most s, faster only as s -> 0.",
    "C9": "RFLO detour (Fig. 4): from (1, 1, 0.6) RFLO can reach the opposite branch, slowly.",
    "C10": "Non-aligned student: alignment rises; ODEs predict the dominant modes.",
    "C11": "Prop. 3.1: RFLO rank(W_K - W_0) <= o and rank(B_K - B_0) <= o, exactly.",
    "C12": "Rank ordering (o = 1): BPTT > e-prop > tBPTT ≈ RFLO (RFLO exactly 1).",
    "C13": "Reliability: of 20 runs BPTT/tBPTT converge 20, RFLO 13, e-prop 12.",
    "C14": "Appendix H: the main results carry over to the sequence loss.",
}
CLAIM_IDS = tuple(f"C{k}" for k in range(1, 15))
# C12's orderings of the median effective rank (paper Fig. 6): (claim, subject, higher → lower)
RANK_ORDERS = (
    ("bptt_change_higher_rank", "bptt vs tbptt", ("bptt", "tbptt")),
    ("bptt_change_higher_rank", "bptt vs rflo", ("bptt", "rflo")),
    ("eprop_intermediate_rank", "eprop", ("bptt", "eprop", "rflo")),
)
THEORY_TABLE_NAMES = ("rates", "fixed_points", "convergence")


def _row(cid, claim, source, figure, subject, quantity, expected, measured, passed) -> dict:
    return {
        "id": cid,
        "claim": claim,
        "statement": STATEMENTS[cid.rstrip("abcdefgh")],
        "source": source,
        "figure": figure,
        "subject": subject,
        "quantity": quantity,
        "expected": expected,
        "measured": measured,
        "passed": bool(passed),
    }


def _missing(cid, claim, source, what) -> dict:
    return _row(cid, claim, source, "", "", what, "input present", f"missing: {what}", False)


def read_theory_tables(paths: Sequence) -> dict[str, dict[str, np.ndarray]]:
    """``{rates|fixed_points|convergence: columns}`` from ``.../theory_<name>.csv`` paths."""
    out = {}
    for path in map(Path, paths):
        out[path.stem.removeprefix("theory_")] = read_table(path)
    return out


def _interp_nan(t_from, v_from, t_to):
    """Linear interpolation; NaN outside the range covered by t_from."""
    out = np.interp(t_to, t_from, v_from)
    out[(t_to < t_from[0] - 1e-12) | (t_to > t_from[-1] + 1e-12)] = np.nan
    return out


def ode_deviation(modes_table: Mapping, rule: str, seed: int, estimator: str, dominant: int) -> dict:
    """Max over time of |ab − (ab)_ODE|/|a*b*| and |w − w_ODE| for the ``dominant`` modes.

    Dominant modes: the largest |a* b*|. Returns {"ab": float, "w": float, "covered": fraction
    of the run's times the ODE reached}.
    """
    run = select(modes_table, rule=rule, seed=seed, estimator=estimator)
    ode = select(modes_table, rule=rule, seed=seed, estimator="ode")
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
        if not ok.any():
            return {"ab": float("nan"), "w": float("nan"), "covered": 0.0}
        scale = strength[i]
        dev_ab = max(dev_ab, float(np.max(np.abs(r["a"] * r["b"] - ab_ode)[ok]) / scale))
        dev_w = max(dev_w, float(np.max(np.abs(r["w"] - w_ode)[ok])))
    return {"ab": dev_ab, "w": dev_w, "covered": covered}


def _ode_rows(cid, modes_table, fig, estimators_shown, source, figure, tol) -> list[dict]:
    rows = []
    for estimator in estimators_shown:
        for rule in fig["rules"]:
            dev = ode_deviation(modes_table, rule, fig["seed"], estimator, fig["dominant_modes"])
            ok = dev["ab"] < tol and dev["w"] < tol and dev["covered"] == 1.0
            rows.append(
                _row(
                    cid,
                    "ode_matches_full_rnn",
                    source,
                    figure,
                    f"{rule}, {estimator}",
                    f"dominant {fig['dominant_modes']} modes: max_t |ab-ab_ode|/|a*b*|, max_t |w-w_ode|",
                    f"both < {tol}, ODE covering the whole run",
                    f"ab {dev['ab']:.3g}, w {dev['w']:.3g}, ODE covers {dev['covered']:.0%}",
                    ok,
                )
            )
    return rows


# ---------------------------------------------------------------- C1 decoupling


def decoupling_check(rule: str, a_star, b_star, w_star, *, steps: int = 20, eta: float = 0.05, seed: int = 0) -> float:
    """Largest off-diagonal entry, relative to the largest diagonal one, of U^T A P, P^T W P
    and P^T B V over a short expected-mode run from a data-aligned student (SPEC §6 item 1).

    Teacher with the given mode values and Haar bases (from a local Generator(seed)); student
    a = b = 0.1, w = 0; feedback R = U P^T (â = 1); n = d = o = number of modes.
    """
    k = len(a_star)
    rng = np.random.default_rng(seed)
    teacher = model.make_aligned_teacher(k, k, k, a_star, b_star, w_star, rng)
    student = model.aligned_student(teacher, [0.1] * k, [0.1] * k, [0.0] * k)
    opts = RuleOptions(feedback=model.aligned_feedback(teacher, [1.0] * k))
    res = train(rule, student, teacher.rnn, opts=opts, eta=eta, steps=steps, record_every=steps)
    U, V, P = teacher.bases.U, teacher.bases.V, teacher.bases.P
    worst = 0.0
    for A, W, B in zip(res.A, res.W, res.B, strict=True):
        for M in (U.T @ A @ P, P.T @ W @ P, P.T @ B @ V):
            diag = np.abs(np.diagonal(M)).max()
            off = np.abs(M - np.diag(np.diagonal(M))).max()
            worst = max(worst, float(off / max(diag, 1e-300)))
    return worst


def decoupling_claims(tables: Mapping, fig: Mapping, tol: float = 1e-10) -> list[dict]:
    m = tables["modes"]
    if not len(m["mode_index"]):
        return [_missing("C1", "decoupling", "checklist 1", "validation modes table")]
    idx = np.unique(m["mode_index"])
    first = [np.flatnonzero(m["mode_index"] == i)[0] for i in idx]
    a_s, b_s, w_s = (m[c][first] for c in ("a_star", "b_star", "w_star"))
    rows = []
    for rule in [r for r in fig["rules"] if r in ode_rules()]:  # shown rules with a reduction
        off = decoupling_check(rule, a_s, b_s, w_s)
        rows.append(
            _row(
                "C1",
                "updates_stay_diagonal",
                "SPEC §2.1; checklist 1",
                "(computed in claims)",
                rule,
                "max off-diagonal / max diagonal of U'AP, P'WP, P'BV over 20 expected steps",
                f"< {tol:g} (float precision)",
                f"off/diag {off:.2e}",
                off < tol,
            )
        )
    return rows


# ---------------------------------------------------------------- C3-C9 theory tables


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
            _row(
                "C3a",
                "fixed_points_on_optimal_manifold",
                "SPEC §3.1; checklist 3",
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
            _row(
                "C4a",
                "nonoptimal_line",
                "SPEC §3.1; checklist 4",
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
                _row(
                    "C4b",
                    "nonoptimal_saddle",
                    "SPEC §3.1; checklist 4",
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
                _row(
                    "C4c",
                    f"{rule}_no_nonoptimal_line",
                    "SPEC §2.2; checklist 4",
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
            _row(
                "C3b",
                "ode_converges_to_optimum",
                "SPEC §3.1; checklist 3",
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
        return [_missing("C5", "bptt_rate", "checklist 5", "bptt rows of theory_rates")]
    im = np.maximum(np.abs(r["eig_1_im"]), np.abs(r["eig_2_im"]))
    re = np.maximum(r["eig_1_re"], r["eig_2_re"])
    rows = [
        _row(
            "C5a",
            "bptt_real_nonpositive",
            "SPEC §3.2; checklist 5",
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
        _row(
            "C5b",
            "bptt_slowest_at_sqrt_c",
            "SPEC §3.2; checklist 5",
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
        return [_missing("C6", "tbptt_vs_bptt", "checklist 6", "bptt and tbptt(τ=1) rates")]
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
            _row(
                "C6a",
                "tbptt_equals_bptt_at_w0",
                "SPEC §2.2 [D]; checklist 6",
                "theory_rates",
                "tbptt (τ=1) vs bptt, w* = 0",
                "max relative rate difference at w* = 0",
                "< 1e-9",
                f"max rel. difference {worst0:.1e}",
                worst0 < 1e-9,
            )
        )
    else:
        rows.append(_missing("C6a", "tbptt_equals_bptt_at_w0", "checklist 6", "w* = 0 in rates"))
    rows.append(
        _row(
            "C6b",
            "tbptt_deviates_with_w",
            "SPEC §3.2; checklist 6",
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
        return [_missing("C7", "rflo_sign", "checklist 7", "rflo rows of theory_rates")]
    sign = np.sign(r["a_hat"] * r["s"])
    cls = r["classification"].astype(str)
    stable = np.char.startswith(cls, "stable")
    pos, neg = sign > 0, sign < 0
    n_neg_node = int(np.sum(cls[neg] == "stable node"))
    rows = [
        _row(
            "C7",
            "rflo_sign_stability",
            "SPEC §3.2 Eqs. 28-29; checklist 7",
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
        _row(
            "C8",
            "rflo_slower_than_bptt",
            "SPEC §3.2; checklist 8",
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
        return [_missing("C9", "rflo_detour", "checklist 9", f"case {case!r} in convergence")]
    rf, bp = select(c, rule="rflo"), select(c, rule="bptt")
    if not len(rf["rule"]) or not len(bp["rule"]):
        return [_missing("C9", "rflo_detour", "checklist 9", "rflo and bptt rows of the case")]
    a0 = float(rf["a0"][0])
    t_r, t_b = float(rf["t_conv"][0]), float(bp["t_conv"][0])
    opposite = int(rf["branch"][0]) == -int(np.sign(a0))
    nearest = int(bp["branch"][0]) == int(np.sign(a0))
    slow = np.isfinite(t_r) and np.isfinite(t_b) and t_r >= ratio * t_b
    return [
        _row(
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
        rows += [_missing(c, "fixed_points", "checklist 3-4", "theory_fixed_points") for c in ("C3", "C4")]
    else:
        rows += fixed_point_claims(fp) + nonoptimal_saddle_claims(fp)
    if conv is None:
        rows += [_missing(c, "convergence", "checklist 3, 9", "theory_convergence") for c in ("C3", "C9")]
    else:
        rows += convergence_end_claims(conv) + detour_claims(conv)
    if rates is None:
        rows += [_missing(c, "rates", "checklist 5-8", "theory_rates") for c in ("C5", "C6", "C7", "C8")]
    else:
        rows += bptt_rate_claims(rates) + tbptt_rate_claims(rates) + rflo_rate_claims(rates)
    return rows


# ---------------------------------------------------------------- simulations


def validation_claims(tables: Mapping[str, Mapping], fig: Mapping) -> list[dict]:
    """C2 (ODE match, expected estimator = T→∞, and sampled mode at finite T), C10 (alignment rises;
    the ODE match of the dominant modes in the non-aligned student is C2's measurement)."""
    modes_table, align = tables["modes"], tables["alignment"]
    tol = fig["ode_tolerance"]
    present = set(np.unique(modes_table["estimator"])) if len(modes_table["estimator"]) else set()
    rows = _ode_rows("C2a", modes_table, fig, ["expected"], "SPEC §2.2, §4; checklist 2, 10", "validation", tol)
    if "sampled" in present:
        rows += _ode_rows("C2b", modes_table, fig, ["sampled"], "SPEC §2.2, §4; checklist 2", "validation", tol)
    for rule in fig["rules"]:
        parts, ok = [], True
        for metric in ("recurrent", "input", "output"):
            a = select(align, rule=rule, seed=fig["seed"], estimator="expected", metric=metric)
            if not len(a["value"]):
                parts.append(f"{metric} missing")
                ok = False
                continue
            first, last = float(a["value"][0]), float(a["value"][-1])
            parts.append(f"{metric} {first:.2f}->{last:.2f}")
            ok &= bool(last > first)
        rows.append(
            _row(
                "C10",
                "alignment_emerges",
                "SPEC §4 validation figure; checklist 10",
                "validation",
                rule,
                "recurrent, input and output alignment, first -> last record",
                "each rises over training (last > first)",
                "; ".join(parts),
                ok,
            )
        )
    return rows


def _rank_rows(cid, runs_by_exp, names, rule, estimator, source, figure) -> list[dict]:
    rows = []
    for name in names:
        r = select(runs_by_exp[name], rule=rule, estimator=estimator)
        if not len(r["seed"]):
            rows.append(_missing(cid, "rflo_rank_at_most_o", source, f"{rule} runs of {name}"))
            continue
        o = int(r["o"][0])
        worst_w, worst_b = int(r["rank_W"].max()), int(r["rank_B"].max())
        rows.append(
            _row(
                cid,
                "rflo_rank_at_most_o",
                source,
                figure,
                f"{rule}, {name} (o={o})",
                "max numerical rank of W_K-W_0 and B_K-B_0 over seeds",
                f"<= {o} (exactly)",
                f"W {worst_w}, B {worst_b} over {len(r['seed'])} seeds",
                0 <= worst_w <= o and 0 <= worst_b <= o,
            )
        )
    return rows


def rank_claims(runs_by_exp: Mapping[str, Mapping], fig: Mapping) -> list[dict]:
    """C11: RFLO rank(ΔW), rank(ΔB) ≤ o in every rank experiment. C12: median effective rank
    of W_K − W_0 over seeds (o = 1): bptt > eprop > rflo, bptt > tbptt, and RFLO numerical
    rank exactly 1 in every run that moved."""
    rows = _rank_rows(
        "C11",
        runs_by_exp,
        fig["rank_experiments"],
        fig["rank_rule"],
        fig["estimator"],
        "Prop. 3.1; SPEC §3.4; checklist 11",
        "low_rank",
    )
    runs = runs_by_exp[fig["experiment"]]
    eff = {}
    for rule in fig["rules"]:
        r = select(runs, rule=rule, estimator=fig["estimator"])
        eff[rule] = float(np.nanmedian(r["effective_rank_W"])) if len(r["seed"]) else np.nan
    measured = ", ".join(f"{k} {v:.2f}" for k, v in eff.items())
    quantity = "median effective rank of W_K-W_0 over seeds"
    for claim, subject, order in RANK_ORDERS:
        if set(order) <= set(eff):
            rows.append(
                _row(
                    "C12",
                    claim,
                    "Fig. 6; SPEC §4; checklist 12",
                    "low_rank",
                    subject,
                    quantity,
                    " > ".join(order),
                    measured,
                    all(eff[hi] > eff[lo] for hi, lo in zip(order, order[1:], strict=False)),
                )
            )
    r = select(runs, rule="rflo", estimator=fig["estimator"])
    if len(r["seed"]):
        ranks = np.unique(r["rank_W"]).astype(int).tolist()
        rows.append(
            _row(
                "C12",
                "rflo_rank_exactly_o",
                "Fig. 6; SPEC §4; checklist 12",
                "low_rank",
                f"rflo, {fig['experiment']} (o={int(r['o'][0])})",
                "numerical rank of W_K-W_0, all seeds",
                f"exactly {int(r['o'][0])}",
                f"ranks {ranks}",
                ranks == [int(r["o"][0])],
            )
        )
    return rows


def reliability_claims(runs: Mapping, fig: Mapping, min_fraction: float = 0.9) -> list[dict]:
    """C13: converged-run counts vs the paper's. Criterion (the paper gives counts only):
    BPTT and tBPTT converge in ≥ ``min_fraction`` of the runs (≥ 18/20); RFLO and e-prop
    converge in strictly fewer runs than BPTT."""
    rows = []
    counts = {}
    for rule in fig["rules"]:
        r = select(runs, rule=rule, estimator=fig["estimator"])
        counts[rule] = (int(np.sum(r["outcome"] == CONVERGED)), len(r["seed"]))
    paper, n_paper = fig["paper_converged"], fig["paper_runs"]
    k_bptt = counts.get("bptt", (np.nan, 0))[0]
    for rule, (k, n) in counts.items():
        if paper.get(rule) == n_paper:  # the paper: every run converged
            expected = f">= {min_fraction:.0%} of runs converge"
            ok = n > 0 and k >= min_fraction * n
        else:
            expected = "converges in fewer runs than bptt"
            ok = n > 0 and k < k_bptt
        rows.append(
            _row(
                "C13",
                "convergence_count",
                "Supp. Fig. 10; SPEC §4; checklist 13",
                "reliability",
                rule,
                f"converged runs (paper: {paper.get(rule, '?')}/{n_paper})",
                expected,
                f"{k}/{n} converged",
                ok,
            )
        )
    return rows


def sequence_loss_claims(tables_by_exp: Mapping, fig: Mapping) -> list[dict]:
    """C14 (Appendix H): under the sequence loss at finite T, (a) the dominant modes follow the
    per-mode ODE within ``fig['ode_tolerance']`` (expected and sampled estimator), (b) RFLO keeps
    rank ≤ o, (c) every rule that converges on the final-step loss (reference experiment)
    converges on the sequence loss too."""
    exp = tables_by_exp[fig["experiment"]]
    present = set(np.unique(exp["modes"]["estimator"])) if len(exp["modes"]["estimator"]) else set()
    shown = [m for m in ("expected", "sampled") if m in present]
    rows = _ode_rows(
        "C14a",
        exp["modes"],
        fig,
        shown or ["expected"],
        "Appendix H; SPEC §1.1; checklist 14",
        "sequence_loss",
        fig["ode_tolerance"],
    )
    runs_by_exp = {n: tables_by_exp[n]["runs"] for n in fig["rank_experiments"]}
    for name in fig["rank_experiments"]:
        estimators_run = np.unique(runs_by_exp[name]["estimator"])
        rows += _rank_rows(
            "C14b",
            runs_by_exp,
            [name],
            fig["rank_rule"],
            str(estimators_run[0]) if len(estimators_run) else "expected",
            "Appendix H; Prop. 3.1; checklist 14",
            "sequence_loss",
        )
    ref = tables_by_exp[fig["reference"]]["runs"]
    seq = exp["runs"]
    for rule in fig["rules"]:
        a = select(ref, rule=rule, estimator="expected", seed=fig["seed"])
        b = select(seq, rule=rule, estimator="expected", seed=fig["seed"])
        if not len(a["seed"]) or not len(b["seed"]):
            rows.append(_missing("C14c", "sequence_converges", "checklist 14", f"{rule} runs"))
            continue
        ref_ok, seq_ok = a["outcome"][0] == CONVERGED, b["outcome"][0] == CONVERGED
        rows.append(
            _row(
                "C14c",
                "sequence_loss_converges",
                "Appendix H; checklist 14",
                "sequence_loss",
                rule,
                "outcome (final loss <= rel_loss x initial), expected mode",
                "converged on the sequence loss if converged on the final-step loss",
                f"sequence: {b['outcome'][0]} (rel. loss {float(b['relative_loss'][0]):.2g}); "
                f"final-step: {a['outcome'][0]}",
                seq_ok or not ref_ok,
            )
        )
    return rows


def all_claims(
    tables_by_exp: Mapping[str, Mapping[str, Mapping]],
    figures: Mapping,
    theory_tables: Mapping[str, Mapping] | None = None,
) -> list[dict]:
    """Every claim row, sorted by checklist item; ``tables_by_exp[experiment][table]`` are
    tables read by linrnn.pipeline.io, ``theory_tables[name]`` the theory tables (read_theory_tables).
    A checklist item with no row gets a failed "not checked" row."""
    runs_by_exp = {name: t["runs"] for name, t in tables_by_exp.items()}
    val = tables_by_exp[figures["validation"]["experiment"]]
    rows = decoupling_claims(val, figures["validation"])
    rows += validation_claims(val, figures["validation"])
    rows += theory_claims(theory_tables or {})
    rows += rank_claims(runs_by_exp, figures["low_rank"])
    rows += reliability_claims(runs_by_exp[figures["reliability"]["experiment"]], figures["reliability"])
    if "sequence_loss" in figures:
        rows += sequence_loss_claims(tables_by_exp, figures["sequence_loss"])
    have = {r["id"].rstrip("abcdefgh") for r in rows}
    for cid in CLAIM_IDS:
        if cid not in have:
            rows.append(_missing(cid, "not_checked", "SPEC §6", "no input for this claim"))
    rows = sorted(rows, key=lambda r: (int(r["id"][1:].rstrip("abcdefgh")), r["id"]))
    if "locality_map" in figures:  # beyond the paper: the locality map (docs/locality.md), rows L1-L3
        rows += locality_claims(tables_by_exp, figures["locality_map"])
    return rows


def markdown_table(rows: Sequence[Mapping]) -> str:
    """The docs summary: a Markdown table (id, claim, measured, criterion, pass) of claims
    rows (dicts or a column table from linrnn.pipeline.io.read_table), in their order."""
    if isinstance(rows, Mapping):
        rows = [dict(zip(rows, vals, strict=True)) for vals in zip(*rows.values(), strict=True)]

    def cell(x) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    out = [
        "| id | claim | subject | measured | criterion | pass |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        passed = r["passed"] if isinstance(r["passed"], bool | np.bool_) else str(r["passed"]) == "true"
        out.append(
            "| "
            + " | ".join(cell(r[k]) for k in ("id", "statement", "subject", "measured", "expected"))
            + f" | {'✅ pass' if passed else '❌ FAIL'} |"
        )
    n_pass = sum(
        1 for r in rows if (r["passed"] if isinstance(r["passed"], bool | np.bool_) else str(r["passed"]) == "true")
    )
    out.append("")
    out.append(f"{n_pass}/{len(rows)} rows pass.")
    return "\n".join(out) + "\n"
