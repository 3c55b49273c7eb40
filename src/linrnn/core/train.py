"""One training loop for every rule and a whole stack of students: θ ← θ − η Δθ (docs/model.md §1.1).

estimator="expected": Δθ = E_x[Δθ] in closed form (deterministic; T=None is T→∞);
estimator="sampled": Δθ averaged over a fresh minibatch of white-noise sequences each step.

A stack of S students (`model.RNN` with a leading axis) trains as one: every step is one
update of the whole stack, and each student keeps its own status and step. Every run ends in
exactly one of four states (`END_STATES`), decided at record steps:
- "converged": the loss reached the criterion, loss ≤ rel_loss · initial loss (`StopRule`);
- "stalled": the loss plateaued above it: over the last `stall_window` of learning time the
  loss fell by less than the fraction `stall_decrease` (`StopRule`);
- "diverged": non-finite weights, a loss above `loss_limit`, or (T→∞) no stationary state
  (the Stein sums of the step do not converge: a spectral radius reached 1);
- "budget_exhausted": none of these within `steps`.
A student that ends is frozen (its records stop there) and the rest of the stack goes on, so
a stacked run gives each student the numbers it gets when trained alone.

The T→∞ expected estimator does no separate stability check: the step's Stein doubling converges only
if ρ(W) < 1 and its power norms certify it (`stein`); `eigvals` is used only to name the
reason when the doubling fails. The loss at record steps comes from the step's own
covariances, the teacher's squarings and loss term are computed once per training.
"""

from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from linrnn.core import projection
from linrnn.core.expectations import stationary
from linrnn.core.losses import expected_loss, stationary_loss, teacher_loss_term
from linrnn.core.model import RNN, Bases, check_compatible, sample_inputs
from linrnn.core.rules import RuleOptions, get_rule
from linrnn.core.stein import NotConvergentError, Powers
from linrnn.core.validation import check_positive_int

ESTIMATORS = ("expected", "sampled")
END_STATES = ("converged", "stalled", "diverged", "budget_exhausted")
_FAILURES = (NotConvergentError, FloatingPointError, np.linalg.LinAlgError)


