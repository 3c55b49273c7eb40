"""Verified loaders: every result file a job reads is checked where it is read.

A file on disk is trusted only after three checks, each failing with an error that names the
file and the fix:

1. it can be read (a truncated or corrupt ``.npz``/CSV/sidecar: "delete it and rerun";
   Snakemake then remakes it from its own inputs);
2. it is the file its path says: its provenance record lists the outputs of the job that wrote
   it (linrnn.pipeline.io.job_provenance), and the path it is read from must be one of them
   (another run's file copied or moved into place is refused);
3. its arrays have the shapes its config implies: n, d, o (and k for an aligned teacher) from
   the teacher's own provenance config, one record axis shared by every per-record array.

``check_run_set`` makes diagnostics read exactly the configured runs (every rule × estimator ×
seed once, nothing else). Tables are checked against their ``.meta.json`` sidecar (columns,
row count, the table's own path in the provenance).
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from linrnn.pipeline import io

DELETE = "delete it and rerun (Snakemake remakes it from its inputs)"


class ResultFileError(RuntimeError):
    """A result file that is unreadable, misplaced or of the wrong shape (message names it)."""


def _fail(path, problem: str, fix: str = DELETE) -> ResultFileError:
    return ResultFileError(f"{path}: {problem}. Fix: {fix}")


def _same_path(a, b) -> bool:
    return os.path.normpath(str(a)) == os.path.normpath(str(b))


def check_identity(path, prov: Mapping, rule: str | None = None) -> None:
    """The file at ``path`` was written there: ``path`` is one of its job's recorded outputs."""
    outputs = prov.get("outputs")
    if not isinstance(outputs, list):
        raise _fail(path, "its provenance does not record where it was written (an older or foreign file)")
    if not any(_same_path(path, out) for out in outputs):
        made = f"rule {prov.get('rule', '?')} with wildcards {prov.get('wildcards', {})}"
        raise _fail(
            path,
            f"holds the output of {made}, written as {', '.join(outputs)}: it was copied or moved here",
        )
    if rule is not None and prov.get("rule") != rule:
        raise _fail(path, f"was written by rule {prov.get('rule')!r}, not by {rule!r}")


def load_result(path, rule: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """(provenance, arrays) of a result ``.npz``, readable and at its own path (checks 1-2)."""
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as data:  # the file closes on error
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise _fail(path, "does not exist", "rerun Snakemake (it remakes missing inputs)") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, TypeError, AttributeError) as err:
        raise _fail(path, f"cannot be read ({type(err).__name__}: {err}); the file is truncated or corrupt") from None
    if io.PROVENANCE_KEY not in arrays:
        raise _fail(path, "has no provenance record: it was not written by this pipeline")
    try:
        prov = json.loads(str(arrays.pop(io.PROVENANCE_KEY)))
    except ValueError as err:
        raise _fail(path, f"its provenance record is corrupt ({err})") from None
    check_identity(path, prov, rule)
    return prov, arrays


def check_shapes(path, arrays: Mapping[str, np.ndarray], shapes: Mapping[str, tuple]) -> None:
    """Every named array exists with the given shape; a str entry is a free length that must
    be the same wherever the same symbol appears (e.g. "r" = the number of records)."""
    bound: dict[str, int] = {}
    for name, shape in shapes.items():
        if name not in arrays:
            raise _fail(path, f"has no array {name!r}")
        actual = np.shape(arrays[name])
        ok = len(actual) == len(shape)
        for want, got in zip(shape, actual, strict=False):
            if isinstance(want, str):
                ok &= bound.setdefault(want, got) == got
            else:
                ok &= want == got
        if not ok:
            expected = tuple(bound.get(s, s) if isinstance(s, str) else s for s in shape)
            raise _fail(path, f"array {name!r} has shape {actual}, but its config implies {expected}")


def dims(teacher_prov: Mapping, teacher_arrays: Mapping) -> dict[str, int]:
    """n, d, o (and k, the aligned teacher's mode count) from the teacher's provenance config."""
    cfg = teacher_prov.get("config", {})
    out = {key: int(cfg[key]) for key in ("n", "d", "o") if key in cfg}
    if len(out) < 3:
        raise ResultFileError("teacher provenance lacks n, d, o. Fix: " + DELETE)
    if io.scalar(teacher_arrays, "kind") == "aligned":
        out["k"] = int(np.size(cfg["teacher"]["a_star"]))
    return out


