"""Truncated BPTT with window τ (docs/model.md §2.1, §2.2).

ΔW = Σ_{m<τ} (W^m)^T A^T E[ε_T h_{T-1-m}^T],  ΔB = Σ_{m<τ} (W^m)^T A^T E[ε_T x_{T-1-m}^T].
T→∞ closed form [D]: with Z1^(τ) = Σ_{m<τ} (W^m)^T A^T A W^m and Z2^(τ) = Σ_{m<τ} (W^m)^T A^T A* W*^m,
ΔW = Z1^(τ) W C − Z2^(τ) W* C×,  ΔB = Z1^(τ) B − Z2^(τ) B*. τ = ∞ (window=None) is BPTT.
"""

from __future__ import annotations

import numpy as np

from linrnn.core import modes
from linrnn.core.expectations import Stationary, finite_history, readout_update, stationary
from linrnn.core.linalg import power_rows
from linrnn.core.model import RNN
from linrnn.core.rules.base import ModeDynamics, Rule, RuleOptions
from linrnn.core.sampling import (
    backward_filter,
    final_step_history,
    lag_update,
    sampled_history,
    sampled_update,
)
from linrnn.core.stein import stein_sum, stein_sums


def backprop_expected(
    student: RNN, teacher: RNN, T: int | None, window: int | None, loss: str = "final", stat: Stationary | None = None
) -> RNN:
    """Expected update of BPTT truncated to `window` lags (None: no truncation)."""
    A, W, B = student.A, student.W, student.B
    if T is None:
        At = A.mT
        if window is None:  # C, C×, Z1, Z2 in one doubling loop sharing W^{2^j}, W*^{2^j}
            W_, Ws_ = (0, False), (1, False)
            Wt_ = (0, True)
            adjoint = [(Wt_, At @ A, W_), (Wt_, At @ teacher.A, Ws_)]
            if stat is None:
                Bt = B.mT
                C, Cx, Z1, Z2 = stein_sums([W, teacher.W], [(W_, B @ Bt, Wt_), (Ws_, teacher.B @ Bt, Wt_), *adjoint])
                s = Stationary(C=C, Cx=Cx)
            else:  # reuse the squarings of the step's covariances
                s = stat
                Z1, Z2 = stein_sums(list(stat.powers), adjoint)
        else:
            s = stat or stationary(student, teacher)
            Z1 = stein_sum(W.mT, At @ A, W, window)
            Z2 = stein_sum(W.mT, At @ teacher.A, teacher.W, window)
        dA = readout_update(student, teacher, T, s)
        dW = Z1 @ W @ s.C - Z2 @ teacher.W @ s.Cx
        dB = Z1 @ B - Z2 @ teacher.B
        return RNN(dA, dW, dB)
    return _from_history(student, finite_history(student, teacher, T, loss), T, window)


def _from_history(student: RNN, hist, T: int, window: int | None) -> RNN:
    """ΔW = Σ_{m<lags} (A W^m)^T Eh[m], ΔB = Σ_{m<lags} (A W^m)^T Ex[m], ΔA = readout, with
    the exact (`finite_history`) or minibatch (`final_step_history`) correlations."""
    lags = T if window is None else min(window, T)
    dW, dB = lag_update(power_rows(student.A, student.W, lags), hist)  # Φ_m = A W^m
    return RNN(hist.readout, dW, dB)


def backprop_sampled(student: RNN, teacher: RNN, x: np.ndarray, window: int | None, loss: str = "final") -> RNN:
    """Minibatch (truncated) BPTT: λ_s = Σ_{m<window} (W^m)^T A^T ε_{s+1+m} (see `sampling`).

    Final-step loss: λ_{T-1-m} = (A W^m)^T ε_T, so the update is the lag sum of
    `_from_history` over the minibatch correlations (no batch of adjoints is propagated).
    """
    if loss == "final":
        return _from_history(student, final_step_history(student, teacher, x), x.shape[-2], window)
    hist = sampled_history(student, teacher, x, loss)
    signal = hist.errors @ student.A[..., None, :, :]  # row s: (A^T ε_{s+1})^T
    T = x.shape[-2]
    if window is None or window >= T:
        return sampled_update(hist, backward_filter(signal, student.W, matrix=True))
    W = student.W[..., None, :, :]  # an axis for the batch
    lam, term = signal.copy(), signal
    for _ in range(1, window):  # term_m[..., s, :] = (W^m)^T A^T ε_{s+1+m}
        term = np.concatenate([term[..., 1:, :], np.zeros_like(term[..., :1, :])], axis=-2) @ W
        lam += term
    return sampled_update(hist, lam)


def expected(student: RNN, teacher: RNN, opts: RuleOptions, T: int | None = None, stat=None) -> RNN:
    return backprop_expected(student, teacher, T, opts.tau, opts.loss, stat)


def sampled(student: RNN, teacher: RNN, opts: RuleOptions, x: np.ndarray) -> RNN:
    return backprop_sampled(student, teacher, x, opts.tau, opts.loss)


RULE = Rule(
    name="tbptt",
    expected=expected,
    sampled=sampled,
    label="tBPTT",
    color="#e08a1e",
    description="BPTT truncated to the last τ steps (opts.tau, default 1)",
    modes=ModeDynamics(
        update=modes.tbptt_mode_update,
        jacobian=modes.tbptt_mode_jacobian,
        params=("tau",),
        defaults={"tau": 1},
        has_nonoptimal_manifold=True,
        trace_det=modes.tbptt_trace_det,
    ),
)
