"""Tidy diagnostics tables of one experiment, built from its teacher, inits, runs and ODEs.

Each table is built as row dicts and returned as a pandas DataFrame with the columns of
``COLUMNS[table]`` (long format, one observation per row; column meanings are stored in each
CSV's ``.meta.json`` sidecar).
Metric definitions: linrnn.analysis.diagnostics.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from linrnn.analysis import diagnostics as dg
from linrnn.core import projection
from linrnn.core.model import RNN
from linrnn.pipeline import experiment
from linrnn.pipeline.io import scalar, select

KEY = {
    "experiment": "experiment name (config key)",
    "rule": "learning rule (bptt, tbptt, rflo, eprop)",
    "estimator": "update estimator: expected (closed-form E[update]) or sampled (minibatch)",
    "seed": "seed index (config seeds)",
}
STEP = {
    "step": "learning step k",
    "time": "learning time eta * k",
}

COLUMNS: dict[str, dict[str, str]] = {
    "loss": {
        **KEY,
        **STEP,
        "loss": "expected loss L_T of the student (T of the run; T -> infinity if T_expected null)",
    },
    "modes": {
        **KEY,
        "estimator": "expected or sampled (full RNN read in the hidden basis) or ode (per-mode ODE)",
        "status": (
            "run end state (converged/stalled/diverged/budget_exhausted) or ODE status "
            "(ok/left_stable_region/diverged/failed)"
        ),
        **STEP,
        "mode_index": "teacher mode i (0 = first listed mode)",
        "a": "readout mode value a_i = (U^T A P)_ii (P: hidden basis, config hidden_basis)",
        "b": "input mode value b_i = (P^T B V)_ii",
        "w": "recurrent mode value w_i = (P^T W P)_ii",
        "a_star": "teacher readout mode value",
        "b_star": "teacher input mode value",
        "w_star": "teacher recurrent mode value",
    },
    "ode_match": {
        **KEY,
        "mode_index": "teacher mode i (0 = first listed mode)",
        "strength": "|a*_i b*_i|, the mode's strength (dominant modes: the largest)",
        "ab_deviation": "max over the run's times of |a_i b_i - (a_i b_i)_ODE| / |a*_i b*_i| (ODE interpolated)",
        "w_deviation": "max over the run's times of |w_i - w_i,ODE|",
        "covered": "fraction of the run's recorded times the ODE reached (1: the whole run)",
    },
    "alignment": {
        **KEY,
        **STEP,
        "metric": "recurrent, input, output (mode-diagonal fractions) or feedback (cos(A, R))",
        "value": "metric value (definitions: linrnn.analysis.diagnostics, docs/pipeline.md)",
    },
    "spectra": {
        **KEY,
        "matrix": "W (recurrent change W_K - W_0) or B (input change B_K - B_0)",
        "index": "singular value index i (0 = largest)",
        "singular_value": "i-th singular value of the change after the last recorded step",
        "outcome": "end state of the run: converged, stalled, diverged or budget_exhausted (as in the runs table)",
    },
    "runs": {
        **KEY,
        "o": "output dimension",
        "outcome": (
            "end state of the run: converged (loss <= analysis.rel_loss x initial), stalled (training.stop "
            "plateau rule), diverged or budget_exhausted"
        ),
        "train_status": "end state of training: converged, stalled, diverged or budget_exhausted",
        "diverged_step": "step at which the run diverged (-1 if it did not)",
        "last_step": "last recorded step (the final finite state)",
        "initial_loss": "loss at step 0",
        "final_loss": "loss at the last recorded step",
        "relative_loss": "final_loss / initial_loss",
        "rel_loss_threshold": "converged if relative_loss <= this (config analysis.rel_loss)",
        "rank_W": "numerical rank of W_K - W_0 (singular values > rank_rtol * largest)",
        "effective_rank_W": "entropy effective rank of W_K - W_0 (Roy & Vetterli 2007)",
        "rank_B": "numerical rank of B_K - B_0",
        "effective_rank_B": "entropy effective rank of B_K - B_0",
        "message": "training message (reason of divergence, empty if none)",
    },
}


def _key(prov: Mapping) -> dict:
    wc = prov["wildcards"]
    return {
        "experiment": wc["experiment"],
        "rule": wc["learner"],
        "estimator": wc.get("estimator", ""),
        "seed": int(wc["seed"]),
    }


def loss_rows(key: dict, run: Mapping) -> list[dict]:
    return [
        {**key, "step": int(s), "time": float(t), "loss": float(v)}
        for s, t, v in zip(run["steps"], run["time"], run["loss"], strict=True)
    ]


def mode_rows(key: dict, status: str, steps, times, a, b, w, teacher) -> list[dict]:
    rows = []
    for j, (s, t) in enumerate(zip(steps, times, strict=True)):
        for i in range(teacher.k):
            rows.append(
                {
                    **key,
                    "status": status,
                    "step": int(s),
                    "time": float(t),
                    "mode_index": i,
                    "a": float(a[j, i]),
                    "b": float(b[j, i]),
                    "w": float(w[j, i]),
                    "a_star": float(teacher.a[i]),
                    "b_star": float(teacher.b[i]),
                    "w_star": float(teacher.w[i]),
                }
            )
    return rows


def run_rows(key: dict, run: Mapping, teacher, R, basis: str) -> tuple[list[dict], list[dict]]:
    """``modes`` and ``alignment`` rows of a run, every record read in one hidden basis P.

    P is the run's final (last finite) student basis or the teacher's (``basis``; see
    linrnn.analysis.diagnostics).
    """
    last = dg.last_finite_index(run["W"])
    final = RNN(run["A"][last], run["W"][last], run["B"][last])
    P = projection.hidden_basis(final, teacher.bases, teacher.k, basis)
    status = str(scalar(run, "status"))
    n_rec = last + 1
    a, b, w = (
        np.zeros((n_rec, teacher.k)),
        np.zeros((n_rec, teacher.k)),
        np.zeros((n_rec, teacher.k)),
    )
    align = []
    for j in range(n_rec):
        net = RNN(run["A"][j], run["W"][j], run["B"][j])
        a[j], b[j], w[j] = projection.mode_values(net, teacher.bases, P)
        s, t = int(run["steps"][j]), float(run["time"][j])
        for metric, value in dg.alignment(net, teacher.bases, P, R).items():
            align.append({**key, "step": s, "time": t, "metric": metric, "value": value})
    modes = mode_rows(key, status, run["steps"][:n_rec], run["time"][:n_rec], a, b, w, teacher)
    return modes, align


def run_summary(key: dict, run: Mapping, analysis: Mapping) -> tuple[dict, list[dict]]:
    """One ``runs`` row and the ``spectra`` rows of a run (last finite recorded state)."""
    last = dg.last_finite_index(run["W"])
    status = str(scalar(run, "status"))
    initial, final = float(run["loss"][0]), float(run["loss"][last])
    outcome = dg.run_outcome(status, initial, final, analysis["rel_loss"])
    spectra, summary = [], {}
    for name in ("W", "B"):
        sv = dg.singular_values(run[name][last] - run[name][0])
        summary[f"rank_{name}"] = dg.numerical_rank(sv, analysis["rank_rtol"])
        summary[f"effective_rank_{name}"] = dg.effective_rank(sv)
        spectra += [
            {**key, "matrix": name, "index": i, "singular_value": float(v), "outcome": outcome}
            for i, v in enumerate(sv)
        ]
    row = {
        **key,
        "o": int(run["A"].shape[1]),
        "outcome": outcome,
        "train_status": status,
        "diverged_step": int(scalar(run, "diverged_step")),
        "last_step": int(run["steps"][last]),
        "initial_loss": initial,
        "final_loss": final,
        "relative_loss": final / initial if initial > 0 else float("nan"),
        "rel_loss_threshold": float(analysis["rel_loss"]),
        **summary,
        "message": str(scalar(run, "message")),
    }
    return row, spectra


def ode_match_rows(mode_rows: list[dict]) -> list[dict]:
    """``ode_match`` rows: for every run (rule, estimator, seed) with an ODE of the same rule and
    seed, how closely each mode follows it (linrnn.analysis.diagnostics.ode_match)."""
    if not mode_rows:
        return []
    t = {k: np.array([r[k] for r in mode_rows]) for k in mode_rows[0]}
    keys = sorted({tuple(r[k] for k in KEY) for r in mode_rows if r["estimator"] != "ode"})
    rows = []
    for key in keys:
        where = dict(zip(KEY, key, strict=True))
        run = select(t, **where)
        ode = select(t, **(where | {"estimator": "ode"}))
        if not len(ode["time"]):
            continue
        for i in np.unique(run["mode_index"]):
            r, o = select(run, mode_index=i), select(ode, mode_index=i)
            scale = abs(float(r["a_star"][0]) * float(r["b_star"][0]))
            m = dg.ode_match(r["time"], r["a"] * r["b"], r["w"], o["time"], o["a"] * o["b"], o["w"], scale)
            rows.append({**where, "mode_index": int(i), "strength": scale, **m})
    return rows


def experiment_tables(
    teacher_arrays: Mapping,
    inits: Mapping[int, Mapping],
    runs: list[tuple[Mapping, Mapping]],
    odes: list[tuple[Mapping, Mapping]],
    analysis: Mapping,
    basis: str = "final",
) -> dict[str, pd.DataFrame]:
    """All tables of one experiment, one tidy DataFrame each (columns: ``COLUMNS[table]``).

    ``runs`` and ``odes`` are lists of (provenance, arrays); the provenance wildcards say which
    rule, estimator and seed each file belongs to. ``inits`` maps seed → init arrays (for R).
    ``basis`` is the hidden basis runs are read in ("final" or "teacher", linrnn.analysis.diagnostics).
    """
    teacher = experiment.teacher_object(teacher_arrays)
    tables: dict[str, list[dict]] = {name: [] for name in COLUMNS}
    for prov, run in sorted(runs, key=lambda pr: tuple(_key(pr[0]).values())):
        key = _key(prov)
        tables["loss"] += loss_rows(key, run)
        row, spectra = run_summary(key, run, analysis)
        tables["runs"].append(row)
        tables["spectra"] += spectra
        if teacher is not None:
            modes, align = run_rows(key, run, teacher, inits[key["seed"]]["R"], basis)
            tables["modes"] += modes
            tables["alignment"] += align
    if teacher is not None:
        for prov, ode in sorted(odes, key=lambda pr: tuple(_key(pr[0]).values())):
            key = {**_key(prov), "estimator": "ode"}
            t = ode["t"]
            steps = np.rint(t / prov["config"]["training"]["eta"]).astype(int)
            tables["modes"] += mode_rows(
                key, str(scalar(ode, "status")), steps, t, ode["a"], ode["b"], ode["w"], teacher
            )
    tables["ode_match"] = ode_match_rows(tables["modes"])
    return {name: pd.DataFrame.from_records(rows, columns=list(COLUMNS[name])) for name, rows in tables.items()}
