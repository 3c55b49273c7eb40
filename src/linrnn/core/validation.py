"""Argument checks that raise a ValueError naming the argument and its valid range."""

from __future__ import annotations

import numbers

import numpy as np


def check_positive_int(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer (≥ 1), got {value!r}")


def check_finite(name: str, value) -> None:
    arr = np.asarray(value, dtype=float)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got {value!r}")


def check_unit_interval(name: str, value) -> None:
    """|value| < 1 elementwise: needed for the T→∞ limit (docs/model.md §1.3)."""
    arr = np.asarray(value, dtype=float)
    check_finite(name, arr)
    if np.any(np.abs(arr) >= 1):
        raise ValueError(f"{name} must satisfy |{name}| < 1 (open interval (-1, 1)), got {value!r}")


def check_orthogonal(name: str, matrix, tol: float = 1e-8) -> None:
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"{name} must be a square orthogonal matrix, got shape {m.shape}")
    err = np.max(np.abs(m.T @ m - np.eye(m.shape[0]))) if m.size else 0.0
    if not err < tol:
        raise ValueError(f"{name} must be orthogonal ({name}^T {name} = I), deviation {err:.2e}")
