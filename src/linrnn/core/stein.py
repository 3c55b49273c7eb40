"""Stein sums S = Σ_{k<T} M^k Q N^k by doubling (docs/model.md §2.1), for one matrix or a stack.

For T = None the infinite sum solves the Stein equation S = M S N + Q; it exists when
ρ(M)·ρ(N) < 1. Doubling (Smith's method) uses S_{2p} = S_p + M^p S_p N^p, so the cost is
O(n³ log T) for finite T and O(n³ log(1/(1-ρ))) for T→∞, with no eigendecomposition:
robust for non-normal M and N.

Every function accepts stacks: matrices of shape (..., n, n) with leading axes (one student
per index), broadcast as `@` does, so S students cost one Python-level loop, not S.

`stein_sums` solves several T→∞ equations at once and shares the squarings of their
common matrices (W, W^T, W*): `Powers` holds the repeated squarings X^{2^j} of one base and
their Frobenius norms, and can be kept across calls (the teacher's W* never changes during a
training). A Bartels–Stewart (Schur) direct solve was measured and is slower here: one Schur
factorisation of W alone costs more than a whole doubling solve for n ≤ 256
(benchmarks/RESULTS.md).

Convergence test: after j doublings the remainder of a sum is S_∞ − S_p = L^p S_∞ R^p with
p = 2^j, so ‖S_∞ − S_p‖_F ≤ ‖L^p‖_F ‖R^p‖_F ‖S_∞‖_F. A term is done once
‖L^p‖_F ‖R^p‖_F ≤ `RTOL` (below the rounding error of S_p) for every matrix of the stack: one
norm per base and doubling, not one reduction per term. The same norms certify stability:
ρ(X)^p ≤ ‖X^p‖_F, so a finished doubling with L = X or R = X proves ρ(X) < 1 without `eigvals`.
"""

from __future__ import annotations

import numpy as np

MAX_DOUBLINGS = 64
RTOL = 1e-17  # remainder bound ‖L^p‖_F ‖R^p‖_F below which a sum is final
HUGE = 1e150  # a power norm above this (or non-finite) means the sum diverges


class NotConvergentError(ArithmeticError):
    """The T→∞ limit does not exist (a spectral radius reached 1)."""


def stein_sum(M: np.ndarray, Q: np.ndarray, N: np.ndarray, T: int | None = None) -> np.ndarray:
    """Σ_{k=0}^{T-1} M^k Q N^k; T=None gives the T→∞ solution of S = M S N + Q."""
    if T is None:
        return stein_sums([M], [(M, Q, N)])[0]
    if T < 0:
        raise ValueError(f"T must be ≥ 0 or None, got {T}")
    shape = np.broadcast_shapes(Q.shape, M.shape[:-1] + N.shape[-1:])
    if T == 0:
        return np.zeros(shape)
    result = None  # the sum so far (zero)
    block, Mp, Np = Q.copy(), M.copy(), N.copy()  # block = S_p for p = 2^j
    while T:
        if T & 1:
            result = block if result is None else block + Mp @ result @ Np
        T >>= 1
        if T:
            block = block + Mp @ block @ Np
            Mp, Np = Mp @ Mp, Np @ Np
    return np.broadcast_to(result, shape).copy() if result.shape != shape else result


class Powers:
    """X^{2^j}, j = 0, 1, ..., of a square matrix or stack X (..., n, n), squared on demand,
    with a bound on the Frobenius norm of every member of each power: the Frobenius norm of
    the whole stack (one dot product; at most √S times the largest member's)."""

    def __init__(self, X: np.ndarray):
        X = np.asanyarray(X, dtype=float)
        if not X.flags.c_contiguous:
            X = X.copy()
        self.powers = [X]
        self.norms = [_norm(X)]

    def power(self, j: int) -> np.ndarray:
        powers = self.powers
        while len(powers) <= j:
            last = powers[-1] @ powers[-1]
            powers.append(last)
            self.norms.append(_norm(last))
        return powers[j]

    def norm(self, j: int) -> float:
        if j >= len(self.norms):
            self.power(j)
        return self.norms[j]

    def take(self, index) -> Powers:
        """The powers of the stack members `index` (a subset of a stacked base)."""
        out = Powers.__new__(Powers)
        out.powers = [P[index].copy() for P in self.powers]
        out.norms = [_norm(P) for P in out.powers]
        return out


def _norm(X: np.ndarray) -> float:
    """‖X‖_F of the whole (contiguous) array: NaN if any entry is NaN, inf on overflow."""
    flat = X.reshape(-1)
    return float(np.dot(flat, flat)) ** 0.5


def stein_sums(bases, terms) -> list[np.ndarray]:
    """T→∞ Stein sums S_i = Σ_k M_i^k Q_i N_i^k, i.e. S_i = M_i S_i N_i + Q_i, all at once.

    bases: square matrices (or stacks) X_0, X_1, ..., or `Powers` of them (kept by the caller
    to reuse the squarings across calls); terms: (left, Q, right) with left/right given as
    (base index, transposed?) pairs, or as the matrices themselves (a matrix that is no base
    and no transposed base is appended as a new base). Doubling (Smith's method,
    S_{2p} = S_p + M^p S_p N^p) for every term, sharing the repeated squarings X^{2^j} of the
    bases: a step that needs S = W C W^T + BB^T, S = W* C× W^T + B* B^T and the BPTT adjoint
    sums Z1, Z2 (docs/model.md §2.1) squares only W and W* (2 matmuls) plus 2 per term, instead of 4
    per term. Convergence and divergence are read from the norms of the powers (module
    docstring). Raises NotConvergentError when a sum diverges (ρ(M)ρ(N) ≥ 1).
    """
    bases = [b if isinstance(b, Powers) else Powers(b) for b in bases]
    resolved = [(_resolve(bases, left), Q, _resolve(bases, right)) for left, Q, right in terms]
    sums = [np.array(Q, dtype=float, subok=True) for _, Q, _ in resolved]
    active = list(range(len(resolved)))

    with np.errstate(over="ignore", invalid="ignore"):
        for j in range(MAX_DOUBLINGS):
            still = []
            for i in active:
                (li, lt), _, (ri, rt) = resolved[i]
                bound = bases[li].norm(j) * bases[ri].norm(j)
                if not bound < HUGE:
                    raise _diverged()
                if bound <= RTOL:
                    continue
                L, R = bases[li].powers[j], bases[ri].powers[j]
                sums[i] = sums[i] + (L.mT if lt else L) @ sums[i] @ (R.mT if rt else R)
                if bound * bound > RTOL:  # ‖X^{2p}‖ ≤ ‖X^p‖²: S_{2p} may still be short
                    still.append(i)
            active = still
            if not active:
                return sums
    raise _diverged()


def _resolve(bases: list, factor) -> tuple[int, bool]:
    if isinstance(factor, tuple):
        return factor
    for index, powers in enumerate(bases):
        X = powers.powers[0]
        if factor is X:
            return (index, False)
        if factor.shape == X.mT.shape and (factor.base is X or X.base is factor) and np.array_equal(factor, X.mT):
            return (index, True)
    bases.append(Powers(factor))
    return (len(bases) - 1, False)


def _diverged() -> NotConvergentError:
    return NotConvergentError(
        "the T→∞ Stein sum does not converge: spectral radius of W (student or teacher) must be < 1"
    )
