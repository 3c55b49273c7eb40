"""Diagnostics of trained networks: alignment with the teacher, rank spectra, convergence.

Alignment metrics (SPEC §5 candidates, made precise here; docs/pipeline.md). Let (U, V, P)
be the teacher's orthogonal bases and k its number of modes. For a matrix M read in those bases
(M̃ = P^T W P, U^T A P or P^T B V), the *mode-diagonal fraction* is

    ρ(M̃) = Σ_{i<k} M̃_ii² / ‖M̃‖_F²  ∈ [0, 1],

the share of the weight's energy that sits on the teacher's k mode-diagonal entries. It is 1
exactly for a data-aligned network whose modes beyond k are zero, and about k/(rows·cols) for an
i.i.d. random matrix.
- recurrent alignment: ρ(P^T W P);
- input alignment: ρ(P^T B V);  output alignment: ρ(U^T A P);
- feedback alignment (Lillicrap et al. 2016): the cosine between readout and feedback,
  cos(A, R) = ⟨A, R⟩_F / (‖A‖_F ‖R‖_F) ∈ [−1, 1]. RFLO's R is fixed, so what can align is the
  readout A; for BPTT/tBPTT (which never use R) it is a control that stays near 0.

Rank (SPEC §3.4, Prop. 3.1): singular values σ_1 ≥ σ_2 ≥ … of the learned changes W_K − W_0 and
B_K − B_0; the numerical rank counts σ_i > rtol·σ_1; the effective rank is the entropy rank of
Roy & Vetterli (2007), exp(−Σ p_i log p_i) with p_i = σ_i / Σσ_j (1 for rank one, r for r equal
singular values).

Convergence (config ``convergence``): a run converged when it did not diverge and its final
loss is at most ``rel_loss`` times its initial loss.
"""

from __future__ import annotations

import numpy as np

from linrnn.model import RNN, Bases

ALIGNMENT_METRICS = ("recurrent", "input", "output", "feedback")
CONVERGED, NOT_CONVERGED, DIVERGED = "converged", "not_converged", "diverged"


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


def alignment(rnn: RNN, bases: Bases, k: int, feedback: np.ndarray | None = None) -> dict:
    """All alignment metrics of one network against the teacher's bases (module docstring)."""
    U, V, P = bases.U, bases.V, bases.P
    out = {
        "recurrent": mode_diagonal_fraction(P.T @ rnn.W @ P, k),
        "input": mode_diagonal_fraction(P.T @ rnn.B @ V, k),
        "output": mode_diagonal_fraction(U.T @ rnn.A @ P, k),
        "feedback": float("nan") if feedback is None else cosine(rnn.A, feedback),
    }
    return out


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


def convergence_status(status: str, initial_loss: float, final_loss: float, rel_loss: float) -> str:
    """"diverged" if the run diverged; "converged" if final ≤ rel_loss·initial; else not_converged."""
    if status != "ok" or not np.isfinite(final_loss):
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
