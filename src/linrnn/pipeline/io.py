"""Result files: atomic writers, provenance and safe loaders.

Conventions (docs/pipeline.md):
- every file is written to a hidden temporary name in the same directory and moved into place
  with ``os.replace``, so a killed job never leaves a file that looks complete;
- ``.npz`` files hold plain numeric/string arrays only and carry their provenance as a 0-d
  string array ``provenance`` (JSON); they are always loaded with ``allow_pickle=False``;
- CSV tables are tidy (long format, one observation per row) and carry provenance and the
  meaning of every column in a ``<name>.meta.json`` sidecar written by the same job;
- provenance = the config slice that made the file, the package version, the git revision,
  the producing rule and its wildcards. No timestamps, so reruns give identical bytes.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import glob
import html
import io
import json
import logging
import math
import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

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


def _format(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def write_table(
    path,
    rows: Iterable[Mapping],
    columns: Mapping[str, str],
    prov: Mapping,
) -> None:
    """Write a tidy CSV (header = ``columns`` keys, in order) and its ``.meta.json`` sidecar.

    ``columns`` maps each column name to its description; rows must have exactly those keys.
    The sidecar holds ``{"columns": [{"name", "description"}, ...] (CSV order), "n_rows",
    "provenance"}``.
    """
    names = list(columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    n_rows = 0
    for row in rows:
        if set(row) != set(names):
            missing = sorted(set(names) - set(row))
            extra = sorted(set(row) - set(names))
            raise ValueError(f"row keys differ from columns: missing {missing}, extra {extra}")
        writer.writerow([_format(row[name]) for name in names])
        n_rows += 1
    atomic_write_text(path, buf.getvalue())
    described = [{"name": k, "description": v} for k, v in columns.items()]
    write_json(meta_path(path), {"columns": described, "n_rows": n_rows, "provenance": prov})


def _parse(text: str):
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_table(path) -> dict[str, np.ndarray]:
    """Read a CSV written by :func:`write_table` into ``{column: numpy array}``.

    Numeric columns become float/int arrays, ``true``/``false`` bool, the rest strings.
    """
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        cols: list[list] = [[] for _ in header]
        for row in reader:
            for j, text in enumerate(row):
                cols[j].append(_parse(text))
    table = {}
    for name, values in zip(header, cols, strict=True):
        kinds = {type(v) for v in values}
        if kinds <= {int}:
            table[name] = np.array(values, dtype=int)
        elif kinds <= {int, float}:
            table[name] = np.array(values, dtype=float)
        elif kinds <= {bool}:
            table[name] = np.array(values, dtype=bool)
        else:
            table[name] = np.array([str(v) for v in values], dtype=str)
    return table


def select(table: Mapping[str, np.ndarray], **conditions) -> dict[str, np.ndarray]:
    """Rows of a table whose columns equal the given values: ``select(t, rule="rflo", seed=0)``."""
    if not table:
        return {}
    n = len(next(iter(table.values())))
    if n == 0:
        return dict(table)
    mask = np.ones(n, dtype=bool)
    for name, value in conditions.items():
        mask &= np.asarray(table[name] == value, dtype=bool)
    return {name: col[mask] for name, col in table.items()}


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
    with open(path, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
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


def read_experiment_tables(paths) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    """``{experiment: {table: columns}}`` from paths ``.../tables/<experiment>/<table>.csv``."""
    out: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for path in map(Path, paths):
        out.setdefault(path.parent.name, {})[path.stem] = read_table(path)
    return out
