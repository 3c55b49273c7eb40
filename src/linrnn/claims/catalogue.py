"""The claims catalogue: the paper's testable claims C1–C14 and the shape of a claims row.

Ids ``C1`` … ``C14`` follow the paper's checklist of testable claims (docs/claims.md lists the
measured rows); sub-rows are ``C2a``, ``C2b``, … Each row holds the statement it tests, where the
paper states it, the quantity measured, the criterion (the paper's value, or a stated concrete
criterion where the paper is qualitative), the measured value and pass/fail. A failed check stays
in the table as failed; a check whose input is missing is a failed row saying so (``missing``).
The checks themselves: ``theory_checks`` (C3–C9, theory tables), ``simulation_checks`` (C1, C2,
C10–C14, diagnostics tables); ``checklist.all_claims`` runs them all; ``markdown`` writes the
docs summary.
"""

from __future__ import annotations

COLUMNS = {
    "id": "claim id: C<k> for claim k of docs/model.md §6 (sub-rows C<k>a, C<k>b, ...)",
    "claim": "short name of the check",
    "statement": "the claim statement (docs/model.md §6) the row tests (abridged)",
    "source": "where the paper states it (paper section / checklist item)",
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


def row(cid, claim, source, figure, subject, quantity, expected, measured, passed) -> dict:
    """One claims row (COLUMNS); ``passed`` is cast to bool."""
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


def missing(cid, claim, source, what) -> dict:
    """The failed row of a check whose input ``what`` is missing."""
    return row(cid, claim, source, "", "", what, "input present", f"missing: {what}", False)
