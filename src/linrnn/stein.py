"""Stein sums S = Σ_{k<T} M^k Q N^k by doubling (SPEC §2.1).

For T = None the infinite sum solves the Stein equation S = M S N + Q; it exists when
ρ(M)·ρ(N) < 1. Doubling (Smith's method) uses S_{2p} = S_p + M^p S_p N^p, so the cost is
O(n³ log T) for finite T and O(n³ log(1/(1-ρ))) for T→∞, with no eigendecomposition:
robust for non-normal M and N.
"""

from __future__ import annotations

import numpy as np

MAX_DOUBLINGS = 64


class NotConvergentError(ArithmeticError):
    """The T→∞ limit does not exist (a spectral radius reached 1)."""


def stein_sum(M: np.ndarray, Q: np.ndarray, N: np.ndarray, T: int | None = None) -> np.ndarray:
    """Σ_{k=0}^{T-1} M^k Q N^k; T=None gives the T→∞ solution of S = M S N + Q."""
    if T is None:
        return _stein_infinite(M, Q, N)
    if T < 0:
        raise ValueError(f"T must be ≥ 0 or None, got {T}")
    result = np.zeros(np.broadcast_shapes(Q.shape, (M.shape[0], N.shape[1])))
    block, Mp, Np = Q.copy(), M.copy(), N.copy()  # block = S_p for p = 2^j
    while T:
        if T & 1:
            result = block + Mp @ result @ Np
        T >>= 1
        if T:
            block = block + Mp @ block @ Np
            Mp, Np = Mp @ Mp, Np @ Np
    return result


def _stein_infinite(M: np.ndarray, Q: np.ndarray, N: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return _doubling(M, Q, N)


def _doubling(M: np.ndarray, Q: np.ndarray, N: np.ndarray) -> np.ndarray:
    S, Mp, Np = Q.copy(), M.copy(), N.copy()
    for _ in range(MAX_DOUBLINGS):
        increment = Mp @ S @ Np
        S = S + increment
        if not np.isfinite(S).all():
            break
        if np.max(np.abs(increment), initial=0.0) <= 1e-17 * max(np.max(np.abs(S), initial=0.0), 1e-300):
            return S
        Mp, Np = Mp @ Mp, Np @ Np
        if np.max(np.abs(Mp), initial=0.0) == 0.0 or np.max(np.abs(Np), initial=0.0) == 0.0:
            return S
    raise NotConvergentError(
        "the T→∞ Stein sum does not converge: spectral radius of W (student or teacher) must be < 1"
    )
