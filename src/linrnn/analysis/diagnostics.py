"""Diagnostics of trained networks: alignment with the teacher, rank spectra, convergence.

Hidden basis. The loss sees the hidden space only through A W^j B, so a student that is not
data-aligned learns its *own* hidden mode directions, not the teacher's P*. Every state of a run
is therefore read in one fixed hidden basis P (n×k): by default the student's final basis
P_K = polar(B_K V_k) (the orthonormal factor of B_K V_k, sign fixed so that b_i ≥ 0), or the
teacher's P*_k (config ``hidden_basis``; linrnn.core.projection, docs/model.md §1.2). Mode values are
a_i = (U^T A P)_ii, b_i = (P^T B V)_ii, w_i = (P^T W P)_ii.

Alignment metrics (docs/model.md §5 candidates, made precise here; docs/pipeline.md). With (U, V) the
teacher's data bases and P the hidden basis above, the *mode-diagonal fraction* of a weight is
the share of its squared Frobenius norm carried by the k mode-diagonal entries:
- recurrent alignment: Σ_i (P^T W P)_ii² / ‖W‖_F²;
- input alignment:     Σ_i (P^T B V)_ii² / ‖B‖_F²;
- output alignment:    Σ_i (U^T A P)_ii² / ‖A‖_F².
Each lies in [0, 1] and is 1 exactly for a data-aligned network A = U Ā P^T, W = P W̄ P^T,
B = P B̄ V^T with no weight outside the k modes; an i.i.d. random matrix gives about
k/(rows·cols).
- feedback alignment (Lillicrap et al. 2016): cos(A, R) = ⟨A, R⟩_F / (‖A‖_F ‖R‖_F) ∈ [−1, 1].
  RFLO's R is fixed, so what can align is the readout A; for BPTT/tBPTT (which never use R) it
  is a control that stays near 0.

Rank (docs/model.md §3.4, Prop. 3.1): singular values σ_1 ≥ σ_2 ≥ … of the learned changes W_K − W_0 and
B_K − B_0; the numerical rank counts σ_i > rtol·σ_1; the effective rank is the entropy rank of
Roy & Vetterli (2007), exp(−Σ p_i log p_i) with p_i = σ_i / Σσ_j (1 for rank one, r for r equal
singular values).

Convergence (config ``convergence``): a run converged when it did not diverge and its final
loss is at most ``rel_loss`` times its initial loss.
"""

from __future__ import annotations

import numpy as np

from linrnn.core.model import RNN, Bases
from linrnn.core.projection import mode_values

CONVERGED, NOT_CONVERGED, DIVERGED = "converged", "not_converged", "diverged"
STALLED, BUDGET_EXHAUSTED = "stalled", "budget_exhausted"
# the four end states a training records (linrnn.core.train.END_STATES)
END_STATES = (CONVERGED, STALLED, DIVERGED, BUDGET_EXHAUSTED)
# run or ODE statuses that end a trajectory before its time (training: linrnn.core.train END_STATES)
FAILED = ("diverged", "left_stable_region", "failed")


def mode_diagonal_fraction(M: np.ndarray, k: int) -> float:
    """ρ(M) = Σ_{i<k} M_ii² / ‖M‖_F² (NaN for a zero or non-finite matrix)."""
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M must be a matrix, got shape {M.shape}")
    k = min(int(k), *M.shape)
    total = float(np.sum(M**2))
    if not np.isfinite(total) or total == 0.0:
        return float("nan")
    diag = np.diagonal(M)[:k]
    return float(np.sum(diag**2) / total)


def cosine(X: np.ndarray, Y: np.ndarray) -> float:
    """⟨X, Y⟩_F / (‖X‖_F ‖Y‖_F) (NaN when either is zero or non-finite)."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.shape != Y.shape:
        raise ValueError(f"shapes differ: {X.shape} vs {Y.shape}")
    nx, ny = np.linalg.norm(X), np.linalg.norm(Y)
    if not (np.isfinite(nx) and np.isfinite(ny)) or nx == 0 or ny == 0:
        return float("nan")
    return float(np.sum(X * Y) / (nx * ny))


def _diag_fraction(diag: np.ndarray, M: np.ndarray) -> float:
    total = float(np.sum(np.asarray(M, dtype=float) ** 2))
    if not np.isfinite(total) or total == 0.0:
        return float("nan")
    return float(np.sum(np.asarray(diag) ** 2) / total)


def alignment(rnn: RNN, bases: Bases, P: np.ndarray, feedback: np.ndarray | None = None) -> dict:
    """All alignment metrics of one network in hidden basis P (n×k) (module docstring)."""
    a, b, w = mode_values(rnn, bases, P)
    return {
        "recurrent": _diag_fraction(w, rnn.W),
        "input": _diag_fraction(b, rnn.B),
        "output": _diag_fraction(a, rnn.A),
        "feedback": float("nan") if feedback is None else cosine(rnn.A, feedback),
    }


def singular_values(M: np.ndarray) -> np.ndarray:
    """Singular values in descending order (all NaN when M is not finite)."""
    M = np.asarray(M, dtype=float)
    if not np.isfinite(M).all():
        return np.full(min(M.shape), np.nan)
    return np.linalg.svd(M, compute_uv=False)


def numerical_rank(sv: np.ndarray, rtol: float) -> int:
    """#{σ_i > rtol·σ_1}; 0 for a zero matrix, -1 when σ is not finite."""
    sv = np.asarray(sv, dtype=float)
    if sv.size == 0:
        return 0
    if not np.isfinite(sv).all():
        return -1
    if sv[0] == 0:
        return 0
    return int(np.sum(sv > rtol * sv[0]))


