"""Minibatch updates of every rule as a backward filter of a learning signal (docs/model.md §2.1).

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
(docs/model.md §1.1, Appendix H).

Final-step loss fast path [D]: the learning signal is nonzero only at t = T, so every rule's
λ_s is a fixed o-column map of ε_T, λ_s = Φ_{T-1-s}^T ε_T, with the lag weights
  bptt Φ_m = A W^m,  tbptt Φ_m = A W^m (m < τ, else 0),  rflo Φ_m = ŵ^m R,
  eprop Φ_m = F diag(W)^m.
Hence ΔW = Σ_m Φ_m^T Eh[m] and ΔB = Σ_m Φ_m^T Ex[m] with the minibatch correlations
Eh[m] = mean_b ε_T h_{T-1-m}^T and Ex[m] = mean_b ε_T x_{T-1-m}^T (`final_step_history`):
the same lag sums as the exact finite-T expectation (`expectations.finite_history`), with
the empirical correlations in place of the exact ones. This costs O(T·o·n²) for the weights
instead of O(T·batch·n²) for a batch of backward filters, and the teacher is never run: only
y*_T = Σ_k A* W*^k B* x_{T-1-k} is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linrnn.core.linalg import power_rows
from linrnn.core.model import RNN, check_compatible, run, run_time_major

LOSSES = ("final", "sequence")


def check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    return loss


@dataclass(frozen=True)
class SampledHistory:
    """h (..., batch, T+1, n) with h_0 = 0; x (..., batch, T, d); errors (..., batch, T, o) where
    errors[..., t-1] is the loss weight times ε_t = y_t − y*_t (leading axis: a stack)."""

    h: np.ndarray
    x: np.ndarray
    errors: np.ndarray

    @property
    def batch(self) -> int:
        return self.x.shape[-3]


def sampled_history(student: RNN, teacher: RNN, x: np.ndarray, loss: str = "final") -> SampledHistory:
    check_compatible(student, teacher)
    check_loss(loss)
    h = run(student, x)
    T = x.shape[-2]
    if loss == "final":
        errors = np.zeros(x.shape[:-1] + (student.o,))
        errors[..., -1, :] = h[..., T, :] @ student.A.mT - run(teacher, x)[..., T, :] @ teacher.A.mT
    else:  # A^T with an axis for the batch: (..., 1, n, o)
        At, As_t = student.A.mT[..., None, :, :], teacher.A.mT[..., None, :, :]
        errors = (h[..., 1:, :] @ At - run(teacher, x)[..., 1:, :] @ As_t) / T
    return SampledHistory(h=h, x=x, errors=errors)


def readout_update(hist: SampledHistory) -> np.ndarray:
    """ΔA = mean_batch Σ_t ε_t h_t^T (delta rule, docs/model.md §2.1)."""
    lead = hist.errors.shape[:-3]
    errors = hist.errors.reshape(lead + (-1, hist.errors.shape[-1]))
    states = hist.h[..., 1:, :].reshape(lead + (errors.shape[-2], -1))
    return errors.mT @ states / hist.batch


def backward_filter(signal: np.ndarray, decay, matrix: bool | None = None) -> np.ndarray:
    """λ_s = signal_s + decay ∘ λ_{s+1} (λ_T = 0) over axis -2 of signal (..., batch, T, n).

    decay: a scalar or per-unit decays broadcast against λ (n,) or (..., 1, n) (elementwise),
    or a matrix D (..., n, n) acting as λ D. matrix=None tells them apart by the last two axes
    (square: a matrix; a per-unit decay of a stack carries an axis of size 1 for the batch).
    """
    if matrix is None:
        matrix = np.ndim(decay) >= 2 and np.shape(decay)[-1] == np.shape(decay)[-2] == signal.shape[-1] > 1
    lam = np.empty_like(signal)
    carry = np.zeros_like(signal[..., 0, :])
    for s in range(signal.shape[-2] - 1, -1, -1):
        carry = signal[..., s, :] + (carry @ decay if matrix else carry * decay)
        lam[..., s, :] = carry
    return lam


def weight_updates(lam: np.ndarray, hist: SampledHistory) -> tuple[np.ndarray, np.ndarray]:
    """ΔW = mean_batch Σ_s λ_s h_s^T and ΔB = mean_batch Σ_s λ_s x_s^T: one matmul each."""
    lead, n = lam.shape[:-3], lam.shape[-1]
    flat = lam.reshape(lead + (-1, n)).mT / hist.batch
    states = hist.h[..., :-1, :].reshape(lead + (-1, n))
    return flat @ states, flat @ hist.x.reshape(lead + (-1, hist.x.shape[-1]))


def sampled_update(hist: SampledHistory, lam: np.ndarray) -> RNN:
    dW, dB = weight_updates(lam, hist)
    return RNN(readout_update(hist), dW, dB)


@dataclass(frozen=True)
class LagHistory:
    """Minibatch correlations of the final error ε_T = y_T − y*_T with the history,
    lag-indexed like `expectations.FiniteHistory`:
    Ex[m] = mean_b ε_T x_{T-1-m}^T (..., T, o, d), Eh[m] = mean_b ε_T h_{T-1-m}^T (..., T, o, n),
    readout = mean_b ε_T h_T^T (the delta-rule ΔA), errors = ε_T (..., batch, o)."""

    Ex: np.ndarray
    Eh: np.ndarray
    readout: np.ndarray
    errors: np.ndarray


def final_output(rnn: RNN, x_tm: np.ndarray) -> np.ndarray:
    """y_T = A h_T = Σ_{k<T} (A W^k B) x_{T-1-k}, shape (..., batch, o), from x_tm (..., T, batch, d).

    The kernels A W^k B come from `linalg.power_rows` (O(T·o·n² + n³ log T)); applying them
    is one (batch × T·d)·(T·d × o) product. Used for the teacher, whose states are not needed.
    """
    T, batch, d = x_tm.shape[-3:]
    kernels = power_rows(rnn.A, rnn.W, T) @ rnn.B[..., None, :, :]  # (..., T, o, d): A W^k B
    x_rev = np.swapaxes(x_tm[..., ::-1, :, :], -3, -2).reshape(x_tm.shape[:-3] + (batch, T * d))  # lag k = T-1-t
    return x_rev @ kernels.mT.reshape(kernels.shape[:-3] + (T * d, rnn.o))


def final_step_history(student: RNN, teacher: RNN, x: np.ndarray) -> LagHistory:
    """Correlations of ε_T with h_{T-1-m} and x_{T-1-m} over a minibatch x (..., batch, T, d)."""
    check_compatible(student, teacher)
    x = check_inputs(student, x)
    batch, T, _ = x.shape[-3:]
    x_tm = np.ascontiguousarray(np.swapaxes(x, -3, -2))
    h = run_time_major(student, x_tm)  # (..., T+1, batch, n)
    errors = h[..., T, :, :] @ student.A.mT - final_output(teacher, x_tm)
    scaled = errors.mT / batch  # (..., o, batch)
    Eh = np.matmul(scaled[..., None, :, :], h[..., T - 1 :: -1, :, :])  # Eh[m] uses h_{T-1-m}
    Ex = np.matmul(scaled[..., None, :, :], x_tm[..., ::-1, :, :])
    return LagHistory(Ex=Ex, Eh=Eh, readout=scaled @ h[..., T, :, :], errors=errors)


def check_inputs(rnn: RNN, x) -> np.ndarray:
    """x as floats, shape (batch, T, d) for one network or (S, batch, T, d) for a stack of S."""
    x = np.asarray(x, dtype=float)
    want = 3 if rnn.stack is None else 4
    if x.ndim != want or x.shape[-1] != rnn.d or (rnn.stack is not None and x.shape[0] != rnn.stack):
        shape = "(batch, T, d={})".format(rnn.d) if rnn.stack is None else f"(S={rnn.stack}, batch, T, d={rnn.d})"
        raise ValueError(f"x must have shape {shape}, got {x.shape}")
    return x


def lag_update(weights: np.ndarray, hist) -> tuple[np.ndarray, np.ndarray]:
    """ΔW = Σ_m Φ_m^T Eh[m] and ΔB = Σ_m Φ_m^T Ex[m] over the lags m < len(weights).

    weights Φ: (..., lags, o, n); hist: a `LagHistory` or `expectations.FiniteHistory`. Each
    sum is one (n × lags·o)·(lags·o × ·) matmul per member of a stack.
    """
    lags, o, n = weights.shape[-3:]
    lead = hist.Eh.shape[:-3]
    if weights.shape[:-3] != lead:  # one set of weights for a stack
        lead = np.broadcast_shapes(weights.shape[:-3], lead)
        weights = np.broadcast_to(weights, lead + weights.shape[-3:])
    phi = weights.reshape(lead + (lags * o, n)).mT
    dW = phi @ hist.Eh[..., :lags, :, :].reshape(lead + (lags * o, -1))
    dB = phi @ hist.Ex[..., :lags, :, :].reshape(lead + (lags * o, -1))
    return dW, dB
