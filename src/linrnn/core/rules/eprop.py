"""e-prop as RFLO with diag(W) as per-neuron trace decay (docs/model.md §2.1 [I]).

e_{ij,t} = W_ii e_{ij,t-1} + h_{j,t-1},  ΔW_ij = (F^T ε_T)_i e_{ij,T}, and likewise for B with x.
F is the random feedback R ("random", default) or the current readout A ("symmetric").
T→∞ [D]: row i of ΔW = F_i^T [A (I − W_ii W)^{-1} W C − A* (I − W_ii W*)^{-1} W* C×],
         row i of ΔB = F_i^T [A (I − W_ii W)^{-1} B − A* (I − W_ii W*)^{-1} B*].
"""

from __future__ import annotations

import numpy as np

from linrnn.core.expectations import finite_history, readout_update, stationary
from linrnn.core.linalg import resolvent_rows
from linrnn.core.model import RNN
from linrnn.core.rules.base import Rule, RuleOptions
from linrnn.core.sampling import (
    backward_filter,
    final_step_history,
    lag_update,
    sampled_history,
    sampled_update,
)
from linrnn.core.stein import NotConvergentError


def feedback_matrix(student: RNN, opts: RuleOptions) -> np.ndarray:
    if opts.eprop_feedback == "symmetric":
        return student.A
    return opts.require_feedback(student.o, student.n)


def expected(student: RNN, teacher: RNN, opts: RuleOptions, T: int | None = None, stat=None) -> RNN:
    F = feedback_matrix(student, opts)
    decays = np.diagonal(student.W, axis1=-2, axis2=-1).copy()
    if T is None:
        if np.any(np.abs(decays) >= 1):
            raise NotConvergentError("e-prop traces need |W_ii| < 1 for the T→∞ limit")
        s = stat or stationary(student, teacher)
        dA = readout_update(student, teacher, T, s)
        powers, powers_star = s.powers or (None, None)  # the squarings of W, W* the step made
        rows = resolvent_rows(student.W, F.mT @ student.A, decays, powers)
        rows_star = resolvent_rows(teacher.W, F.mT @ teacher.A, decays, powers_star)
        dW = rows @ student.W @ s.C - rows_star @ teacher.W @ s.Cx
        dB = rows @ student.B - rows_star @ teacher.B
        return RNN(dA, dW, dB)
    return _from_history(F, decays, finite_history(student, teacher, T, opts.loss))


def _from_history(F: np.ndarray, decays: np.ndarray, hist) -> RNN:
    """ΔW_ip = Σ_m W_ii^m Σ_o F_oi Eh[m]_op (Φ_m = F diag(W)^m), likewise ΔB with Ex; exact or
    minibatch lag correlations (see `sampling`)."""
    lags = np.arange(hist.Eh.shape[-3])[:, None, None]
    weights = F[..., None, :, :] * decays[..., None, None, :] ** lags
    dW, dB = lag_update(weights, hist)
    return RNN(hist.readout, dW, dB)


def sampled(student: RNN, teacher: RNN, opts: RuleOptions, x: np.ndarray) -> RNN:
    """λ_{s,i} = (F^T ε_{s+1})_i + W_ii λ_{s+1,i}: per-neuron traces read backwards, so no
    per-synapse trace is ever stored (see `sampling`)."""
    F = feedback_matrix(student, opts)
    if opts.loss == "final":  # per-neuron traces weighted by ε_T: Φ_m = F diag(W)^m
        decays = np.diagonal(student.W, axis1=-2, axis2=-1).copy()
        return _from_history(F, decays, final_step_history(student, teacher, x))
    hist = sampled_history(student, teacher, x, opts.loss)
    decays = np.diagonal(student.W, axis1=-2, axis2=-1)[..., None, :]  # an axis for the batch
    return sampled_update(hist, backward_filter(hist.errors @ F[..., None, :, :], decays))


RULE = Rule(
    name="eprop",
    expected=expected,
    sampled=sampled,
    label="e-prop",
    color="#9b3fb5",
    description="per-neuron trace decay diag(W); feedback R or A (opts.eprop_feedback)",
)
