"""Expected and empirical final-step losses L_T = ½ E‖y_T − y*_T‖² (SPEC §1.1, §1.4)."""

from __future__ import annotations

import numpy as np

from linrnn.core.expectations import error_kernels
from linrnn.core.model import RNN, check_compatible, run
from linrnn.core.sampling import check_loss
from linrnn.core.stein import stein_sum


def expected_loss(student: RNN, teacher: RNN, T: int | None = None, loss: str = "final") -> float:
    """Closed-form expected loss.

    Finite T: ½ Σ_{k<T} ‖A W^k B − A* W*^k B*‖_F² (the error is Σ_k G_k x_{T-1-k}); the
    sequence loss (1/2T) Σ_t E‖ε_t‖² weights each term by (1 − k/T) (Appendix H).
    T→∞: ½ [tr(A C A^T) − 2 tr(A C×^T A*^T) + tr(A* C** A*^T)] with Stein covariances,
    the limit of both losses.
    """
    check_compatible(student, teacher)
    if T is not None:
        G = error_kernels(student, teacher, T)
        weights = 1.0 - np.arange(T) / T if check_loss(loss) == "sequence" else 1.0
        return 0.5 * float(np.sum(weights * np.sum(G * G, axis=(1, 2))))
    A, W, B = student.A, student.W, student.B
    As, Ws, Bs = teacher.A, teacher.W, teacher.B
    C = stein_sum(W, B @ B.T, W.T)
    Cx = stein_sum(Ws, Bs @ B.T, W.T)
    Css = stein_sum(Ws, Bs @ Bs.T, Ws.T)
    value = np.trace(A @ C @ A.T) - 2 * np.trace(A @ Cx.T @ As.T) + np.trace(As @ Css @ As.T)
    return 0.5 * float(value)


def empirical_loss(student: RNN, teacher: RNN, x: np.ndarray, loss: str = "final") -> float:
    """½ mean over the batch of ‖y_T − y*_T‖² (final) or of (1/T) Σ_t ‖y_t − y*_t‖² (sequence),
    on sampled sequences x (batch, T, d)."""
    check_compatible(student, teacher)
    err = run(student, x)[:, 1:] @ student.A.T - run(teacher, x)[:, 1:] @ teacher.A.T
    per_step = np.sum(err * err, axis=2)
    value = per_step[:, -1] if check_loss(loss) == "final" else per_step.mean(axis=1)
    return 0.5 * float(np.mean(value))
