"""Stein sums S = Σ_{k<T} M^k Q N^k by doubling (SPEC §2.1).

For T = None the infinite sum solves the Stein equation S = M S N + Q; it exists when
ρ(M)·ρ(N) < 1. Doubling (Smith's method) uses S_{2p} = S_p + M^p S_p N^p, so the cost is
O(n³ log T) for finite T and O(n³ log(1/(1-ρ))) for T→∞, with no eigendecomposition:
robust for non-normal M and N.

`stein_sums` solves several T→∞ equations at once and shares the squarings of their
common matrices (W, W^T, W*). A Bartels–Stewart (Schur) direct solve was measured and is
slower here: one Schur factorisation of W alone costs more than a whole doubling solve for
n ≤ 256 (benchmarks/RESULTS.md).
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
    return stein_sums([M], [(M, Q, N)])[0]


def stein_sums(bases, terms) -> list[np.ndarray]:
    """T→∞ Stein sums S_i = Σ_k M_i^k Q_i N_i^k, i.e. S_i = M_i S_i N_i + Q_i, all at once.

    bases: square matrices X_0, X_1, ...; terms: (left, Q, right) with left/right given as
    (base index, transposed?) pairs, or as the matrices themselves (a matrix that is no base
    and no transposed base is appended as a new base). Doubling (Smith's method,
    S_{2p} = S_p + M^p S_p N^p) for every term, sharing the repeated squarings X^{2^j} of the
    bases: a step that needs S = W C W^T + BB^T, S = W* C× W^T + B* B^T and the BPTT adjoint
    sums Z1, Z2 (SPEC §2.1) squares only W and W* (2 matmuls) plus 2 per term, instead of 4
    per term. Raises NotConvergentError when a sum diverges (ρ(M)ρ(N) ≥ 1).
    """
    bases = list(bases)
    resolved = []
    for left, Q, right in terms:
        resolved.append((_resolve(bases, left), Q, _resolve(bases, right)))
    powers = [X.copy() for X in bases]
    sums = [Q.copy() for _, Q, _ in resolved]
    active = list(range(len(resolved)))

    def power(factor):
        index, transposed = factor
        return powers[index].T if transposed else powers[index]

    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(MAX_DOUBLINGS):
            still = []
            for i in active:
                left, _, right = resolved[i]
                increment = power(left) @ sums[i] @ power(right)
                S = sums[i] = sums[i] + increment
                if not np.isfinite(S).all():
                    raise _diverged()
                if np.max(np.abs(increment), initial=0.0) > 1e-17 * max(np.max(np.abs(S), initial=0.0), 1e-300):
                    still.append(i)
            needed = {f[0] for i in still for f in (resolved[i][0], resolved[i][2])}
            for index in needed:
                powers[index] = powers[index] @ powers[index]
            active = [
                i
                for i in still
                if np.max(np.abs(power(resolved[i][0])), initial=0.0) != 0.0
                and np.max(np.abs(power(resolved[i][2])), initial=0.0) != 0.0
            ]
            if not active:
                return sums
    raise _diverged()


def _resolve(bases: list, factor) -> tuple[int, bool]:
    if isinstance(factor, tuple):
        return factor
    for index, X in enumerate(bases):
        if factor is X:
            return (index, False)
        if factor.shape == X.shape[::-1] and (factor.base is X or X.base is factor) and (np.array_equal(factor, X.T)):
            return (index, True)
    bases.append(factor)
    return (len(bases) - 1, False)


def _diverged() -> NotConvergentError:
    return NotConvergentError(
        "the T→∞ Stein sum does not converge: spectral radius of W (student or teacher) must be < 1"
    )
