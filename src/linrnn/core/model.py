"""Linear student and teacher RNNs, their aligned constructions, and simulation.

Model (docs/model.md §1.1, poster): h_{t+1} = W h_t + B x_t, y_{t+1} = A h_{t+1}, h_0 = 0,
x_t ~ N(0, I) i.i.d., the same sequence driving student and teacher.
Alignment (docs/model.md §1.2, poster Assumptions 1-2):
A = U Ā P^T, W = P W̄ P^T, B = P B̄ V^T with U, V, P orthogonal and bars diagonal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from linrnn.core.validation import (
    check_finite,
    check_orthogonal,
    check_positive_int,
    check_unit_interval,
)


@dataclass(frozen=True)
class RNN:
    """Weights of a linear RNN: readout A (o×n), recurrent W (n×n), input B (n×d).

    Also used for updates (ΔA, ΔW, ΔB), which have the same shapes. A stack of S networks
    of equal sizes has a leading axis: A (S, o, n), W (S, n, n), B (S, n, d); every rule and
    `train` accept stacks (one student per index).
    """

    A: np.ndarray
    W: np.ndarray
    B: np.ndarray

    def __post_init__(self) -> None:
        for name in ("A", "W", "B"):
            value = getattr(self, name)
            if not isinstance(value, np.ndarray) or value.dtype != np.float64:
                value = np.asarray(value, dtype=float)
            if value.ndim not in (2, 3):
                raise ValueError(f"{name} must be a 2-D matrix or a stack (S, ·, ·), got shape {value.shape}")
            object.__setattr__(self, name, value)
        if not self.A.shape[:-2] == self.W.shape[:-2] == self.B.shape[:-2]:
            raise ValueError(
                f"A, W, B must have the same stack size, got shapes {self.A.shape}, {self.W.shape}, {self.B.shape}"
            )
        n = self.W.shape[-1]
        if self.W.shape[-2] != n:
            raise ValueError(f"W must be square (n×n), got shape {self.W.shape}")
        if self.A.shape[-1] != n:
            raise ValueError(f"A must have n={n} columns to match W, got shape {self.A.shape}")
        if self.B.shape[-2] != n:
            raise ValueError(f"B must have n={n} rows to match W, got shape {self.B.shape}")

    @property
    def n(self) -> int:
        return self.W.shape[-1]

    @property
    def d(self) -> int:
        return self.B.shape[-1]

    @property
    def o(self) -> int:
        return self.A.shape[-2]

    @property
    def stack(self) -> int | None:
        """Number of networks in a stack, None for a single network."""
        return self.W.shape[0] if self.W.ndim == 3 else None

    def take(self, index) -> RNN:
        """Members `index` of a stack (an int gives one network, an index array a stack)."""
        return RNN(self.A[index], self.W[index], self.B[index])

    @staticmethod
    def stacked(nets) -> RNN:
        """One stack from single networks of equal sizes."""
        nets = list(nets)
        return RNN(*(np.stack([getattr(net, name) for net in nets]) for name in ("A", "W", "B")))

    def step(self, update: RNN, eta: float) -> RNN:
        """θ ← θ − η Δθ (docs/model.md §1.1, generic update form)."""
        return RNN(self.A - eta * update.A, self.W - eta * update.W, self.B - eta * update.B)

    def finite(self) -> np.ndarray | bool:
        """Per network of a stack (or for one network): are all weights finite?"""
        return (
            np.isfinite(self.A).all(axis=(-2, -1))
            & np.isfinite(self.W).all(axis=(-2, -1))
            & (np.isfinite(self.B).all(axis=(-2, -1)))
        )

    def is_finite(self) -> bool:
        return bool(np.all(self.finite()))

    def spectral_radius(self) -> float | np.ndarray:
        """ρ(W); one value per network of a stack."""
        if not self.n:
            return 0.0 if self.stack is None else np.zeros(self.stack)
        rho = np.max(np.abs(np.linalg.eigvals(self.W)), axis=-1)
        return float(rho) if self.stack is None else rho


def check_compatible(student: RNN, teacher: RNN) -> None:
    """Student and teacher must share input and output dimensions (n may differ)."""
    if student.d != teacher.d:
        raise ValueError(f"input dimension d differs: student {student.d}, teacher {teacher.d}")
    if student.o != teacher.o:
        raise ValueError(f"output dimension o differs: student {student.o}, teacher {teacher.o}")


@dataclass(frozen=True)
class Bases:
    """Orthogonal bases of the aligned construction: U (o×o), V (d×d), P (n×n)."""

    U: np.ndarray
    V: np.ndarray
    P: np.ndarray

    def __post_init__(self) -> None:
        for name in ("U", "V", "P"):
            check_orthogonal(name, getattr(self, name))


@dataclass(frozen=True)
class Teacher:
    """A mode-aligned teacher: its weights, its bases and its k mode values (a*, b*, w*)."""

    rnn: RNN
    bases: Bases
    a: np.ndarray
    b: np.ndarray
    w: np.ndarray

    @property
    def k(self) -> int:
        return len(self.a)


def random_orthogonal(n: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random orthogonal n×n matrix (QR of a Gaussian matrix with sign fix)."""
    check_positive_int("n", n)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def random_bases(n: int, d: int, o: int, rng: np.random.Generator) -> Bases:
    """Independent Haar-random U (o×o), V (d×d), P (n×n)."""
    return Bases(U=random_orthogonal(o, rng), V=random_orthogonal(d, rng), P=random_orthogonal(n, rng))


