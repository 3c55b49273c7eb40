"""One training loop for every rule: θ ← θ − η Δθ (SPEC §1.1).

estimator="expected": Δθ = E_x[Δθ] in closed form (deterministic; T=None is T→∞);
estimator="sampled": Δθ averaged over a fresh minibatch of white-noise sequences each step.
A run that produces non-finite weights, a loss above `loss_limit`, or (T→∞) a recurrent
spectral radius ≥ 1 stops with status "diverged" and the step at which it happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linrnn.core.losses import expected_loss
from linrnn.core.model import RNN, Bases, check_compatible, mode_projection, sample_inputs
from linrnn.core.rules import RuleOptions, get_rule
from linrnn.core.stein import NotConvergentError
from linrnn.core.validation import check_positive_int

ESTIMATORS = ("expected", "sampled")


@dataclass
class TrainResult:
    """Recorded trajectory. Arrays are indexed by record; `time` = η · steps."""

    status: str
    message: str
    diverged_step: int
    steps: np.ndarray
    time: np.ndarray
    loss: np.ndarray
    A: np.ndarray
    W: np.ndarray
    B: np.ndarray
    modes: np.ndarray | None
    final: RNN = field(repr=False)

    def arrays(self) -> dict[str, np.ndarray]:
        """Plain numpy arrays for np.savez (no pickles)."""
        out = {
            "status": np.array(self.status),
            "message": np.array(self.message),
            "diverged_step": np.array(self.diverged_step),
            "steps": self.steps,
            "time": self.time,
            "loss": self.loss,
            "A": self.A,
            "W": self.W,
            "B": self.B,
        }
        if self.modes is not None:
            out["modes"] = self.modes
        return out


def _check_settings(estimator, T, batch, eta, steps, record_every, rng) -> None:
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta (learning rate) must be a positive number, got {eta!r}")
    if not (isinstance(steps, int | np.integer) and steps >= 0):
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    check_positive_int("record_every", record_every)
    if T is not None:
        check_positive_int("T", T)
    if estimator == "sampled":
        if T is None:
            raise ValueError("T: the sampled estimator needs a finite sequence length T (≥ 1)")
        check_positive_int("batch", batch)
        if rng is None:
            raise ValueError("rng: the sampled estimator needs an explicit numpy.random.Generator")


def _instability(params: RNN, T: int | None) -> str:
    """Cheap per-step check; returns '' for a healthy state, else the reason."""
    if not params.is_finite():
        return "non-finite weights"
    if T is None and params.spectral_radius() >= 1:
        return "spectral radius of W reached 1 (T→∞ limit undefined)"
    return ""


def _loss_or_reason(params: RNN, teacher: RNN, T: int | None, loss_kind: str, loss_limit: float) -> tuple[float, str]:
    """Closed-form loss at a record step, or the reason it marks a divergence."""
    try:
        loss = expected_loss(params, teacher, T, loss_kind)
    except NotConvergentError as err:
        return np.nan, str(err)
    if not np.isfinite(loss) or loss > loss_limit:
        return loss, f"loss {loss:.3g} exceeded loss_limit {loss_limit:.3g}"
    return loss, ""


def train(
    rule: str,
    student: RNN,
    teacher: RNN,
    *,
    opts: RuleOptions | None = None,
    eta: float,
    steps: int,
    estimator: str = "expected",
    T: int | None = None,
    batch: int | None = None,
    rng: np.random.Generator | None = None,
    record_every: int = 1,
    bases: Bases | None = None,
    k: int | None = None,
    hidden: str = "teacher",
    loss_limit: float = 1e10,
) -> TrainResult:
    """Train `student` towards `teacher` with a registered rule; see module docstring.

    With `bases`, each record also stores the k mode values (a, b, w) read with
    `model.mode_projection(..., hidden=hidden)`.
    """
    learning_rule = get_rule(rule)
    opts = opts or RuleOptions()
    check_compatible(student, teacher)
    _check_settings(estimator, T, batch, eta, steps, record_every, rng)
    if bases is not None and k is None:
        k = min(student.n, student.d, student.o)

    rec_steps, losses, As, Ws, Bs, modes = [], [], [], [], [], []
    status, message, diverged_step = "ok", "", -1
    params = student
    reason = _instability(params, T)
    if reason:
        raise ValueError(f"student: the initial state is invalid for training: {reason}")
    for step in range(steps + 1):
        if step % record_every == 0 or step == steps:
            loss, reason = _loss_or_reason(params, teacher, T, opts.loss, loss_limit)
            if reason and step > 0:
                status, diverged_step = "diverged", step
                message = f"diverged at step {step}: {reason}"
                break
            rec_steps.append(step)
            losses.append(loss)
            As.append(params.A)
            Ws.append(params.W)
            Bs.append(params.B)
            if bases is not None:
                modes.append(np.stack(mode_projection(params, bases, k, hidden), axis=-1))
        if step == steps:
            break
        try:
            if estimator == "expected":
                update = learning_rule.expected(params, teacher, opts, T)
            else:
                x = sample_inputs(rng, batch, T, student.d)
                update = learning_rule.sampled(params, teacher, opts, x)
            candidate = params.step(update, eta)
            reason = _instability(candidate, T)
        except (NotConvergentError, FloatingPointError, np.linalg.LinAlgError) as err:
            reason = str(err)
        if reason:
            status, diverged_step = "diverged", step + 1
            message = f"diverged at step {step + 1}: {reason}"
            break
        params = candidate

    steps_arr = np.array(rec_steps, dtype=np.int64)
    return TrainResult(
        status=status,
        message=message,
        diverged_step=diverged_step,
        steps=steps_arr,
        time=eta * steps_arr,
        loss=np.array(losses),
        A=np.array(As),
        W=np.array(Ws),
        B=np.array(Bs),
        modes=np.array(modes) if bases is not None else None,
        final=params,
    )