@dataclass(frozen=True)
class StopRule:
    """When a run ends before its budget (module docstring).

    rel_loss: converged once loss ≤ rel_loss · initial loss (None: no convergence criterion).
    stall_window: learning time (η · steps) of the plateau rule (None: never stalled).
    stall_decrease: stalled when (L(t − window) − L(t)) / L(t − window) < this.
    early: stop a converged or stalled run at once; if False the run uses its whole budget
        and the criteria are applied to its last record only.
    """

    rel_loss: float | None = None
    stall_window: float | None = None
    stall_decrease: float = 1e-3
    early: bool = True

    def __post_init__(self) -> None:
        for name in ("rel_loss", "stall_window"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number or None, got {value!r}")
        if not (np.isfinite(self.stall_decrease) and self.stall_decrease >= 0):
            raise ValueError(f"stall_decrease must be a non-negative number, got {self.stall_decrease!r}")


@dataclass
class TrainResult:
    """Recorded trajectory of one student. Arrays are indexed by record; `time` = η · steps.

    status: one of END_STATES; diverged_step: the first invalid state's step (-1 if none).
    """

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


def _check_settings(estimator, T, batch, eta, steps, record_every, rngs) -> None:
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
        if rngs is None or any(not isinstance(r, np.random.Generator) for r in rngs):
            raise ValueError("rng: the sampled estimator needs an explicit numpy.random.Generator (one per student)")


def _as_rngs(rng, size: int) -> list | None:
    if rng is None:
        return None
    rngs = [rng] if isinstance(rng, np.random.Generator) else list(rng)
    if len(rngs) != size:
        raise ValueError(f"rng: a stack of {size} students needs {size} generators, got {len(rngs)}")
    return rngs


def _take_opts(opts: RuleOptions, index) -> RuleOptions:
    R = opts.feedback
    if R is None or np.ndim(R) < 3:
        return opts
    return dataclasses.replace(opts, feedback=np.asarray(R)[index])


def _stack_teacher(teacher: RNN, size: int) -> RNN:
    if teacher.stack is not None and teacher.stack != size:
        raise ValueError(f"teacher: a stack of {teacher.stack} teachers for {size} students")
    return teacher


class _Stack:
    """The students still training: their weights, teachers, options and caches, indexed by
    `ids` (positions in the original stack)."""

    def __init__(self, params: RNN, teacher: RNN, opts: RuleOptions, rngs, expected_infinite: bool):
        self.ids = np.arange(params.stack)
        self.params, self.teacher, self.opts, self.rngs = params, teacher, opts, rngs
        self.teacher_powers = Powers(teacher.W) if expected_infinite else None
        self.teacher_term = teacher_loss_term(teacher) if expected_infinite else None

    def keep(self, mask: np.ndarray) -> None:
        """Drop the members where mask is False."""
        if mask.all():
            return
        index = np.flatnonzero(mask)
        self.ids = self.ids[index]
        self.params = self.params.take(index)
        self.opts = _take_opts(self.opts, index)
        if self.rngs is not None:
            self.rngs = [self.rngs[i] for i in index]
        if self.teacher.stack is not None:
            self.teacher = self.teacher.take(index)
            if self.teacher_powers is not None:
                self.teacher_powers = self.teacher_powers.take(index)
                self.teacher_term = self.teacher_term[index]

    def member(self, i: int) -> _Stack:
        one = _Stack.__new__(_Stack)
        one.ids = self.ids[i : i + 1]
        one.params = self.params.take(slice(i, i + 1))
        one.opts = _take_opts(self.opts, slice(i, i + 1))
        one.rngs = None
        one.teacher = self.teacher if self.teacher.stack is None else self.teacher.take(slice(i, i + 1))
        one.teacher_powers, one.teacher_term = None, None
        return one


def _reason(err: Exception, params: RNN) -> str:
    """Why a member's computation failed; eigvals only here (the fallback)."""
    if not params.is_finite():
        return "non-finite weights"
    if isinstance(err, NotConvergentError):
        try:
            rho = float(np.max(params.spectral_radius()))
        except np.linalg.LinAlgError:
            rho = np.nan
        if not rho < 1:
            return f"spectral radius of W reached 1 (ρ = {rho:.6g}; T→∞ limit undefined)"
    return str(err)


def _guarded(compute: Callable[[_Stack], object], stack: _Stack) -> tuple[object, dict[int, str]]:
    """compute(stack) for the whole stack; if it fails, find the failing members one by one,
    drop them, and compute again for the rest. Returns (result, {id: reason})."""
    try:
        return compute(stack), {}
    except _FAILURES as err:
        if stack.params.stack == 1:
            return None, {int(stack.ids[0]): _reason(err, stack.params)}
    failed = {}
    for i in range(stack.params.stack):
        one = stack.member(i)
        try:
            compute(one)
        except _FAILURES as err:
            failed[int(one.ids[0])] = _reason(err, one.params)
    if not failed:  # the stack as a whole failed, every member alone did not: not expected
        raise RuntimeError("training: a stacked computation failed but no single student does")
    stack.keep(~np.isin(stack.ids, list(failed)))
    if stack.params.stack == 0:
        return None, failed
    result, more = _guarded(compute, stack)
    return result, {**failed, **more}


@np.errstate(over="ignore", invalid="ignore")  # an overflow ends that student as "diverged"
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
    rng: np.random.Generator | Sequence[np.random.Generator] | None = None,
    record_every: int = 1,
    bases: Bases | None = None,
    k: int | None = None,
    hidden: str = "teacher",
    loss_limit: float = 1e10,
    stop: StopRule | None = None,
    progress: Callable[[str], None] | None = None,
    progress_every: float = 10.0,
) -> TrainResult | list[TrainResult]:
    """Train `student` (one network or a stack of S) towards `teacher` (one, or a stack of S)
    with a registered rule; see the module docstring.

    A stack returns one TrainResult per student; the sampled estimator then needs one generator per
    student (`rng` a sequence), each drawing that student's minibatches exactly as it would
    alone. With `bases`, each record also stores the k mode values (a, b, w) read with
    `linrnn.core.projection` in the hidden basis `hidden` ("teacher" or "final"). `progress`, if given, receives a line
    (step, loss, elapsed, estimated remaining) every `progress_every` seconds of wall time.
    """
    learning_rule = get_rule(rule)
    takes_stat = "stat" in inspect.signature(learning_rule.expected).parameters
    opts = opts or RuleOptions()
    stop = stop or StopRule()
    check_compatible(student, teacher)
    single = student.stack is None
    students = RNN.stacked([student]) if single else student
    size = students.stack
    if single and teacher.stack is not None:
        raise ValueError("teacher: a stack of teachers needs a stack of students")
    teacher = _stack_teacher(teacher, size)
    if single and opts.feedback is not None and np.ndim(opts.feedback) == 2:
        opts = dataclasses.replace(opts, feedback=np.asarray(opts.feedback, dtype=float)[None])
    rngs = _as_rngs(rng, size)
    _check_settings(estimator, T, batch, eta, steps, record_every, rngs)
    if bases is not None and k is None:
        k = min(students.n, students.d, students.o)
    infinite = estimator == "expected" and T is None
    if not students.is_finite():
        bad = np.flatnonzero(~students.finite())
        raise ValueError(f"student: the initial state is invalid for training (students {bad.tolist()}): non-finite")

    stack = _Stack(students, teacher, opts, rngs, infinite)
    status = np.full(size, "budget_exhausted", dtype=object)
    messages = np.full(size, "", dtype=object)
    diverged_step = np.full(size, -1, dtype=np.int64)
    final: list[RNN | None] = [None] * size  # None: the last record (a diverged run)
    records = []  # (step, ids, loss, A, W, B, modes) of the students active at that record
    loss_hist = np.full((size, steps // record_every + 2), np.nan)
    record_steps: list[int] = []
    window_steps = None if stop.stall_window is None else stop.stall_window / eta

    def diverge(reasons: dict[int, str], at: int) -> None:
        if not reasons:
            return
        for sid, reason in reasons.items():
            status[sid], diverged_step[sid] = "diverged", at
            messages[sid] = f"diverged at step {at}: {reason}"
        stack.keep(~np.isin(stack.ids, list(reasons)))

    def stationary_of(s: _Stack):
        return stationary(s.params, s.teacher, s.teacher_powers)

    def record_loss(s: _Stack, stat):
        if stat is not None:
            return stationary_loss(s.params, s.teacher, stat, s.teacher_term)
        return np.atleast_1d(expected_loss(s.params, s.teacher, T, opts.loss))

    started = last_report = time.monotonic()
    for step in range(steps + 1):
        is_record = step % record_every == 0 or step == steps
        stat = None
        if infinite:  # the state's covariances: they certify ρ(W) < 1 and give the loss
            stat, failed = _guarded(stationary_of, stack)
            if failed and step == 0:
                raise ValueError(f"student: the initial state is invalid for training: {next(iter(failed.values()))}")
            diverge(failed, step)
            if not stack.ids.size:
                break
        if is_record:
            loss = record_loss(stack, stat)
            bad = ~np.isfinite(loss) | (loss > loss_limit)
            if step > 0 and bad.any():
                reasons = {
                    int(stack.ids[j]): f"loss {loss[j]:.3g} exceeded loss_limit {loss_limit:.3g}"
                    for j in np.flatnonzero(bad)
                }
                diverge(reasons, step)
                loss, stat = loss[~bad], None
                if not stack.ids.size:
                    break
            j = len(record_steps)
            record_steps.append(step)
            loss_hist[stack.ids, j] = loss
            p = stack.params
            modes = None
            if bases is not None:
                modes = np.stack(
                    [np.stack(_mode_values(p.take(i), bases, k, hidden), axis=-1) for i in range(len(loss))]
                )
            records.append((step, stack.ids.copy(), loss, p.A, p.W, p.B, modes))
            done = _ended(stop, loss_hist[stack.ids], j, record_steps, window_steps, last=step == steps)
            if (done != "").any():
                for i in np.flatnonzero(done != ""):
                    sid = int(stack.ids[i])
                    status[sid], final[sid] = done[i], p.take(i)
                stack.keep(done == "")
                stat = None
                if not stack.ids.size:
                    break
        if step == steps:
            for i, sid in enumerate(stack.ids):
                final[sid] = stack.params.take(i)  # status stays "budget_exhausted"
            break
        if infinite and stat is None:  # the stack shrank at this record
            stat = stationary_of(stack)
        x_by_id = {}
        if estimator == "sampled":  # drawn once per step, so a retry of one member reuses its minibatch
            x_by_id = {
                int(sid): sample_inputs(g, batch, T, stack.params.d)
                for sid, g in zip(stack.ids, stack.rngs, strict=True)
            }

        def update_of(s: _Stack, stat=stat, x_by_id=x_by_id):
            if estimator == "sampled":
                return learning_rule.sampled(s.params, s.teacher, s.opts, np.stack([x_by_id[i] for i in s.ids]))
            if not infinite:
                return learning_rule.expected(s.params, s.teacher, s.opts, T)
            own = stat is not None and s is stack and stat.C.shape[0] == s.params.stack
            if not takes_stat:  # a rule that computes its covariances itself
                return learning_rule.expected(s.params, s.teacher, s.opts, T)
            return learning_rule.expected(s.params, s.teacher, s.opts, T, stat=stat if own else None)

        update, failed = _guarded(update_of, stack)
        diverge(failed, step + 1)
        if not stack.ids.size:
            break
        candidate = stack.params.step(update, eta)
        if not infinite:  # T→∞: the next step's Stein sums check the candidate
            ok = candidate.finite()
            if not ok.all():
                diverge({int(sid): "non-finite weights" for sid in stack.ids[~ok]}, step + 1)
                candidate = candidate.take(np.flatnonzero(ok))
                if not stack.ids.size:
                    break
        stack.params = candidate
        if progress is not None and time.monotonic() - last_report >= progress_every:
            last_report = time.monotonic()
            progress(_progress_line(step + 1, steps, stack, size, loss_hist, last_report - started))

    results = [_assemble(i, records, status, messages, diverged_step, final, eta, bases) for i in range(size)]
    return results[0] if single else results


def _ended(stop: StopRule, hist: np.ndarray, j: int, record_steps: list[int], window_steps, last: bool) -> np.ndarray:
    """End state reached at record j by each active student: "converged", "stalled" or ""."""
    out = np.full(hist.shape[0], "", dtype=object)
    if not (stop.early or last) or j == 0:
        return out
    now, first = hist[:, j], hist[:, 0]
    if stop.rel_loss is not None:
        out[now <= stop.rel_loss * first] = "converged"
    if window_steps is not None:
        target = record_steps[j] - window_steps
        if target >= 0:
            ref = int(np.searchsorted(record_steps, target, side="right")) - 1
            before = hist[:, ref]
            flat = (before - now) < stop.stall_decrease * before
            out[(out == "") & flat] = "stalled"
    return out


def _progress_line(step, steps, stack, size, loss_hist, elapsed) -> str:
    active = stack.params.stack
    recorded = loss_hist[stack.ids] if active else loss_hist
    last = recorded[:, ~np.isnan(recorded).all(axis=0)]
    loss = float(np.nanmedian(last[:, -1])) if last.size else float("nan")
    remaining = elapsed / step * (steps - step) if step else float("nan")
    return (
        f"step {step}/{steps} ({100 * step / max(steps, 1):.0f} %), {active}/{size} students training, "
        f"median loss {loss:.4g}, elapsed {elapsed:.1f} s, remaining ≤ {remaining:.1f} s"
    )


def _mode_values(rnn, bases, k, hidden):
    """Mode values of one recorded student in its hidden basis (linrnn.core.projection)."""
    return projection.mode_values(rnn, bases, projection.hidden_basis(rnn, bases, k, hidden))


def _assemble(i, records, status, messages, diverged_step, final, eta, bases) -> TrainResult:
    steps, losses, As, Ws, Bs, modes = [], [], [], [], [], []
    for step, ids, loss, A, W, B, mode_values in records:
        pos = np.flatnonzero(ids == i)
        if not pos.size:
            continue
        j = int(pos[0])
        steps.append(step)
        losses.append(loss[j])
        As.append(A[j])
        Ws.append(W[j])
        Bs.append(B[j])
        if mode_values is not None:
            modes.append(mode_values[j])
    steps_arr = np.array(steps, dtype=np.int64)
    last = final[i]
    if last is None:  # diverged: the last valid state is the last record
        last = RNN(As[-1], Ws[-1], Bs[-1])
    return TrainResult(
        status=str(status[i]),
        message=str(messages[i]),
        diverged_step=int(diverged_step[i]),
        steps=steps_arr,
        time=eta * steps_arr,
        loss=np.array(losses),
        A=np.array(As),
        W=np.array(Ws),
        B=np.array(Bs),
        modes=np.array(modes) if bases is not None else None,
        final=last,
    )
