"""Reading a full (not necessarily aligned) network as per-mode triples, and the ODE from there.

The paper compares a non-data-aligned student with the per-mode ODE (SPEC §4, validation
figure; poster panel C): after a transient the student aligns and each dominant mode follows
its ODE. Modes are read in the teacher's data bases U, V and the student's own hidden basis
(`model.student_hidden_basis`); RFLO's feedback mode values â are read in the same basis so that
the sign conventions of (a, b, â) agree.
"""

from __future__ import annotations

import numpy as np

from linrnn.core.model import RNN, Teacher, feedback_projection, hidden_basis, mode_projection
from linrnn.core.modes import integrate_modes
from linrnn.core.rules import get_rule


def mode_state(rnn: RNN, teacher: Teacher, hidden: str = "student", R=None) -> dict:
    """(a, b, w) of each of the teacher's k modes, and â = diag(U^T R P) if R is given."""
    a, b, w = mode_projection(rnn, teacher.bases, teacher.k, hidden)
    state = {"a": a, "b": b, "w": w}
    if R is not None:
        P = hidden_basis(rnn, teacher.bases, teacher.k, hidden)
        state["a_hat"] = feedback_projection(np.asarray(R), P, teacher.bases)
    return state


def ode_from_state(
    rule: str,
    rnn: RNN,
    teacher: Teacher,
    t_eval: np.ndarray,
    *,
    tau: int = 1,
    w_hat: float = 0.0,
    R=None,
    hidden: str = "student",
) -> dict:
    """Integrate the per-mode ODE from the modes of `rnn` at time t_eval[0] (learning time)."""
    reads_feedback = "a_hat" in get_rule(rule).modes.params  # â read from R in the same basis
    s = mode_state(rnn, teacher, hidden, R if reads_feedback else None)
    t_eval = np.asarray(t_eval, dtype=float)
    out = integrate_modes(
        rule,
        s["a"],
        s["b"],
        s["w"],
        teacher.a,
        teacher.b,
        teacher.w,
        t_eval - t_eval[0],
        tau=tau,
        a_hat=s.get("a_hat", 1.0),
        w_hat=w_hat,
    )
    out["t"] = t_eval[: len(out["t"])]
    if "a_hat" in s:
        out["a_hat"] = s["a_hat"]
    return out
