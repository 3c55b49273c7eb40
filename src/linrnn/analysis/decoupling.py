"""Decoupling of data-aligned learning (docs/model.md §2.2; paper Section 2.2): a student that
starts data-aligned stays data-aligned, so every mode learns on its own.

The measurement: a teacher with the given mode values and Haar bases U, V, P (from a local
``Generator(seed)``), a student with the same bases and a = b = 0.1, w = 0 on every mode, feedback
R = U P^T (â = 1), n = d = o = the number of modes; ``steps`` expected updates (T→∞) with
learning rate ``eta``; at every recorded state the largest off-diagonal entry of U^T A P, P^T W P
and P^T B V relative to the largest diagonal one. Exact arithmetic gives 0; float arithmetic
gives ~1e-16. The ``decoupling`` table (COLUMNS) has one row per rule.
"""

from __future__ import annotations

import numpy as np

from linrnn.core import model
from linrnn.core.rules import RuleOptions
from linrnn.core.train import train

STEPS, ETA, SEED = 20, 0.05, 0

COLUMNS = {
    "rule": "learning rule (one with a data-aligned reduction)",
    "steps": "expected (T -> infinity) learning steps from the data-aligned student",
    "eta": "learning rate",
    "off_diagonal_ratio": "max over steps of max |off-diagonal| / max |diagonal| of U'AP, P'WP, P'BV",
}


def decoupling_check(
    rule: str, a_star, b_star, w_star, *, steps: int = STEPS, eta: float = ETA, seed: int = SEED
) -> float:
    """Largest off-diagonal entry relative to the largest diagonal one (see module docstring)."""
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


def decoupling_rows(rules, a_star, b_star, w_star) -> list[dict]:
    """One ``decoupling`` row per rule (COLUMNS)."""
    return [
        {"rule": r, "steps": STEPS, "eta": ETA, "off_diagonal_ratio": decoupling_check(r, a_star, b_star, w_star)}
        for r in rules
    ]