def effective_rank(sv: np.ndarray) -> float:
    """Entropy rank exp(−Σ p log p), p = σ/Σσ (Roy & Vetterli 2007); NaN if undefined."""
    sv = np.asarray(sv, dtype=float)
    total = float(np.sum(sv)) if sv.size else 0.0
    if not np.isfinite(total) or total <= 0:
        return float("nan")
    p = sv[sv > 0] / total
    return float(np.exp(-np.sum(p * np.log(p))))


def run_outcome(status: str, initial_loss: float, final_loss: float, rel_loss: float) -> str:
    """A run's outcome: the end state its training recorded (one of END_STATES); a run file
    written before end states were recorded (status "ok") is classified by
    `convergence_status`."""
    if status in END_STATES:
        return status
    return convergence_status(status, initial_loss, final_loss, rel_loss)


def convergence_status(status: str, initial_loss: float, final_loss: float, rel_loss: float) -> str:
    """Outcome: diverged; converged if final ≤ rel_loss·initial; else not_converged."""
    if status in FAILED or not np.isfinite(final_loss):
        return DIVERGED
    if np.isfinite(initial_loss) and final_loss <= rel_loss * initial_loss:
        return CONVERGED
    return NOT_CONVERGED


def last_finite_index(values: np.ndarray) -> int:
    """Index of the last record whose entries are all finite (-1 if none)."""
    values = np.asarray(values, dtype=float)
    flat = values.reshape(len(values), -1) if values.ndim > 1 else values[:, None]
    finite = np.isfinite(flat).all(axis=1)
    idx = np.flatnonzero(finite)
    return int(idx[-1]) if idx.size else -1


def relative_loss_paths(curves) -> tuple[np.ndarray, np.ndarray]:
    """Relative loss L(t)/L(0) of several runs on one learning-time grid.

    curves: one (time, loss, diverged) per run, with the run's recorded times and losses
    (time[0] = 0 holds the initial loss). Returns (times, paths): times is the union of the
    recorded times and paths[i, j] the relative loss of run i at its last record at or before
    times[j]; NaN after the last record of a run that diverged. `convergence_status` of a run
    is converged exactly when its last entry is ≤ rel_loss.
    """
    curves = [(np.asarray(t, float), np.asarray(loss, float), bool(div)) for t, loss, div in curves]
    if not curves:
        return np.zeros(0), np.zeros((0, 0))
    times = np.unique(np.concatenate([t for t, _, _ in curves]))
    paths = np.full((len(curves), len(times)), np.nan)
    for i, (t, loss, diverged) in enumerate(curves):
        idx = np.searchsorted(t, times, side="right") - 1  # last record at or before each time
        valid = (idx >= 0) & ((times <= t[-1]) | (not diverged))
        paths[i, valid] = loss[idx[valid]] / loss[0]
    return times, paths


# ---------------------------------------------------------------- ODE match, dominant modes


def dominant_modes(strength, k: int) -> list[int]:
    """The k teacher modes with the largest |a* b*|, strongest first (ties: lower index first).
    ``strength`` maps mode index → |a*_i b*_i|."""
    return sorted(strength, key=lambda i: -strength[i])[:k]


def interp_nan(t_from, v_from, t_to) -> np.ndarray:
    """Linear interpolation of v_from(t_from) at t_to; NaN outside the range t_from covers."""
    out = np.interp(t_to, t_from, v_from)
    out[(t_to < t_from[0] - 1e-12) | (t_to > t_from[-1] + 1e-12)] = np.nan
    return out


def ode_match(t_run, ab_run, w_run, t_ode, ab_ode, w_ode, scale: float) -> dict:
    """How closely one mode of a run follows its ODE: the ODE interpolated at the run's times,
    ab_deviation = max_t |ab − (ab)_ODE| / scale (scale = |a* b*|), w_deviation = max_t
    |w − w_ODE| over the times the ODE reached, covered = the fraction of the run's times it
    reached (0 and NaN deviations if none)."""
    ab_o = interp_nan(t_ode, ab_ode, t_run)
    w_o = interp_nan(t_ode, w_ode, t_run)
    ok = np.isfinite(ab_o)
    if not ok.any():
        return {"ab_deviation": float("nan"), "w_deviation": float("nan"), "covered": 0.0}
    return {
        "ab_deviation": float(np.max(np.abs(ab_run - ab_o)[ok]) / scale),
        "w_deviation": float(np.max(np.abs(w_run - w_o)[ok])),
        "covered": float(ok.mean()),
    }
