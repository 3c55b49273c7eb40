"""Shared constructors for the package tests (explicit generators, no global state)."""

from __future__ import annotations

import numpy as np

from linrnn.model import RNN


def random_stable_rnn(rng: np.random.Generator, n: int, d: int, o: int, radius: float = 0.7) -> RNN:
    """Dense non-aligned RNN with spectral radius `radius`."""
    W = rng.standard_normal((n, n))
    W *= radius / np.max(np.abs(np.linalg.eigvals(W)))
    return RNN(rng.standard_normal((o, n)), W, rng.standard_normal((n, d)))


def max_rel_err(x: RNN, y: RNN) -> float:
    """Largest of max|x−y| / max|y| over A, W, B (absolute where y is exactly zero)."""
    errs = []
    for k in "AWB":
        diff, scale = np.max(np.abs(getattr(x, k) - getattr(y, k))), np.max(np.abs(getattr(y, k)))
        errs.append(float(diff / scale if scale > 0 else diff))
    return max(errs)
