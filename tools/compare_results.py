#!/usr/bin/env python3
"""Compare two result trees file by file: the proof that a refactor changed no science.

    python tools/compare_results.py OLD NEW [--rename-column mode=estimator] [--skip DIR ...]

OLD and NEW are ``results/`` directories (or copies of them). Every file present in either tree
is compared, except those under the skipped directories (default: ``logs``, ``benchmarks``, whose
contents are wall times and log lines):

- ``.npz``: the same array names, and every array equal exactly (dtype, shape, every element;
  NaN equals NaN). The ``provenance`` entry is ignored.
- ``.csv``: the same header and the same rows, cell by cell as text (the tables are written with
  ``repr`` precision, so text equality is bit equality of the numbers).
- ``.json`` (the ``.meta.json`` sidecars): equal as JSON after dropping every ``provenance`` entry
  (config slice, wildcards, git revision, code hashes). A table sidecar in the Frictionless shape
  (``schema.fields``) is compared by its column names and descriptions, like the older
  ``columns`` shape. In a ``columns`` list, a renamed column may
  carry a new description; any other description change counts as a difference.
- everything else (``.png``, ``.pdf``, ``.html``, ...): byte for byte.

``--rename-column OLD=NEW`` states a deliberate column rename: OLD's column called ``OLD`` must
appear in NEW as ``NEW`` at the same position with the same cells. ``--replace-text OLD=NEW``
states a deliberate change of text (e.g. a module path quoted in a table cell or a column
description): it is applied to OLD's CSV cells and JSON strings before they are compared, never to
numbers or binary files. ``--new-file GLOB`` states files that only NEW may have (new outputs,
e.g. ``tables/*/ode_match.*``): they are listed but are no difference. Renames of the file paths
are not supported (paths keep their shape).

Exit status 0 if nothing differs, 1 otherwise; the summary lists every difference.
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import json
import sys
from pathlib import Path

import numpy as np

IGNORED_KEYS = ("provenance",)
DEFAULT_SKIP = ("logs", "benchmarks")


def _files(root: Path, skip: tuple[str, ...]) -> set[str]:
    out = set()
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(root)
        if rel.parts[0] in skip or any(p.startswith(".") for p in rel.parts):
            continue
        out.add(rel.as_posix())
    return out


def compare_npz(old: Path, new: Path) -> list[str]:
    """Differences between two .npz files (every array exactly; provenance ignored)."""
    with np.load(old, allow_pickle=False) as a, np.load(new, allow_pickle=False) as b:
        ka = set(a.files) - set(IGNORED_KEYS)
        kb = set(b.files) - set(IGNORED_KEYS)
        diffs = [f"array {k!r} only in OLD" for k in sorted(ka - kb)]
        diffs += [f"array {k!r} only in NEW" for k in sorted(kb - ka)]
        for k in sorted(ka & kb):
            x, y = a[k], b[k]
            if x.dtype != y.dtype or x.shape != y.shape:
                diffs.append(f"array {k!r}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}")
            elif not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
                if x.dtype.kind in "fc":
                    err = np.nanmax(np.abs(x.astype(complex) - y.astype(complex)))
                    diffs.append(f"array {k!r}: values differ (max |OLD - NEW| = {err:.3g})")
                else:
                    diffs.append(f"array {k!r}: values differ")
    return diffs


def _read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _replace(text: str, replacements: dict[str, str]) -> str:
    for k, v in replacements.items():
        text = text.replace(k, v)
    return text


def compare_csv(old: Path, new: Path, renames: dict[str, str], replacements=None) -> list[str]:
    """Differences between two CSV tables (header after the stated renames, then every cell after
    the stated text replacements)."""
    a, b = _read_csv(old), _read_csv(new)
    if replacements:
        a = [[_replace(c, replacements) for c in row] for row in a]
    if not a or not b:
        return [] if a == b else ["one file is empty"]
    header = [renames.get(c, c) for c in a[0]]
    if header != b[0]:
        return [f"header: {header} (OLD, renamed) vs {b[0]} (NEW)"]
    diffs = []
    if len(a) != len(b):
        diffs.append(f"{len(a) - 1} rows vs {len(b) - 1} rows")
    for i, (ra, rb) in enumerate(zip(a[1:], b[1:], strict=False), start=1):
        if ra != rb:
            cols = [h for h, x, y in zip(header, ra, rb, strict=False) if x != y]
            diffs.append(f"row {i} differs in {cols}: {ra} vs {rb}")
            if len(diffs) >= 5:
                diffs.append("... (further rows not listed)")
                break
    return diffs


def _strip(obj, replacements=None):
    if isinstance(obj, dict):
        return {k: _strip(v, replacements) for k, v in obj.items() if k not in IGNORED_KEYS}
    if isinstance(obj, list):
        return [_strip(v, replacements) for v in obj]
    if isinstance(obj, str) and replacements:
        return _replace(obj, replacements)
    return obj


RESOURCE_KEYS = ("profile", "name", "path", "format", "mediatype", "encoding", "schema")


def _table_sidecar(obj):
    """A table sidecar in the Frictionless shape (``schema.fields``) read as the older shape
    (``columns``: name and description per column; field types and the resource keys, which the
    older shape does not have, are left out). Anything else is returned unchanged."""
    if not (isinstance(obj, dict) and isinstance(obj.get("schema"), dict) and "columns" not in obj):
        return obj
    columns = [{"name": f.get("name"), "description": f.get("description")} for f in obj["schema"].get("fields", [])]
    return {"columns": columns, **{k: v for k, v in obj.items() if k not in RESOURCE_KEYS}}


def compare_json(old: Path, new: Path, renames: dict[str, str], replacements=None) -> tuple[list[str], list[str]]:
    """(differences, notes) between two JSON files, provenance dropped, the stated text
    replacements applied to OLD; renamed columns may carry a new description (a note). Table
    sidecars are compared by column names and descriptions in either shape (`_table_sidecar`)."""
    a = _table_sidecar(_strip(json.loads(old.read_text(encoding="utf-8")), replacements))
    b = _table_sidecar(_strip(json.loads(new.read_text(encoding="utf-8"))))
    notes = []
    if isinstance(a, dict) and isinstance(b, dict) and isinstance(a.get("columns"), list):
        cols_a, cols_b = a["columns"], b.get("columns")
        if isinstance(cols_b, list) and len(cols_a) == len(cols_b):
            fixed = []
            for ca, cb in zip(cols_a, cols_b, strict=True):
                ca = dict(ca)
                if ca.get("name") in renames:
                    ca["name"] = renames[ca["name"]]
                    if ca.get("description") != cb.get("description"):
                        notes.append(f"renamed column {ca['name']!r}: new description")
                        ca["description"] = cb.get("description")
                fixed.append(ca)
            a = {**a, "columns": fixed}
    if a == b:
        return [], notes
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        return [f"JSON differs at keys {keys}"], notes
    return ["JSON differs"], notes


def compare_trees(
    old: Path, new: Path, renames: dict[str, str], skip=DEFAULT_SKIP, replacements=None, new_files=()
) -> dict:
    """{'differences': {path: [..]}, 'only_old': [...], 'only_new': [...], 'stated_new': [...],
    'same': n, 'notes': {...}}."""
    fa, fb = _files(old, tuple(skip)), _files(new, tuple(skip))
    added = sorted(fb - fa)
    stated = [f for f in added if any(fnmatch.fnmatch(f, g) for g in new_files)]
    result = {
        "differences": {},
        "notes": {},
        "only_old": sorted(fa - fb),
        "only_new": [f for f in added if f not in stated],
        "stated_new": stated,
    }
    same = 0
    for rel in sorted(fa & fb):
        a, b = old / rel, new / rel
        notes: list[str] = []
        if rel.endswith(".npz"):
            diffs = compare_npz(a, b)
        elif rel.endswith(".csv"):
            diffs = compare_csv(a, b, renames, replacements)
        elif rel.endswith(".json"):
            diffs, notes = compare_json(a, b, renames, replacements)
        else:
            diffs = [] if a.read_bytes() == b.read_bytes() else ["bytes differ"]
        if diffs:
            result["differences"][rel] = diffs
        else:
            same += 1
        if notes:
            result["notes"][rel] = notes
    result["same"] = same
    return result


def summary(result: dict, old, new) -> str:
    lines = [f"compare_results: OLD {old}  NEW {new}"]
    n_diff = len(result["differences"]) + len(result["only_old"]) + len(result["only_new"])
    kinds: dict[str, int] = {}
    for rel in [*result["differences"], *result["only_old"], *result["only_new"]]:
        ext = Path(rel).suffix or "(none)"
        kinds[ext] = kinds.get(ext, 0) + 1
    lines.append(f"identical files: {result['same']}; files that differ or are missing: {n_diff}")
    for rel in result["only_old"]:
        lines.append(f"  only in OLD: {rel}")
    for rel in result["only_new"]:
        lines.append(f"  only in NEW: {rel}")
    for rel in result.get("stated_new", []):
        lines.append(f"  new output (stated): {rel}")
    for rel, diffs in result["differences"].items():
        lines.append(f"  DIFFERS {rel}")
        lines += [f"      {d}" for d in diffs]
    n_notes = sum(len(v) for v in result["notes"].values())
    if n_notes:
        lines.append(f"stated renames applied: {n_notes} column descriptions changed with their column")
    lines.append("RESULT: identical" if n_diff == 0 else f"RESULT: {n_diff} files differ ({kinds})")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument(
        "--rename-column",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="a deliberate column rename (repeatable)",
    )
    parser.add_argument(
        "--replace-text",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="a deliberate text change in OLD's table cells and JSON strings (repeatable)",
    )
    parser.add_argument(
        "--new-file",
        action="append",
        default=[],
        metavar="GLOB",
        help="files only NEW may have, stated (repeatable)",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=None,
        metavar="DIR",
        help=f"top-level directory not compared (repeatable; default {', '.join(DEFAULT_SKIP)})",
    )
    args = parser.parse_args(argv)
    for root in (args.old, args.new):
        if not root.is_dir():
            parser.error(f"{root} is not a directory")
    renames, replacements = {}, {}
    for option, items, target in (
        ("--rename-column", args.rename_column, renames),
        ("--replace-text", args.replace_text, replacements),
    ):
        for item in items:
            if "=" not in item:
                parser.error(f"{option} {item!r}: write OLD=NEW")
            k, v = item.split("=", 1)
            target[k] = v
    skip = tuple(args.skip) if args.skip is not None else DEFAULT_SKIP
    result = compare_trees(args.old, args.new, renames, skip, replacements, args.new_file)
    for k, v in replacements.items():
        print(f"stated text replacement: {k!r} -> {v!r}")
    print(summary(result, args.old, args.new))
    n_diff = len(result["differences"]) + len(result["only_old"]) + len(result["only_new"])
    return 0 if n_diff == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