def load_teacher(path) -> tuple[dict, dict[str, np.ndarray], dict[str, int]]:
    """(provenance, arrays, dims) of a teacher file, verified."""
    prov, arrays = load_result(path, "make_teacher")
    if "kind" not in arrays:
        raise _fail(path, "has no array 'kind'")
    d = dims(prov, arrays)
    n, i, o = d["n"], d["d"], d["o"]
    shapes = {"A": (o, n), "W": (n, n), "B": (n, i)}
    if "k" in d:
        shapes.update(a_star=(d["k"],), b_star=(d["k"],), w_star=(d["k"],), U=(o, o), V=(i, i), P=(n, n))
    check_shapes(path, arrays, shapes)
    return prov, arrays, d


def load_init(path, d: Mapping[str, int]) -> tuple[dict, dict[str, np.ndarray]]:
    prov, arrays = load_result(path, "make_init")
    n, i, o = d["n"], d["d"], d["o"]
    check_shapes(path, arrays, {"A0": (o, n), "W0": (n, n), "B0": (n, i), "R": (o, n)})
    return prov, arrays


def load_run(path, d: Mapping[str, int]) -> tuple[dict, dict[str, np.ndarray]]:
    prov, arrays = load_result(path)
    n, i, o = d["n"], d["d"], d["o"]
    shapes = {"steps": ("r",), "time": ("r",), "loss": ("r",), "A": ("r", o, n), "W": ("r", n, n), "B": ("r", n, i)}
    check_shapes(path, arrays, shapes)
    if len(arrays["steps"]) < 1:
        raise _fail(path, "has no record (not even step 0)")
    return prov, arrays


def load_ode(path, d: Mapping[str, int]) -> tuple[dict, dict[str, np.ndarray]]:
    prov, arrays = load_result(path, "integrate_ode")
    k = d.get("k")
    if k is None:
        raise _fail(path, "is an ODE of an experiment whose teacher has no modes", DELETE)
    check_shapes(path, arrays, {"t": ("m",), "a": ("m", k), "b": ("m", k), "w": ("m", k)})
    return prov, arrays


def check_run_set(provs: Sequence[tuple[str, Mapping]], experiment: str, expected: Iterable[Mapping]) -> None:
    """The runs read are exactly the expected ones (each once): ``provs`` = (path, provenance),
    ``expected`` = the wildcards each configured run must have (values compared as strings)."""

    def key(wc: Mapping) -> tuple:
        return tuple(sorted((k, str(v)) for k, v in wc.items()))

    want = {key({"experiment": experiment, **wc}) for wc in expected}
    seen: dict[tuple, str] = {}
    for path, prov in provs:
        k = key(prov.get("wildcards", {}))
        if k in seen:
            raise _fail(path, f"is the same run as {seen[k]}")
        if k not in want:
            raise _fail(path, f"is run {dict(k)}, which the config of {experiment!r} does not ask for")
        seen[k] = path
    missing = sorted(want - set(seen))
    if missing:
        raise ResultFileError(
            f"{experiment}: configured runs not among the inputs: {[dict(m) for m in missing]}."
            " Fix: rerun Snakemake (its input list follows the config)"
        )


def configured_runs(cfg: Mapping, learner: str = "learner", estimator: str = "estimator") -> list[dict]:
    """Wildcards of every configured run of a diagnostics config slice (rules × estimators × seeds)."""
    return [
        {learner: r, estimator: e, "seed": s}
        for r, e, s in itertools.product(cfg["rules"], cfg["estimators"], cfg["seeds"])
    ]


def check_table(path) -> None:
    """A CSV written by io.write_table: readable, its sidecar's columns and row count, at its path."""
    meta = io.meta_path(path)
    try:
        sidecar = io.read_json(meta)
    except FileNotFoundError:
        raise _fail(meta, "is missing (the sidecar of a table)") from None
    except (OSError, ValueError) as err:
        raise _fail(meta, f"cannot be read ({type(err).__name__}: {err}); the file is corrupt") from None
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError:
        raise _fail(path, "does not exist", "rerun Snakemake (it remakes missing inputs)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise _fail(path, f"cannot be read ({type(err).__name__}: {err}); the file is corrupt") from None
    columns = [f.get("name") for f in sidecar.get("schema", {}).get("fields", [])]
    if not rows or rows[0] != columns:
        raise _fail(path, f"its header {rows[0] if rows else []} is not the columns of its sidecar {columns}")
    if len(rows) - 1 != sidecar.get("n_rows") or any(len(r) != len(columns) for r in rows[1:]):
        raise _fail(path, f"has {len(rows) - 1} rows of varying width, its sidecar says {sidecar.get('n_rows')}")
    check_identity(path, sidecar.get("provenance", {}))


def read_tables(paths) -> dict[str, dict[str, pd.DataFrame]]:
    """io.read_experiment_tables after check_table on every path."""
    paths = [Path(p) for p in paths]
    for path in paths:
        check_table(path)
    return io.read_experiment_tables(paths)
