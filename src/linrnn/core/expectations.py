"""Exact input averages E_x[·] for the final-step loss, finite T and T→∞ (docs/model.md §2.1).

With h_0 = 0 and white inputs, the final error is linear in the inputs,
ε_T = y_T − y*_T = Σ_{k=0}^{T-1} G_k x_{T-1-k},   G_k = A W^k B − A* W*^k B*,
so every expected update is built from two error-history correlations, indexed by the lag m:
  Ex(m) = E[ε_T x_{T-1-m}^T] = G_m,
  Eh(m) = E[ε_T h_{T-1-m}^T] = Σ_{j=0}^{T-2-m} G_{m+1+j} B^T (W^j)^T
          (T→∞: A W^{m+1} C − A* W*^{m+1} C×).
Rules differ only in how they weight these over m (docs/model.md §2.1).

Sequence loss (1/2T) Σ_{t=1}^T ‖ε_t‖² (Appendix H) [D]: ε_t has the same kernels G_k (k < t),
so averaging the final-step updates over horizons t = 1..T weights G_k by (1 − k/T). As T→∞
these weights tend to 1: the T→∞ updates (and per-mode ODEs) of the two losses coincide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linrnn.core.linalg import power_rows
from linrnn.core.model import RNN, check_compatible
from linrnn.core.sampling import check_loss
from linrnn.core.stein import Powers, stein_sums


def error_kernels(student: RNN, teacher: RNN, T: int, loss: str = "final") -> np.ndarray:
    """G_k = A W^k B − A* W*^k B* for k = 0..T-1, shape (..., T, o, d); times (1 − k/T) for
    the sequence loss."""
    check_compatible(student, teacher)
    check_loss(loss)
    G = power_rows(student.A, student.W, T) @ student.B[..., None, :, :]  # A W^k B, lag-doubled
    G = G - power_rows(teacher.A, teacher.W, T) @ teacher.B[..., None, :, :]
    if loss == "sequence":
        G *= (1.0 - np.arange(T) / T)[:, None, None]
    return G


@dataclass(frozen=True)
class FiniteHistory:
    """Error-history correlations for finite T: Ex (..., T, o, d) and Eh (..., T, o, n), lag-indexed;
    readout = E[ε_T h_T^T] = G_0 B^T + Eh(0) W^T, the delta-rule update ΔA."""

    Ex: np.ndarray
    Eh: np.ndarray
    readout: np.ndarray


def finite_history(student: RNN, teacher: RNN, T: int, loss: str = "final") -> FiniteHistory:
    """Ex(m) = G_m; Eh by the backward recursion Eh(m) = G_{m+1} B^T + Eh(m+1) W^T, Eh(T-1) = 0."""
    G = error_kernels(student, teacher, T, loss)
    Eh = np.zeros(G.shape[:-3] + (T, student.o, student.n))
    Bt, Wt = student.B.mT, student.W.mT
    for m in range(T - 2, -1, -1):
        Eh[..., m, :, :] = G[..., m + 1, :, :] @ Bt + Eh[..., m + 1, :, :] @ Wt
    readout = G[..., 0, :, :] @ Bt + Eh[..., 0, :, :] @ Wt
    return FiniteHistory(Ex=G, Eh=Eh, readout=readout)


@dataclass(frozen=True)
class Stationary:
    """T→∞ covariances (docs/model.md §2.1): C = E[h h^T] = W C W^T + B B^T and C× = E[h* h^T] = W* C× W^T + B* B^T.

    powers: the squarings (W^{2^j}, W*^{2^j}) the doubling computed, for further sums of the
    same step (the BPTT adjoint sums Z1, Z2 reuse them)."""

    C: np.ndarray
    Cx: np.ndarray
    powers: tuple[Powers, Powers] | None = None


def stationary(student: RNN, teacher: RNN, teacher_powers: Powers | None = None) -> Stationary:
    """C and C× by doubling; `teacher_powers` (a `stein.Powers` of W*) is reused if given,
    so a training squares W* only once."""
    check_compatible(student, teacher)
    W = student.W
    bases = [Powers(W), teacher_powers or Powers(teacher.W)]
    Bt = student.B.mT
    C, Cx = stein_sums(bases, [((0, False), student.B @ Bt, (0, True)), ((1, False), teacher.B @ Bt, (0, True))])
    return Stationary(C=C, Cx=Cx, powers=(bases[0], bases[1]))


def readout_update(
    student: RNN, teacher: RNN, T: int | None, stat: Stationary | None = None, loss: str = "final"
) -> np.ndarray:
    """ΔA = E[ε_T h_T^T], the delta rule common to all rules (docs/model.md §2.1).

    T→∞: A C − A* C×; finite T: Σ_k G_k B^T (W^k)^T (see `finite_history`).
    """
    if T is None:
        s = stat or stationary(student, teacher)
        return student.A @ s.C - teacher.A @ s.Cx
    return finite_history(student, teacher, T, loss).readout