def _mode_arrays(a, b, w, *, names=("a", "b", "w")) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arrays = [np.atleast_1d(np.asarray(v, dtype=float)) for v in (a, b, w)]
    for name, arr in zip(names, arrays, strict=True):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be a 1-D list of mode values, got shape {arr.shape}")
        check_finite(name, arr)
    if not len(arrays[0]) == len(arrays[1]) == len(arrays[2]):
        raise ValueError(
            f"{names[0]}, {names[1]}, {names[2]} must have one value per mode; got lengths {[len(x) for x in arrays]}"
        )
    return arrays[0], arrays[1], arrays[2]


def aligned_rnn(bases: Bases, a, b, w) -> RNN:
    """A = U Ā P^T, W = P W̄ P^T, B = P B̄ V^T with k mode values on the diagonals (docs/model.md §1.2).

    Modes beyond k are zero. Requires k ≤ min(n, d, o).
    """
    a, b, w = _mode_arrays(a, b, w)
    n, d, o = bases.P.shape[0], bases.V.shape[0], bases.U.shape[0]
    k = len(a)
    if k > min(n, d, o):
        raise ValueError(
            f"number of modes k={k} exceeds min(n, d, o)={min(n, d, o)}; use fewer mode values or larger dimensions"
        )
    Pk = bases.P[:, :k]
    A = bases.U[:, :k] @ np.diag(a) @ Pk.T
    W = Pk @ np.diag(w) @ Pk.T
    B = Pk @ np.diag(b) @ bases.V[:, :k].T
    return RNN(A, W, B)


def make_aligned_teacher(n: int, d: int, o: int, a_star, b_star, w_star, rng: np.random.Generator) -> Teacher:
    """Mode-aligned teacher (poster Assumption 2) with random orthogonal bases.

    |w*| < 1 is required so that the T→∞ limit exists (docs/model.md §1.3).
    """
    for name, value in (("n", n), ("d", d), ("o", o)):
        check_positive_int(name, value)
    a_star, b_star, w_star = _mode_arrays(a_star, b_star, w_star, names=("a_star", "b_star", "w_star"))
    check_unit_interval("w_star", w_star)
    bases = random_bases(n, d, o, rng)
    return Teacher(aligned_rnn(bases, a_star, b_star, w_star), bases, a_star, b_star, w_star)


def aligned_student(teacher: Teacher, a, b, w) -> RNN:
    """Data-aligned student (poster Assumption 1): the teacher's bases, its own mode values."""
    return aligned_rnn(teacher.bases, a, b, w)


