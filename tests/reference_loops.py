"""Straightforward loop implementations of every rule's sampled update (docs/model.md §2.1).

These are the oracle that the package's vectorised updates are checked against
(tests/test_reference_loops.py) and the baseline the benchmarks time against
(benchmarks/). They are written the way published example code is (Murray 2019's RFLO
code, textbook BPTT): a Python loop over the sequences of the minibatch, and inside it
a loop over time steps with matrix-vector products; RFLO and e-prop carry a
per-synapse eligibility trace p (n×n) forward in time exactly as in Murray's code,
  p_ij ← decay_i p_ij + h_{j,t-1},   ΔW_ij += (F^T ε_t)_i p_ij,
and BPTT runs the adjoint δ backwards from every error time t,
  ΔW += Σ_{s<t} δ_s h_s^T,  δ_{t-1} = A^T ε_t,  δ_{s-1} = W^T δ_s  (τ steps for tbptt).
The readout uses the delta rule ΔA = Σ_t ε_t h_t^T. Every update is averaged over the
batch and uses the convention θ ← θ − η Δθ. The loss weights are those of
`linrnn.core.sampling`: final-step loss ε_T only; sequence loss ε_t / T for t = 1..T
(Appendix H).

Nothing here is imported from linrnn except the RNN container, so the two paths are
independent.
"""

from __future__ import annotations

import numpy as np

from linrnn.core.model import RNN


def _forward(rnn: RNN, x_seq: np.ndarray) -> list[np.ndarray]:
    """h_0 = 0, h_{t+1} = W h_t + B x_t, one time step at a time (docs/model.md §1.1)."""
    hs = [np.zeros(rnn.n)]
    for t in range(x_seq.shape[0]):
        hs.append(rnn.W @ hs[-1] + rnn.B @ x_seq[t])
    return hs


def _errors(student: RNN, teacher: RNN, hs, hs_star, loss: str) -> dict[int, np.ndarray]:
    """{t: weight · ε_t} for the error times of the loss (ε_t = A h_t − A* h*_t)."""
    T = len(hs) - 1
    if loss == "final":
        return {T: student.A @ hs[T] - teacher.A @ hs_star[T]}
    return {t: (student.A @ hs[t] - teacher.A @ hs_star[t]) / T for t in range(1, T + 1)}


def reference_update(
    rule: str,
    student: RNN,
    teacher: RNN,
    x: np.ndarray,
    *,
    tau: int = 1,
    w_hat: float = 0.0,
    feedback: np.ndarray | None = None,
    loss: str = "final",
) -> RNN:
    """Minibatch update of `rule` ∈ {bptt, tbptt, rflo, eprop} by per-sequence, per-step loops.

    feedback is R for rflo and the e-prop feedback F (R, or A for symmetric e-prop).
    """
    n, d = student.n, student.d
    W, A = student.W, student.A
    dA, dW, dB = np.zeros_like(A), np.zeros((n, n)), np.zeros((n, d))
    batch = x.shape[0]
    for b in range(batch):  # loop over sequences
        hs = _forward(student, x[b])
        hs_star = _forward(teacher, x[b])
        errs = _errors(student, teacher, hs, hs_star, loss)
        T = len(hs) - 1
        for t, eps in errs.items():
            dA += np.outer(eps, hs[t])
        if rule in ("bptt", "tbptt"):
            window = T if rule == "bptt" else tau
            for t, eps in errs.items():  # adjoint from each error time, backwards
                delta = A.T @ eps
                for s in range(t - 1, max(t - 1 - window, -1), -1):
                    dW += np.outer(delta, hs[s])
                    dB += np.outer(delta, x[b, s])
                    delta = W.T @ delta
        elif rule in ("rflo", "eprop"):
            decay = np.full(n, w_hat) if rule == "rflo" else np.diag(W).copy()
            p = np.zeros((n, n))  # per-synapse eligibility traces (Murray 2019)
            q = np.zeros((n, d))
            for t in range(1, T + 1):  # forward in time
                for i in range(n):  # each postsynaptic row of traces
                    p[i] = decay[i] * p[i] + hs[t - 1]
                    q[i] = decay[i] * q[i] + x[b, t - 1]
                if t in errs:
                    signal = feedback.T @ errs[t]
                    dW += signal[:, None] * p
                    dB += signal[:, None] * q
        else:
            raise ValueError(f"unknown rule {rule!r}")
    return RNN(dA / batch, dW / batch, dB / batch)
