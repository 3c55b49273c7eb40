"""Wall time of the whole Snakemake pipeline, fresh and unchanged rerun.

Run from the repository root (writes benchmarks/results/pipeline.json; then
`python -m benchmarks.report` puts it into RESULTS.md):

    .venv/bin/python -m benchmarks.bench_pipeline                 # test.yaml and config.yaml
    .venv/bin/python -m benchmarks.bench_pipeline --configs test  # only config/test.yaml

For each config: `python -m snakemake --cores 2 --configfile config/<x>.yaml --directory D`
with D a fresh temporary directory (so no earlier results are reused), timed with
`time.perf_counter`; then the same command again in the same D (an unchanged rerun, which
should schedule no job). The environment is passed through unchanged (the BLAS thread
count is whatever the pipeline sets up itself).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).parent / "results"


def run_once(config: str, directory: str, log: Path) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--cores",
        "2",
        "--configfile",
        f"config/{config}.yaml",
        "--directory",
        directory,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    text = proc.stdout + proc.stderr
    log.write_text(text)
    done = re.findall(r"(\d+) of (\d+) steps \(100%\) done", text)
    return dict(
        command=" ".join(cmd[1:]),
        returncode=proc.returncode,
        wall_s=wall,
        jobs=int(done[-1][1]) if done else 0,
        nothing_to_do="Nothing to be done" in text,
        log=str(log),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["test", "config"])
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / "pipeline.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = (
        subprocess.run(
            ["git", "status", "--short", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()
    )
    for config in args.configs:
        directory = tempfile.mkdtemp(prefix=f"linrnn-pipeline-{config}-")
        load = os.getloadavg()
        fresh = run_once(config, directory, OUT / f"pipeline_{config}_fresh.log")
        print(f"{config}: fresh {fresh['wall_s']:.1f} s, rc={fresh['returncode']}", flush=True)
        rerun = run_once(config, directory, OUT / f"pipeline_{config}_rerun.log")
        print(f"{config}: rerun {rerun['wall_s']:.1f} s, rc={rerun['returncode']}", flush=True)
        results[config] = dict(
            fresh=fresh,
            rerun=rerun,
            directory=directory,
            git=git,
            modified_tracked_files=len(dirty),
            load_before=load,
            openblas_num_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
        )
        path.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
