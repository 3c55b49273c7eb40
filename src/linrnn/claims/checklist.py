"""Every claim in checklist order: runs the theory and simulation checks on the pipeline's
tables and fills in a failed "not checked" row for any claim with no row; then, beyond the paper,
the locality map's rows L1–L3 (linrnn.claims.locality, config ``figures.locality_map``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from linrnn.claims.catalogue import CLAIM_IDS, missing
from linrnn.claims.locality import locality_claims
from linrnn.claims.simulation_checks import (
    decoupling_claims,
    rank_claims,
    reliability_claims,
    sequence_loss_claims,
    validation_claims,
)
from linrnn.claims.theory_checks import theory_claims
from linrnn.pipeline.io import read_table


def read_theory_tables(paths: Sequence) -> dict[str, pd.DataFrame]:
    """``{rates|fixed_points|convergence: DataFrame}`` from ``.../theory_<name>.csv`` paths."""
    out = {}
    for path in map(Path, paths):
        out[path.stem.removeprefix("theory_")] = read_table(path)
    return out


def all_claims(
    tables_by_exp: Mapping[str, Mapping[str, Mapping]],
    figures: Mapping,
    theory_tables: Mapping[str, Mapping] | None = None,
) -> list[dict]:
    """Every claim row, sorted by checklist item; ``tables_by_exp[experiment][table]`` are
    tables read by linrnn.pipeline.io, ``theory_tables[name]`` the theory tables (read_theory_tables).
    A checklist item with no row gets a failed "not checked" row."""
    runs_by_exp = {name: t["runs"] for name, t in tables_by_exp.items()}
    val = tables_by_exp[figures["validation"]["experiment"]]
    rows = decoupling_claims(val, figures["validation"])
    rows += validation_claims(val, figures["validation"])
    rows += theory_claims(theory_tables or {})
    rows += rank_claims(runs_by_exp, figures["low_rank"])
    rows += reliability_claims(runs_by_exp[figures["reliability"]["experiment"]], figures["reliability"])
    if "sequence_loss" in figures:
        rows += sequence_loss_claims(tables_by_exp, figures["sequence_loss"])
    have = {r["id"].rstrip("abcdefgh") for r in rows}
    for cid in CLAIM_IDS:
        if cid not in have:
            rows.append(missing(cid, "not_checked", "docs/model.md §6", "no input for this claim"))
    rows = sorted(rows, key=lambda r: (int(r["id"][1:].rstrip("abcdefgh")), r["id"]))
    if "locality_map" in figures:  # beyond the paper: the locality map (docs/locality.md), rows L1-L3
        rows += locality_claims(tables_by_exp, figures["locality_map"])
    return rows
