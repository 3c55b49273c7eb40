"""Result files: atomic writers, provenance and safe loaders.

Conventions (docs/pipeline.md):
- every file is written to a hidden temporary name in the same directory and moved into place
  with ``os.replace``, so a killed job never leaves a file that looks complete;
- ``.npz`` files hold plain numeric/string arrays only and carry their provenance as a 0-d
  string array ``provenance`` (JSON); they are always loaded with ``allow_pickle=False``;
- CSV tables are tidy (long format, one observation per row), written and read with pandas,
  and carry provenance and the meaning of every column in a ``<name>.meta.json`` sidecar
  written by the same job (a Frictionless tabular data resource: ``schema.fields``);
- provenance = the config slice that made the file, the package version, the git revision,
  the producing rule and its wildcards. No timestamps, so reruns give identical bytes.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import html
import io
import json
import logging
import math
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

import linrnn

PROVENANCE_KEY = "provenance"


# --------------------------------------------------------------------------- atomic writes


@contextlib.contextmanager
def atomic_target(path):
    """Yield a temporary sibling of ``path``; on success ``os.replace`` it onto ``path``.

    A reader (or Snakemake) never sees a half-written ``path``. Temporaries left by an earlier
    process that was killed mid-write (``.name.tmp<pid>``) are removed first, so an interrupted
    run leaves no debris once the job is rerun.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.tmp*"):
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path, data: bytes) -> None:
    """Write bytes to ``path`` via a temporary file and ``os.replace`` (atomic on POSIX)."""
    with atomic_target(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


# --------------------------------------------------------------------------- JSON


def to_jsonable(value):
    """Convert numpy scalars/arrays and tuples to plain JSON types (NaN/inf become strings)."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(value) -> str:
    return json.dumps(to_jsonable(value), indent=2, sort_keys=True, allow_nan=False) + "\n"


def read_json(path):
    """The JSON value stored at ``path``."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def write_json(path, value) -> None:
    atomic_write_text(path, dumps(value))


# --------------------------------------------------------------------------- provenance


@functools.cache
def git_revision() -> str:
    """``git describe --always --dirty --abbrev=40`` of the repository holding the package source.

    "unknown" when the source is not in a git checkout (e.g. an installed wheel).
    """
    src = Path(linrnn.__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=40"],
            cwd=src,
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def provenance(config_slice, *, rule: str = "", wildcards: Mapping | None = None, **extra) -> dict:
    """The record stored with every result file (see module docstring)."""
    record = {
        "package": "linrnn",
        "version": linrnn.__version__,
        "git_revision": git_revision(),
        "numpy": np.__version__,
        "rule": rule,
        "wildcards": dict(wildcards or {}),
        "config": config_slice,
    }
    record.update(extra)
    return to_jsonable(record)


# --------------------------------------------------------------------------- npz


def save_npz(path, arrays: Mapping[str, object], prov: Mapping | None = None) -> None:
    """Atomically write an uncompressed ``.npz`` of plain arrays, plus a ``provenance`` entry.

    Object arrays are refused (they would need pickle to load).
    """
    clean = {}
    for name, value in arrays.items():
        arr = np.asarray(value)
        if arr.dtype == object:
            raise TypeError(f"array {name!r} has dtype object; store numbers or strings only")
        clean[name] = arr
    if prov is not None:
        if PROVENANCE_KEY in clean:
            raise ValueError(f"array name {PROVENANCE_KEY!r} is reserved")
        clean[PROVENANCE_KEY] = np.array(dumps(prov))
    buf = io.BytesIO()
    np.savez(buf, **clean)
    atomic_write_bytes(path, buf.getvalue())


def load_npz(path) -> dict[str, np.ndarray]:
    """Load every array of an ``.npz`` (``allow_pickle=False``) into a dict (file closed after)."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def npz_provenance(path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data[PROVENANCE_KEY]))


def scalar(arrays: Mapping[str, np.ndarray], name: str):
    """A 0-d entry as a Python scalar (str, int, float)."""
    return np.asarray(arrays[name]).item()


# --------------------------------------------------------------------------- CSV tables


def meta_path(path) -> Path:
    """The sidecar of ``results/x/name.csv`` is ``results/x/name.meta.json``."""
    path = Path(path)
    return path.with_name(path.stem + ".meta.json")


MISSING = "nan"  # how a missing or undefined number is written (Python's repr of NaN)


def _field_type(column: pd.Series) -> str:
    """Frictionless Table Schema type of a column (integer, number, boolean or string)."""
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "integer"
    if pd.api.types.is_float_dtype(column):
        return "number"
    return "string"


def table_schema(frame: pd.DataFrame, columns: Mapping[str, str]) -> dict:
    """The Frictionless Table Schema of a table: ``{"fields": [{name, type, description}], ...}``.

    Booleans are written ``true``/``false`` and missing numbers ``nan``; both are declared, so
    generic readers (frictionless, pandas with :func:`read_table`'s options) parse the CSV back.
    """
    fields = []
    for name, description in columns.items():
        field = {"name": name, "type": _field_type(frame[name]), "description": description}
        if field["type"] == "boolean":
            field.update(trueValues=["true"], falseValues=["false"])
        fields.append(field)
    return {"fields": fields, "missingValues": [MISSING]}


def write_table(path, table, columns: Mapping[str, str], prov: Mapping) -> None:
    """Write a tidy CSV (one row per observation) with pandas, and its ``.meta.json`` sidecar.

    ``table``: a ``pandas.DataFrame`` or an iterable of row dicts; ``columns`` maps each column
    name, in CSV order, to its description, and the table must have exactly those columns.
    Numbers are written at full precision (the shortest text that reads back to the same
    float), booleans as ``true``/``false``, NaN as ``nan``. The sidecar is a Frictionless
    tabular data resource: ``{"profile", "name", "path", "format", "encoding", "schema":
    {"fields": [{"name", "type", "description"}, ...], "missingValues"}, "n_rows",
    "provenance"}``. No timestamps: the same table gives the same bytes.
    """
    names = list(columns)
    if isinstance(table, pd.DataFrame):
        frame = table
    else:
        rows = list(table)
        for row in rows:
            if set(row) != set(names):
                missing = sorted(set(names) - set(row))
                extra = sorted(set(row) - set(names))
                raise ValueError(f"row keys differ from columns: missing {missing}, extra {extra}")
        frame = pd.DataFrame.from_records(rows, columns=names)
    if set(frame.columns) != set(names) or len(frame.columns) != len(names):
        missing = sorted(set(names) - set(frame.columns))
        extra = sorted(set(frame.columns) - set(names))
        raise ValueError(f"table columns differ from the described columns: missing {missing}, extra {extra}")
    frame = frame[names]
    text = frame.assign(
        **{
            name: frame[name].map({True: "true", False: "false"})
            for name in names
            if _field_type(frame[name]) == "boolean"
        }
    ).to_csv(index=False, lineterminator="\n", na_rep=MISSING)
    atomic_write_text(path, text)
    path = Path(path)
    resource = {
        "profile": "tabular-data-resource",
        "name": path.stem.lower(),
        "path": path.name,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": table_schema(frame, columns),
        "n_rows": len(frame),
        "provenance": prov,
    }
    write_json(meta_path(path), resource)


def read_table(path) -> pd.DataFrame:
    """Read a CSV written by :func:`write_table` into a ``pandas.DataFrame``.

    Numeric columns become int64/float64 (``nan``, ``inf`` and ``-inf`` are numbers),
    ``true``/``false`` bool, the rest strings; an empty cell stays an empty string.
    """
    return pd.read_csv(path, keep_default_na=False, na_values=[MISSING], true_values=["true"], false_values=["false"])


def table_fields(path) -> list[dict]:
    """The described columns of a table (its sidecar's ``schema.fields``)."""
    return read_json(meta_path(path))["schema"]["fields"]


def select(table, **conditions) -> dict[str, np.ndarray]:
    """Rows of a table whose columns equal the given values, as ``{column: numpy array}``.

    ``table``: a DataFrame (e.g. from :func:`read_table`) or such a column dict;
    ``select(runs, rule="rflo", seed=0)``. The arrays are what the figure and claim code
    computes with (positional indexing, numpy reductions).
    """
    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(dict(table))
    mask = np.ones(len(frame), dtype=bool)
    for name, value in conditions.items():
        mask &= np.asarray(frame[name] == value, dtype=bool)
    return {name: frame[name].to_numpy()[mask] for name in frame.columns}


_HTML_STYLE = """
body { font-family: sans-serif; font-size: 13px; margin: 12px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: #eee; }
tr.failed td { background: #fde2e2; }
"""


def table_html(path, title: str) -> str:
    """A CSV written by :func:`write_table` as one standalone HTML page (for the HTML report).

    Every cell is the CSV's text, unchanged (HTML-escaped); a row whose ``passed`` column is
    ``false`` is highlighted. No timestamps: the same CSV gives the same bytes.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)  # every cell as the CSV's text
    header, rows = list(frame.columns), frame.values.tolist()
    failed = header.index("passed") if "passed" in header else None

    def cells(tag, values):
        return "".join(f"<{tag}>{html.escape(v)}</{tag}>" for v in values)

    def tr(row):
        mark = ' class="failed"' if failed is not None and row[failed] == "false" else ""
        return f"<tr{mark}>{cells('td', row)}</tr>"

    body = "\n".join(tr(row) for row in rows)
    return (
        f'<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_HTML_STYLE}</style></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        f"<p>{len(rows)} rows; source: {html.escape(Path(path).name)}</p>\n"
        f"<table>\n<thead><tr>{cells('th', header)}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
        "</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- job helpers


def job_provenance(job, **extra) -> dict:
    """Provenance of a Snakemake script job: its ``params.cfg`` slice, rule, wildcards and the
    paths of its outputs (a reader checks that it reads a file where it was written,
    linrnn.pipeline.inputs)."""
    wildcards = {k: v for k, v in job.wildcards.items()}
    params = {k: v for k, v in job.params.items() if k not in ("cfg", "code")}
    outputs = [os.path.normpath(str(p)) for p in job.output]
    return provenance(job.params.cfg, rule=job.rule, wildcards=wildcards, params=params, outputs=outputs, **extra)


def remove_stale(products) -> list[str]:
    """Remove every product whose inputs are not all present; ``products`` = (outputs, inputs)
    pairs. Repeats until nothing changes (a removed product may be another's input). Returns
    the removed paths."""
    removed: list[str] = []
    changed = True
    while changed:
        changed = False
        for outputs, inputs in products:
            if all(Path(p).exists() for p in inputs):
                continue
            for path in map(Path, outputs):
                if path.exists():
                    path.unlink()
                    removed.append(str(path))
                    changed = True
    return removed


@contextlib.contextmanager
def job_log(path, name: str = "linrnn"):
    """Log to ``path`` for the duration of a job; an exception is logged with its traceback."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"{name}.{os.getpid()}")
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger
    except BaseException:
        logger.exception("job failed")
        raise
    finally:
        logger.removeHandler(handler)
        handler.close()


def read_experiment_tables(paths) -> dict[str, dict[str, pd.DataFrame]]:
    """``{experiment: {table: DataFrame}}`` from paths ``.../tables/<experiment>/<table>.csv``."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for path in map(Path, paths):
        out.setdefault(path.parent.name, {})[path.stem] = read_table(path)
    return out
