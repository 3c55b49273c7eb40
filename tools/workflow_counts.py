#!/usr/bin/env python3
"""Job counts of the workflow, from Snakemake's own dry run: the numbers the docs quote.

    python tools/workflow_counts.py            # print the counts table
    python tools/workflow_counts.py --write    # rewrite the counts block of docs/pipeline.md

The block sits between ``<!-- counts -->`` and ``<!-- /counts -->`` in docs/pipeline.md;
tests/test_workflow.py checks that it equals a fresh dry run, so no count in the docs is typed by
hand. Each config is dry-run in an empty temporary directory (nothing exists yet: every job).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ("config/config.yaml", "config/test.yaml")
DOC = ROOT / "docs/pipeline.md"
BEGIN, END = "<!-- counts -->", "<!-- /counts -->"


def job_counts(config: str) -> dict[str, int]:
    """{rule: jobs, 'total': all jobs} of a fresh run of ``config`` (Snakemake dry run)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "snakemake", "--workflow-profile", "none", "-n", "--cores", "1"]
        cmd += ["--snakefile", str(ROOT / "Snakefile"), "--directory", tmp, "--configfile", str(ROOT / config)]
        proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=600, check=True)
    section = (proc.stdout + proc.stderr).split("Job stats:", 1)[1]
    counts = {}
    for line in section.splitlines()[3:]:
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not m:
            break
        counts[m.group(1)] = int(m.group(2))
    return counts


def table(counts: dict[str, dict[str, int]]) -> str:
    """The Markdown block the docs carry."""
    lines = [
        BEGIN,
        "| config | jobs | training jobs (`train_rnn_<seed block>`) | ODE integrations (`integrate_ode`) | figures |",
        "|---|---|---|---|---|",
    ]
    for config, c in counts.items():
        figures = sum(v for k, v in c.items() if k.startswith(("figure_", "theory_figure")))
        trainings = sum(v for k, v in c.items() if k.startswith("train_rnn_"))  # one rule per seed block
        lines.append(f"| `{config}` | {c['total']} | {trainings} | {c.get('integrate_ode', 0)} | {figures} |")
    lines.append(END)
    return "\n".join(lines)


def documented(text: str) -> str:
    """The counts block as it stands in a document."""
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    block = table({c: job_counts(c) for c in CONFIGS})
    if "--write" in argv:
        text = DOC.read_text(encoding="utf-8")
        DOC.write_text(text.replace(documented(text), block), encoding="utf-8")
    print(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
