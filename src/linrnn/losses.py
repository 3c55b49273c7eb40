"""Expected and empirical final-step losses L_T = ½ E‖y_T − y*_T‖² (SPEC §1.1, §1.4)."""

from __future__ import annotations

import numpy as np

from linrnn.expectations import error_kernels
from linrnn.model import RNN, check_compatible, run
from linrnn.stein import stein_sum


def expected_loss(student: RNN, teacher: RNN, T: int | None = None) -> float:
    """Closed-form expected loss.

    Finite T: ½ Σ_{k<T} ‖A W^k B − A* W*^k B*‖_F² (the error is Σ_k G_k x_{T-1-k}).
    T→∞: ½ [tr(A C A^T) − 2 tr(A C×^T A*^T) + tr(A* C** A*^T)] with Stein covariances.
    """
    check_compatible(student, teacher)
    if T is not None:
        G = error_kernels(student, teacher, T)
        return 0.5 * float(np.sum(G * G))
    A, W, B = student.A, student.W, student.B
    As, Ws, Bs = teacher.A, teacher.W, teacher.B
    C = stein_sum(W, B @ B.T, W.T)
    Cx = stein_sum(Ws, Bs @ B.T, W.T)
    Css = stein_sum(Ws, Bs @ Bs.T, Ws.T)
    value = np.trace(A @ C @ A.T) - 2 * np.trace(A @ Cx.T @ As.T) + np.trace(As @ Css @ As.T)
    return 0.5 * float(value)


def empirical_loss(student: RNN, teacher: RNN, x: np.ndarray) -> float:
    """½ mean over the batch of ‖y_T − y*_T‖² on sampled sequences x (batch, T, d)."""
    check_compatible(student, teacher)
    T = x.shape[1]
    err = run(student, x)[:, T] @ student.A.T - run(teacher, x)[:, T] @ teacher.A.T
    return 0.5 * float(np.mean(np.sum(err * err, axis=1)))
