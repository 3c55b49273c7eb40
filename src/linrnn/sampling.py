"""Forward pass on a minibatch, shared by every rule's sampled update (SPEC §2.1).

Histories are stored lag-first so that index m is time T-1-m, matching `expectations`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linrnn.model import RNN, check_compatible, run


@dataclass(frozen=True)
class SampledHistory:
    """eps (batch, o) = y_T − y*_T; h_final (batch, n) = h_T;
    h_lag[:, m] = h_{T-1-m} (batch, T, n); x_lag[:, m] = x_{T-1-m} (batch, T, d)."""

    eps: np.ndarray
    h_final: np.ndarray
    h_lag: np.ndarray
    x_lag: np.ndarray

    @property
    def batch(self) -> int:
        return self.eps.shape[0]


def sampled_history(student: RNN, teacher: RNN, x: np.ndarray) -> SampledHistory:
    check_compatible(student, teacher)
    T = x.shape[1]
    h = run(student, x)
    h_star_T = run(teacher, x)[:, T]
    eps = h[:, T] @ student.A.T - h_star_T @ teacher.A.T
    return SampledHistory(eps=eps, h_final=h[:, T], h_lag=h[:, T - 1 :: -1], x_lag=x[:, ::-1])


def sampled_readout_update(student: RNN, hist: SampledHistory) -> np.ndarray:
    """ΔA = mean_batch ε_T h_T^T (delta rule, SPEC §2.1)."""
    return hist.eps.T @ hist.h_final / hist.batch


def lag_weighted(weights: np.ndarray, lagged: np.ndarray) -> np.ndarray:
    """Σ_m weights[m] · lagged[:, m]: a leaky eligibility trace of decay ŵ when weights = ŵ^m."""
    return np.einsum("m,bmj->bj", weights, lagged)
