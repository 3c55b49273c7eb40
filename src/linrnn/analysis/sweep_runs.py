"""Per-run measures of a sweep's trainings, joined with the sweep point they belong to.

For every run of every generated experiment of a sweep (linrnn.pipeline.sweeps), one row with the
point's axis labels, the run's outcome and losses (from the experiment's runs table), and:

- time to converge: the first recorded learning time η·k at which L_k ≤ rel_loss · L_0 (the
  experiment's convergence criterion; NaN if never);
- loss floor: the relative loss L_K / L_0 at the last record (for a stalled run, the plateau);
- the spectrum of the learned recurrent matrix W_K against the teacher's timescales: a teacher
  eigenvalue w*_i ≠ 0 counts as learned when W_K has an eigenvalue within ``tol`` of it
  (|λ − w*_i| ≤ tol; the teacher's non-zero eigenvalues are distinct, so a tolerance below half
  their spacing matches one to one).

Counts of outcomes per (point, rule, estimator) come with Clopper–Pearson intervals
(linrnn.analysis.stats).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from linrnn.analysis import stats
from linrnn.analysis.diagnostics import CONVERGED, DIVERGED, NOT_CONVERGED

KNOWN_STATES = (CONVERGED, NOT_CONVERGED, DIVERGED)

RUN_COLUMNS = {
    "sweep": "sweep name (config sweeps)",
    "point": "sweep point index",
    "experiment": "generated experiment name",
    "rule": "learning rule",
    "estimator": "expected (closed-form E[update]) or sampled (minibatch)",
    "seed": "seed index",
    "outcome": "end state of the run (runs table of the experiment)",
    "initial_loss": "loss at step 0",
    "final_loss": "loss at the last record",
    "relative_loss": "loss floor: final_loss / initial_loss",
    "rel_loss_threshold": "converged if relative_loss <= this",
    "time_to_converge": "first learning time with loss <= rel_loss_threshold * initial loss (nan: never)",
    "time_end": "learning time of the last record",
    "n_timescales": "non-zero eigenvalues of the teacher's W* (its timescales)",
    "learned_timescales": "teacher eigenvalues matched by an eigenvalue of W_K within tolerance",
    "spectral_radius": "largest |eigenvalue| of W_K",
}
SPECTRUM_COLUMNS = {
    "sweep": "sweep name",
    "point": "sweep point index",
    "rule": "learning rule",
    "estimator": "expected or sampled",
    "seed": "seed index",
    "index": "eigenvalue index, by decreasing modulus",
    "real": "real part of the eigenvalue of W_K",
    "imag": "imaginary part",
    "teacher": "true for an eigenvalue of the teacher's W* (rule, estimator and seed empty)",
}
COUNT_COLUMNS = {
    "sweep": "sweep name",
    "point": "sweep point index",
    "rule": "learning rule",
    "estimator": "expected or sampled",
    "state": "end state",
    "count": "runs ending in this state",
    "runs": "runs of this (point, rule, estimator)",
    "fraction": "count / runs",
    "lower": f"95% {stats.INTERVAL_METHOD} interval of the fraction, lower end",
    "upper": "upper end of that interval",
}


def select(table: Mapping[str, np.ndarray], **conditions) -> dict[str, np.ndarray]:
    """Rows of a column table whose columns equal the given values."""
    n = len(next(iter(table.values()))) if table else 0
    mask = np.ones(n, dtype=bool)
    for name, value in conditions.items():
        mask &= np.asarray(table[name] == value, dtype=bool)
    return {name: col[mask] for name, col in table.items()}


def run_columns(axis_names: Sequence[str]) -> dict[str, str]:
    """RUN_COLUMNS with one ``axis_<name>`` column (the point's level label) per sweep axis."""
    cols = {}
    for key, doc in RUN_COLUMNS.items():
        cols[key] = doc
        if key == "point":
            cols.update({f"axis_{a}": f"level of sweep axis {a!r} at this point" for a in axis_names})
    return cols


def time_to_converge(time: np.ndarray, loss: np.ndarray, rel_loss: float) -> float:
    """First recorded time with loss ≤ rel_loss · loss[0] (NaN if none; loss[0] is step 0)."""
    time, loss = np.asarray(time, dtype=float), np.asarray(loss, dtype=float)
    if not len(loss) or not np.isfinite(loss[0]):
        return float("nan")
    hit = np.flatnonzero(loss <= rel_loss * loss[0])
    return float(time[hit[0]]) if hit.size else float("nan")


def teacher_timescales(W_star: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """The non-zero eigenvalues of W* (|λ| > tol), complex, by decreasing modulus."""
    eig = np.linalg.eigvals(np.asarray(W_star, dtype=float))
    eig = eig[np.abs(eig) > tol]
    return eig[np.argsort(-np.abs(eig), kind="stable")]


def learned_timescales(W: np.ndarray, targets: np.ndarray, tol: float) -> int:
    """Number of targets w*_i with an eigenvalue of W within tol (module docstring)."""
    W = np.asarray(W, dtype=float)
    if not np.isfinite(W).all() or not len(targets):
        return 0
    eig = np.linalg.eigvals(W)
    return int(sum(np.min(np.abs(eig - t)) <= tol for t in np.asarray(targets)))


def run_rows(
    sweep: str,
    experiments: Mapping[str, Mapping],
    tables: Mapping[str, Mapping],
    finals: Mapping[tuple, np.ndarray],
    teachers: Mapping[str, np.ndarray],
    tol: float,
) -> tuple[list[dict], list[dict]]:
    """(run rows, spectrum rows) of one sweep.

    experiments: {name: experiment block} (with the ``sweep`` entry of linrnn.sweeps);
    tables: {name: {"runs": runs table, "loss": loss table}};
    finals: {(experiment, rule, estimator, seed): last finite W of the run};
    teachers: {name: teacher W*}.
    """
    rows, spectrum, teacher_done = [], [], set()
    for name, exp in experiments.items():
        point = int(exp["sweep"]["point"])
        labels = exp["sweep"]["labels"]
        targets = teacher_timescales(teachers[name])
        if point not in teacher_done:
            teacher_done.add(point)
            for i, lam in enumerate(targets):
                spectrum.append(
                    dict(
                        sweep=sweep,
                        point=point,
                        rule="",
                        estimator="",
                        seed=-1,
                        index=i,
                        real=lam.real,
                        imag=lam.imag,
                        teacher=True,
                    )
                )
        runs, loss = tables[name]["runs"], tables[name]["loss"]
        for i in range(len(runs["seed"])):
            rule, est, seed = str(runs["rule"][i]), str(runs["estimator"][i]), int(runs["seed"][i])
            curve = select(loss, rule=rule, seed=seed, estimator=est)
            threshold = float(runs["rel_loss_threshold"][i])
            W = finals[(name, rule, est, seed)]
            eig = np.linalg.eigvals(W) if np.isfinite(W).all() else np.full(W.shape[0], np.nan)
            eig = eig[np.argsort(-np.abs(eig), kind="stable")]
            row = dict(sweep=sweep, point=point, **{f"axis_{k}": v for k, v in labels.items()})
            row.update(
                experiment=name,
                rule=rule,
                estimator=est,
                seed=seed,
                outcome=str(runs["outcome"][i]),
                initial_loss=float(runs["initial_loss"][i]),
                final_loss=float(runs["final_loss"][i]),
                relative_loss=float(runs["relative_loss"][i]),
                rel_loss_threshold=threshold,
                time_to_converge=time_to_converge(curve["time"], curve["loss"], threshold),
                time_end=float(curve["time"][-1]) if len(curve["time"]) else float("nan"),
                n_timescales=len(targets),
                learned_timescales=learned_timescales(W, targets, tol),
                spectral_radius=float(np.max(np.abs(eig))) if len(eig) else float("nan"),
            )
            rows.append(row)
            for j, lam in enumerate(eig):
                spectrum.append(
                    dict(
                        sweep=sweep,
                        point=point,
                        rule=rule,
                        estimator=est,
                        seed=seed,
                        index=j,
                        real=lam.real,
                        imag=lam.imag,
                        teacher=False,
                    )
                )
    return rows, spectrum


def end_states(rows: Sequence[Mapping]) -> list[str]:
    """The end states counted: the known ones, then any other outcome seen in ``rows``."""
    extra = sorted({str(r["outcome"]) for r in rows} - set(KNOWN_STATES))
    return list(KNOWN_STATES) + extra


def count_rows(sweep: str, rows: Sequence[Mapping], states: Sequence[str], confidence: float = 0.95) -> list[dict]:
    """Outcome counts per (point, rule, estimator) with Clopper–Pearson intervals (COUNT_COLUMNS);
    every state of ``states`` gets a row, also when no run ended in it."""
    groups: dict[tuple, list[str]] = {}
    for r in rows:
        groups.setdefault((int(r["point"]), r["rule"], r["estimator"]), []).append(r["outcome"])
    out = []
    for (point, rule, est), outcomes in sorted(groups.items()):
        for c in stats.count_rows({rule: outcomes}, states, confidence):
            c.pop("group")
            out.append(dict(sweep=sweep, point=point, rule=rule, estimator=est, **c))
    return out
