"""Expected and empirical final-step losses L_T = ½ E‖y_T − y*_T‖² (docs/model.md §1.1, §1.4)."""

from __future__ import annotations

import numpy as np

from linrnn.core.expectations import Stationary, error_kernels, stationary
from linrnn.core.model import RNN, check_compatible, run
from linrnn.core.sampling import check_loss
from linrnn.core.stein import stein_sum


def expected_loss(student: RNN, teacher: RNN, T: int | None = None, loss: str = "final"):
    """Closed-form expected loss (a float; one value per student of a stack).

    Finite T: ½ Σ_{k<T} ‖A W^k B − A* W*^k B*‖_F² (the error is Σ_k G_k x_{T-1-k}); the
    sequence loss (1/2T) Σ_t E‖ε_t‖² weights each term by (1 − k/T) (Appendix H).
    T→∞: `stationary_loss` with the Stein covariances, the limit of both losses.
    """
    check_compatible(student, teacher)
    if T is not None:
        G = error_kernels(student, teacher, T)
        weights = 1.0 - np.arange(T) / T if check_loss(loss) == "sequence" else 1.0
        value = 0.5 * np.sum(weights * np.sum(G * G, axis=(-2, -1)), axis=-1)
    else:
        value = stationary_loss(student, teacher, stationary(student, teacher))
    return float(value) if np.ndim(value) == 0 else value


def teacher_loss_term(teacher: RNN) -> np.ndarray:
    """tr(A* C** A*^T) with C** = W* C** W*^T + B* B*^T: the student-independent part of the
    T→∞ loss (computed once per training)."""
    Css = stein_sum(teacher.W, teacher.B @ teacher.B.mT, teacher.W.mT)
    return np.sum((teacher.A @ Css) * teacher.A, axis=(-2, -1))


def stationary_loss(student: RNN, teacher: RNN, stat: Stationary, teacher_term=None):
    """T→∞ loss ½ [tr(A C A^T) − 2 tr(A C×^T A*^T) + tr(A* C** A*^T)] from the covariances
    C, C× of `expectations.stationary` (docs/model.md §1.4); `teacher_term` = `teacher_loss_term`."""
    if teacher_term is None:
        teacher_term = teacher_loss_term(teacher)
    A = student.A
    cross = np.sum((A @ stat.Cx.mT) * teacher.A, axis=(-2, -1))
    return 0.5 * (np.sum((A @ stat.C) * A, axis=(-2, -1)) - 2 * cross + teacher_term)


def empirical_loss(student: RNN, teacher: RNN, x: np.ndarray, loss: str = "final") -> float:
    """½ mean over the batch of ‖y_T − y*_T‖² (final) or of (1/T) Σ_t ‖y_t − y*_t‖² (sequence),
    on sampled sequences x (batch, T, d)."""
    check_compatible(student, teacher)
    err = run(student, x)[:, 1:] @ student.A.T - run(teacher, x)[:, 1:] @ teacher.A.T
    per_step = np.sum(err * err, axis=2)
    value = per_step[:, -1] if check_loss(loss) == "final" else per_step.mean(axis=1)
    return 0.5 * float(np.mean(value))
