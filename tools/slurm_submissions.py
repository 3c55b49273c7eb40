"""Number of sbatch submissions a fresh run would make with the SLURM profile (from a dry run).

    .venv/bin/python tools/slurm_submissions.py config/config.yaml config/sweeps.yaml

Builds the job graph of a run from scratch (``snakemake --dag`` into an empty directory, with the
profile workflow/profiles/slurm) and counts what the profile submits: every job of a rule that is
not grouped is one submission (the local target rule ``all`` none), and the jobs of a group are
bundled ``group-components`` connected pieces of the graph at a time (Snakemake's grouping), so a
group with C connected components takes ceil(C / group-components) submissions. Prints one line
per group and the total.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "workflow/profiles/slurm/config.yaml"
LOCAL_RULES = {"all"}


def job_graph(configfiles: list[str]) -> tuple[dict[int, str], list[tuple[int, int]]]:
    """({job id: rule}, [(from, to)]) of a fresh run's DAG."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "snakemake", "--workflow-profile", "none", "--snakefile", str(ROOT / "Snakefile")]
        cmd += ["--directory", tmp, "--dag", "--configfile", *[str(Path(c).resolve()) for c in configfiles]]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=tmp).stdout
    nodes, edges = {}, []
    for m in re.finditer(r'^\s*(\d+)\[label = "([^"\\]+)', out, flags=re.M):
        nodes[int(m.group(1))] = m.group(2).strip()
    for m in re.finditer(r"^\s*(\d+) -> (\d+)", out, flags=re.M):
        edges.append((int(m.group(1)), int(m.group(2))))
    return nodes, edges


def submissions(nodes: dict[int, str], edges: list[tuple[int, int]], profile: dict) -> dict[str, int]:
    """{group or rule: sbatch submissions} under the profile's groups and group-components."""
    groups, sizes = profile.get("groups", {}), profile.get("group-components", {})
    parent = {j: j for j in nodes}

    def find(j):
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    for a, b in edges:  # union jobs of the same group that are connected
        ga, gb = groups.get(nodes[a]), groups.get(nodes[b])
        if ga is not None and ga == gb:
            parent[find(a)] = find(b)
    components = defaultdict(set)
    out = defaultdict(int)
    for j, rule in nodes.items():
        if rule in LOCAL_RULES:
            continue
        if rule in groups:
            components[groups[rule]].add(find(j))
        else:
            out[rule] += 1
    for group, roots in components.items():
        out[f"group {group}"] = math.ceil(len(roots) / int(sizes.get(group, 1)))
    return dict(out)


def main(argv: list[str]) -> None:
    profile = yaml.safe_load(PROFILE.read_text())
    nodes, edges = job_graph(argv)
    counts = submissions(nodes, edges, profile)
    for name, n in sorted(counts.items()):
        print(f"{name:28s} {n}")
    print(f"{'jobs':28s} {sum(1 for r in nodes.values() if r not in LOCAL_RULES)}")
    print(f"{'sbatch submissions':28s} {sum(counts.values())}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["config/config.yaml"])
