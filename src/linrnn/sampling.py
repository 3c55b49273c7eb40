"""Minibatch updates of every rule as a backward filter of a learning signal (SPEC §2.1).

All four rules have the form ΔW = mean_batch Σ_s λ_s h_s^T and ΔB = mean_batch Σ_s λ_s x_s^T,
s = 0..T-1, where λ_s collects the errors ε_t of later steps t > s seen through the rule's
credit assignment:
  bptt   λ_s = A^T ε_{s+1} + W^T λ_{s+1}           (the adjoint)
  tbptt  λ_s = Σ_{m<τ} (W^m)^T A^T ε_{s+1+m}        (the adjoint truncated at τ steps)
  rflo   λ_s = R^T ε_{s+1} + ŵ λ_{s+1}              (leaky trace of ŵ, read backwards)
  eprop  λ_{s,i} = (F^T ε_{s+1})_i + W_ii λ_{s+1,i}
Reading an eligibility trace backwards gives the same sum as running it forwards
(Σ_t L_t Σ_{s<t} ŵ^{t-1-s} h_s = Σ_s h_s Σ_{t>s} ŵ^{t-1-s} L_t) but needs no per-synapse
trace. The error weights: final-step loss ε_T only; sequence loss ε_t / T for every t
(SPEC §1.1, Appendix H).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linrnn.model import RNN, check_compatible, run

LOSSES = ("final", "sequence")


def check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    return loss


@dataclass(frozen=True)
class SampledHistory:
    """h (batch, T+1, n) with h_0 = 0; x (batch, T, d); errors (batch, T, o) where
    errors[:, t-1] is the loss weight times ε_t = y_t − y*_t."""

    h: np.ndarray
    x: np.ndarray
    errors: np.ndarray

    @property
    def batch(self) -> int:
        return self.x.shape[0]


def sampled_history(student: RNN, teacher: RNN, x: np.ndarray, loss: str = "final") -> SampledHistory:
    check_compatible(student, teacher)
    check_loss(loss)
    h = run(student, x)
    T = x.shape[1]
    if loss == "final":
        errors = np.zeros((x.shape[0], T, student.o))
        errors[:, -1] = h[:, T] @ student.A.T - run(teacher, x)[:, T] @ teacher.A.T
    else:
        errors = (h[:, 1:] @ student.A.T - run(teacher, x)[:, 1:] @ teacher.A.T) / T
    return SampledHistory(h=h, x=x, errors=errors)


def readout_update(hist: SampledHistory) -> np.ndarray:
    """ΔA = mean_batch Σ_t ε_t h_t^T (delta rule, SPEC §2.1)."""
    errors = hist.errors.reshape(-1, hist.errors.shape[-1])
    return errors.T @ hist.h[:, 1:].reshape(errors.shape[0], -1) / hist.batch


def backward_filter(signal: np.ndarray, decay) -> np.ndarray:
    """λ_s = signal_s + decay ∘ λ_{s+1} (λ_T = 0) over axis 1 of signal (batch, T, n).

    decay: a scalar or per-unit vector (n,) (elementwise), or a matrix D (n×n) acting as λ D.
    """
    lam = np.empty_like(signal)
    carry = np.zeros_like(signal[:, 0])
    matrix = np.ndim(decay) == 2
    for s in range(signal.shape[1] - 1, -1, -1):
        carry = signal[:, s] + (carry @ decay if matrix else carry * decay)
        lam[:, s] = carry
    return lam


def weight_updates(lam: np.ndarray, hist: SampledHistory) -> tuple[np.ndarray, np.ndarray]:
    """ΔW = mean_batch Σ_s λ_s h_s^T and ΔB = mean_batch Σ_s λ_s x_s^T: one matmul each."""
    n = lam.shape[-1]
    flat = lam.reshape(-1, n).T / hist.batch
    return flat @ hist.h[:, :-1].reshape(-1, n), flat @ hist.x.reshape(-1, hist.x.shape[-1])


def sampled_update(hist: SampledHistory, lam: np.ndarray) -> RNN:
    dW, dB = weight_updates(lam, hist)
    return RNN(readout_update(hist), dW, dB)
