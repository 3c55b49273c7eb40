"""Straightforward T→∞ expected updates, the baseline for expected mode (docs/model.md §2.1 table).

The stationary Stein equations C = W C W^T + BB^T, C× = W* C× W^T + B* B^T,
Z1 = W^T Z1 W + A^T A, Z2 = W^T Z2 W* + A^T A* are solved by plain fixed-point iteration
S ← M S N + Q (one lag per sweep, until the change is below 1e-15 of S), and the closed
forms of docs/model.md §2.1 are then applied literally; e-prop solves one dense linear system
per postsynaptic row, F_i^T A (I − W_ii W)^{-1} (docs/model.md §2.1 [D]).
"""

from __future__ import annotations

import numpy as np

from linrnn.core.model import RNN


def fixed_point_stein(M, Q, N, tol=1e-15, max_iter=100_000):
    """S = M S N + Q by iterating S_{k+1} = M S_k N + Q from S_0 = Q."""
    S = Q.copy()
    for _ in range(max_iter):
        new = M @ S @ N + Q
        if np.max(np.abs(new - S)) <= tol * np.max(np.abs(new)):
            return new
        S = new
    raise ArithmeticError("fixed-point Stein iteration did not converge")


def reference_expected(rule, student: RNN, teacher: RNN, *, w_hat=0.0, feedback=None) -> RNN:
    A, W, B = student.A, student.W, student.B
    As, Ws, Bs = teacher.A, teacher.W, teacher.B
    n = student.n
    C = fixed_point_stein(W, B @ B.T, W.T)
    Cx = fixed_point_stein(Ws, Bs @ B.T, W.T)
    dA = A @ C - As @ Cx
    if rule == "bptt":
        Z1 = fixed_point_stein(W.T, A.T @ A, W)
        Z2 = fixed_point_stein(W.T, A.T @ As, Ws)
        return RNN(dA, Z1 @ W @ C - Z2 @ Ws @ Cx, Z1 @ B - Z2 @ Bs)
    if rule == "tbptt":  # τ = 1
        return RNN(dA, A.T @ (A @ W @ C - As @ Ws @ Cx), A.T @ (A @ B - As @ Bs))
    if rule == "rflo":
        R = feedback
        AR = A @ np.linalg.inv(np.eye(n) - w_hat * W)
        AsR = As @ np.linalg.inv(np.eye(Ws.shape[0]) - w_hat * Ws)
        return RNN(dA, R.T @ (AR @ W @ C - AsR @ Ws @ Cx), R.T @ (AR @ B - AsR @ Bs))
    if rule == "eprop":
        F = feedback
        dW, dB = np.empty((n, n)), np.empty((n, B.shape[1]))
        for i in range(n):
            wi = W[i, i]
            row = np.linalg.solve((np.eye(n) - wi * W).T, A.T @ F[:, i])
            row_s = np.linalg.solve((np.eye(Ws.shape[0]) - wi * Ws).T, As.T @ F[:, i])
            dW[i] = row @ W @ C - row_s @ Ws @ Cx
            dB[i] = row @ B - row_s @ Bs
        return RNN(dA, dW, dB)
    raise ValueError(rule)
