"""Reading a network as per-mode values: the one projection layer (docs/model.md §1.2).

With the teacher's data bases (U, V) and a hidden basis P (n×k), a network's mode values are

    a_i = (Uᵀ A P)_ii,   b_i = (Pᵀ B V)_ii,   w_i = (Pᵀ W P)_ii,   and RFLO's â_i = (Uᵀ R P)_ii.

The loss sees the hidden space only through A W^j B, so a student that is not data-aligned
learns its *own* hidden basis, never the teacher's P*. The hidden basis is therefore one of
(``HIDDEN_BASES``, config ``hidden_basis``):
- ``"final"``: the student's own basis, the orthonormal polar factor of B V_k of the network
  given (in the pipeline: the run's final state); for a data-aligned student it is P_k up to
  column signs, chosen so that every b_i ≥ 0;
- ``"teacher"``: the teacher's P*_k (exact for data-aligned students).
Every state of a run, the ODE's initial state and RFLO's feedback are read in the same P, so the
signs of (a, b, â) agree. Tables, scripts and tests all read networks through this module.
"""

from __future__ import annotations

import numpy as np

from linrnn.core.model import RNN, Bases

HIDDEN_BASES = ("final", "teacher")


def own_hidden_basis(rnn: RNN, bases: Bases, k: int) -> np.ndarray:
    """The network's own hidden mode directions: the polar factor of B V_k (n×k)."""
    left, _, right = np.linalg.svd(rnn.B @ bases.V[:, :k], full_matrices=False)
    return left @ right


def hidden_basis(rnn: RNN, bases: Bases, k: int, kind: str) -> np.ndarray:
    """The hidden basis P (n×k) of ``kind`` (module docstring); ``rnn`` is the network whose own
    basis "final" takes (the run's final student)."""
    if kind == "final":
        return own_hidden_basis(rnn, bases, k)
    if kind == "teacher":
        return bases.P[:, :k]
    raise ValueError(f"hidden_basis must be one of {HIDDEN_BASES}, got {kind!r}")


def mode_values(rnn: RNN, bases: Bases, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a_i, b_i, w_i), i < k = P.shape[1], of ``rnn`` in hidden basis P."""
    k = P.shape[1]
    a = np.einsum("ij,jk,ki->i", bases.U[:, :k].T, rnn.A, P)
    b = np.einsum("ij,jk,ki->i", P.T, rnn.B, bases.V[:, :k])
    w = np.einsum("ij,jk,ki->i", P.T, rnn.W, P)
    return a, b, w


def feedback_values(R: np.ndarray, bases: Bases, P: np.ndarray) -> np.ndarray:
    """â_i = (Uᵀ R P)_ii: the per-mode feedback the RFLO ODE sees in hidden basis P."""
    k = P.shape[1]
    return np.einsum("ij,jk,ki->i", bases.U[:, :k].T, np.asarray(R, dtype=float), P)


def mode_matrices(rnn: RNN, bases: Bases) -> RNN:
    """The full matrices Uᵀ A P, Pᵀ W P, Pᵀ B V in the teacher's bases (diagonal exactly when
    the network is data-aligned)."""
    return RNN(bases.U.T @ rnn.A @ bases.P, bases.P.T @ rnn.W @ bases.P, bases.P.T @ rnn.B @ bases.V)


def ode_initial_state(initial: RNN, final: RNN, bases: Bases, k: int, kind: str, R=None) -> dict:
    """Where the per-mode ODE of a run starts: the hidden basis P of ``kind`` (from the ``final``
    student for "final"), the initial student's mode values in P, and â in P if R is given.
    Returns dict(P, a, b, w, a_hat)."""
    P = hidden_basis(final, bases, k, kind)
    a, b, w = mode_values(initial, bases, P)
    a_hat = None if R is None else feedback_values(R, bases, P)
    return {"P": P, "a": a, "b": b, "w": w, "a_hat": a_hat}
