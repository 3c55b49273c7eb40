"""The docs summary of a claims table (docs/claims.md): one Markdown row per claims row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def markdown_table(rows: Sequence[Mapping]) -> str:
    """The docs summary: a Markdown table (id, claim, measured, criterion, pass) of claims
    rows (dicts or a column table from linrnn.pipeline.io.read_table), in their order."""
    if isinstance(rows, pd.DataFrame):  # as read by linrnn.pipeline.io.read_table
        rows = rows.to_dict("records")
    elif isinstance(rows, Mapping):
        rows = [dict(zip(rows, vals, strict=True)) for vals in zip(*rows.values(), strict=True)]

    def cell(x) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    out = [
        "| id | claim | subject | measured | criterion | pass |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        passed = r["passed"] if isinstance(r["passed"], bool | np.bool_) else str(r["passed"]) == "true"
        out.append(
            "| "
            + " | ".join(cell(r[k]) for k in ("id", "statement", "subject", "measured", "expected"))
            + f" | {'✅ pass' if passed else '❌ FAIL'} |"
        )
    n_pass = sum(
        1 for r in rows if (r["passed"] if isinstance(r["passed"], bool | np.bool_) else str(r["passed"]) == "true")
    )
    out.append("")
    out.append(f"{n_pass}/{len(rows)} rows pass.")
    return "\n".join(out) + "\n"
