"""From a config experiment block to model objects: teachers, initial students, feedback.

This is the only place that reads the config's meaning; the pipeline scripts stay thin.
Every function takes an explicit ``numpy.random.Generator`` (linrnn.pipeline.seeding.rng_for).

Teacher kinds (config ``teacher.kind``):
- ``aligned``: mode-aligned teacher A* = U Ā* P^T, W* = P W̄* P^T, B* = P B̄* V^T with Haar
  random U, V, P and the listed mode values (docs/model.md §1.2, poster Assumption 2);
- ``dense``: a general (not mode-aligned) teacher, W* = Q diag(w*) Q^T with Haar Q and the
  listed eigenvalues (zeros beyond), A* and B* i.i.d. Gaussian with entry std a_scale/√n and
  b_scale/√d (docs/model.md §3.4 "beyond the data-aligned setting", [I]).

Student kinds (``init.kind``): ``random`` (i.i.d. N(0, scale²), docs/model.md §5) or ``aligned``
(data-aligned with the listed mode values). Feedback kinds (``feedback.kind``): ``random``
(R i.i.d. N(0, scale²), default scale 1/√n) or ``aligned`` (R = U diag(â) P^T).
"""

from __future__ import annotations

import numpy as np

from linrnn.core import model
from linrnn.core.model import RNN, Bases
from linrnn.core.rules import RuleOptions
from linrnn.pipeline.io import scalar


def build_teacher(exp: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Teacher arrays for the npz: A, W, B, kind (+ U, V, P, a_star, b_star, w_star if aligned)."""
    n, d, o = exp["n"], exp["d"], exp["o"]
    t = exp["teacher"]
    if t["kind"] == "aligned":
        teacher = model.make_aligned_teacher(n, d, o, t["a_star"], t["b_star"], t["w_star"], rng)
        return {
            "kind": np.array("aligned"),
            "A": teacher.rnn.A,
            "W": teacher.rnn.W,
            "B": teacher.rnn.B,
            "U": teacher.bases.U,
            "V": teacher.bases.V,
            "P": teacher.bases.P,
            "a_star": teacher.a,
            "b_star": teacher.b,
            "w_star": teacher.w,
        }
    if t["kind"] == "dense":
        eig = np.zeros(n)
        w_star = np.asarray(t["w_star"], dtype=float)
        if w_star.size > n:
            raise ValueError(f"teacher.w_star: {w_star.size} eigenvalues for n={n}")
        if np.any(np.abs(w_star) >= 1):
            raise ValueError("teacher.w_star: eigenvalues need |w*| < 1 (docs/model.md §1.3)")
        eig[: w_star.size] = w_star
        Q = model.random_orthogonal(n, rng)
        W = Q @ np.diag(eig) @ Q.T
        A = t["a_scale"] / np.sqrt(n) * rng.standard_normal((o, n))
        B = t["b_scale"] / np.sqrt(d) * rng.standard_normal((n, d))
        return {"kind": np.array("dense"), "A": A, "W": W, "B": B, "Q": Q, "eigenvalues": eig}
    raise ValueError(f"teacher.kind must be 'aligned' or 'dense', got {t['kind']!r}")


def teacher_rnn(arrays: dict) -> RNN:
    return RNN(arrays["A"], arrays["W"], arrays["B"])


def teacher_object(arrays: dict) -> model.Teacher | None:
    """The mode-aligned Teacher (with bases and modes), or None for a dense teacher."""
    if scalar(arrays, "kind") != "aligned":
        return None
    bases = Bases(arrays["U"], arrays["V"], arrays["P"])
    return model.Teacher(teacher_rnn(arrays), bases, arrays["a_star"], arrays["b_star"], arrays["w_star"])


def build_init(exp: dict, teacher_arrays: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Initial student (A0, W0, B0) and fixed feedback R (o×n) for one seed.

    R is drawn for every experiment (after the student, from the same stream), so all rules of a
    seed share the same initial student and the same R.
    """
    n, d, o = exp["n"], exp["d"], exp["o"]
    init, fb = exp["init"], exp["feedback"]
    teacher = teacher_object(teacher_arrays)
    if init["kind"] == "random":
        student = model.random_student(n, d, o, init["scale"], rng)
    elif init["kind"] == "aligned":
        if teacher is None:
            raise ValueError("init.kind 'aligned' needs teacher.kind 'aligned'")
        student = model.aligned_student(teacher, init["a"], init["b"], init["w"])
    else:
        raise ValueError(f"init.kind must be 'random' or 'aligned', got {init['kind']!r}")
    if fb["kind"] == "random":
        R = model.random_feedback(o, n, rng, scale=fb.get("scale"))
    elif fb["kind"] == "aligned":
        if teacher is None:
            raise ValueError("feedback.kind 'aligned' needs teacher.kind 'aligned'")
        R = model.aligned_feedback(teacher, fb["a_hat"])
    else:
        raise ValueError(f"feedback.kind must be 'random' or 'aligned', got {fb['kind']!r}")
    return {"A0": student.A, "W0": student.W, "B0": student.B, "R": R}


def initial_student(init_arrays: dict) -> RNN:
    return RNN(init_arrays["A0"], init_arrays["W0"], init_arrays["B0"])


def rule_options(exp: dict, R: np.ndarray) -> RuleOptions:
    """RuleOptions of an experiment's ``options`` block.

    ``options.loss`` (default ``final``): ``final`` = ½‖y_T − y*_T‖² (docs/model.md §1.1) or ``sequence``
    = (1/2T) Σ_t ‖y_t − y*_t‖² (docs/model.md §1.1, Appendix H).
    """
    o = exp["options"]
    return RuleOptions(
        tau=int(o["tau"]),
        w_hat=float(o["w_hat"]),
        feedback=np.asarray(R),
        eprop_feedback=o["eprop_feedback"],
        loss=o.get("loss", "final"),
    )
