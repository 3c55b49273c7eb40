"""Random feedback local online learning (Murray 2019, adapted; docs/model.md §2.1, poster).

W replaced by ŵ I in credit assignment, A^T by a fixed random R^T:
ΔW = R^T E[ε_T e_T^T], e_t = ŵ e_{t-1} + h_{t-1};  ΔB = R^T E[ε_T e^{(b)T}_T], e^{(b)}_t = ŵ e^{(b)}_{t-1} + x_{t-1}.
T→∞ [D]: ΔW = R^T (A (I − ŵW)^{-1} W C − A* (I − ŵW*)^{-1} W* C×),
         ΔB = R^T (A (I − ŵW)^{-1} B − A* (I − ŵW*)^{-1} B*).
"""

from __future__ import annotations

import numpy as np

from linrnn.core import modes
from linrnn.core.expectations import finite_history, readout_update, stationary
from linrnn.core.model import RNN
from linrnn.core.rules.base import ModeDynamics, Rule, RuleOptions
from linrnn.core.sampling import backward_filter, final_step_history, sampled_history, sampled_update


def _leaky_resolvent(A: np.ndarray, W: np.ndarray, w_hat: float) -> np.ndarray:
    """A (I − ŵ W)^{-1} = Σ_m ŵ^m A W^m (exactly A for ŵ = 0)."""
    if w_hat == 0:
        return A
    return np.linalg.solve((np.eye(W.shape[-1]) - w_hat * W).mT, A.mT).mT


def expected(student: RNN, teacher: RNN, opts: RuleOptions, T: int | None = None, stat=None) -> RNN:
    R = opts.require_feedback(student.o, student.n)
    if T is None:
        s = stat or stationary(student, teacher)
        dA = readout_update(student, teacher, T, s)
        AR = _leaky_resolvent(student.A, student.W, opts.w_hat)
        AsR = _leaky_resolvent(teacher.A, teacher.W, opts.w_hat)
        dW = R.mT @ (AR @ student.W @ s.C - AsR @ teacher.W @ s.Cx)
        dB = R.mT @ (AR @ student.B - AsR @ teacher.B)
        return RNN(dA, dW, dB)
    return _from_history(R, opts.w_hat, finite_history(student, teacher, T, opts.loss))


def _from_history(R: np.ndarray, w_hat: float, hist) -> RNN:
    """ΔW = R^T Σ_m ŵ^m Eh[m], ΔB = R^T Σ_m ŵ^m Ex[m] (Φ_m = ŵ^m R), ΔA = readout, with the
    exact or minibatch lag correlations (see `sampling`)."""
    decay = w_hat ** np.arange(hist.Eh.shape[-3])
    dW = R.mT @ np.tensordot(decay, hist.Eh, axes=([0], [-3]))
    dB = R.mT @ np.tensordot(decay, hist.Ex, axes=([0], [-3]))
    return RNN(hist.readout, dW, dB)


def sampled(student: RNN, teacher: RNN, opts: RuleOptions, x: np.ndarray) -> RNN:
    """λ_s = R^T ε_{s+1} + ŵ λ_{s+1}: the leaky trace e_t read backwards (see `sampling`)."""
    R = opts.require_feedback(student.o, student.n)
    if opts.loss == "final":  # the trace e_T weighted by ε_T: Φ_m = ŵ^m R
        return _from_history(R, opts.w_hat, final_step_history(student, teacher, x))
    hist = sampled_history(student, teacher, x, opts.loss)
    return sampled_update(hist, backward_filter(hist.errors @ R[..., None, :, :], opts.w_hat))


RULE = Rule(
    name="rflo",
    expected=expected,
    sampled=sampled,
    label="RFLO",
    color="#2a9d4b",
    description="random feedback R, scalar trace decay ŵ (opts.feedback, opts.w_hat)",
    modes=ModeDynamics(
        update=modes.rflo_mode_update,
        jacobian=modes.rflo_mode_jacobian,
        params=("a_hat", "w_hat"),
        defaults={"a_hat": 1.0, "w_hat": 0.0},
        trace_det=modes.rflo_trace_det,
    ),
)