def random_student(n: int, d: int, o: int, scale: float, rng: np.random.Generator) -> RNN:
    """Non-aligned student: i.i.d. N(0, scale²) entries (small init, Saxe et al. 2019; docs/model.md §5)."""
    for name, value in (("n", n), ("d", d), ("o", o)):
        check_positive_int(name, value)
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale}")
    return RNN(
        scale * rng.standard_normal((o, n)),
        scale * rng.standard_normal((n, n)),
        scale * rng.standard_normal((n, d)),
    )


def aligned_feedback(teacher: Teacher, a_hat, n: int | None = None) -> np.ndarray:
    """RFLO feedback R = U R̄ P^T (o×n) with mode values â on R̄'s diagonal (docs/model.md §1.2)."""
    a_hat = np.atleast_1d(np.asarray(a_hat, dtype=float))
    check_finite("a_hat", a_hat)
    if a_hat.ndim != 1 or len(a_hat) > teacher.k:
        raise ValueError(f"a_hat needs at most k={teacher.k} mode values, got shape {a_hat.shape}")
    k = len(a_hat)
    return teacher.bases.U[:, :k] @ np.diag(a_hat) @ teacher.bases.P[:, :k].T


def random_feedback(o: int, n: int, rng: np.random.Generator, scale: float | None = None) -> np.ndarray:
    """Dense Gaussian feedback R (o×n), entries N(0, scale²); default scale 1/√n (docs/model.md §5 [I])."""
    check_positive_int("o", o)
    check_positive_int("n", n)
    scale = 1.0 / np.sqrt(n) if scale is None else scale
    return scale * rng.standard_normal((o, n))


def sample_inputs(rng: np.random.Generator, batch: int, T: int, d: int) -> np.ndarray:
    """White-noise input sequences x, shape (batch, T, d), x_t ~ N(0, I) (docs/model.md §1.1)."""
    for name, value in (("batch", batch), ("T", T), ("d", d)):
        check_positive_int(name, value)
    return rng.standard_normal((batch, T, d))


def run(rnn: RNN, x: np.ndarray) -> np.ndarray:
    """Hidden states h, shape (..., batch, T+1, n), from h_0 = 0 and inputs x (..., batch, T, d).

    h_{t+1} = W h_t + B x_t (docs/model.md §1.1). Leading axes of x: a stack of minibatches (one per
    network of a stack, or several for one network). Computed time-major by `run_time_major`
    (one contiguous (batch, n) @ (n, n) product per step); the result is a view.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim not in (3, 4) or x.shape[-1] != rnn.d:
        raise ValueError(f"x must have shape (batch, T, d={rnn.d}) or (S, batch, T, d), got {x.shape}")
    return np.swapaxes(run_time_major(rnn, np.swapaxes(x, -3, -2)), -3, -2)


def run_time_major(rnn: RNN, x_tm: np.ndarray) -> np.ndarray:
    """Time-major hidden states h (..., T+1, batch, n) from inputs x_tm (..., T, batch, d), h_0 = 0.

    h_{t+1} = W h_t + B x_t (docs/model.md §1.1). The drive B x_t of all steps is one matmul over the
    contiguous (T·batch, d) block; the recursion then costs one BLAS call per step (per member
    of a stack) writing into contiguous memory (no strided slices, no per-step temporaries
    beyond one buffer).
    """
    T, batch, d = x_tm.shape[-3:]
    lead = x_tm.shape[:-3]
    if lead != rnn.W.shape[:-2]:  # one network for a stack of minibatches, or the reverse
        lead = np.broadcast_shapes(lead, rnn.W.shape[:-2])
        x_tm = np.broadcast_to(x_tm, lead + (T, batch, d))
    h = np.empty(lead + (T + 1, batch, rnn.n))
    h[..., 0, :, :] = 0.0
    drive = h[..., 1:, :, :].reshape(lead + (T * batch, rnn.n))  # a view of h
    np.matmul(np.ascontiguousarray(x_tm).reshape(lead + (T * batch, d)), rnn.B.mT, out=drive)
    Wt = rnn.W.mT
    buf = np.empty(lead + (batch, rnn.n))
    for t in range(1, T):  # h_1 = B x_0 already; h_{t+1} = drive_t + h_t W^T
        np.matmul(h[..., t, :, :], Wt, out=buf)
        h[..., t + 1, :, :] += buf
    return h
