"""One job of the DAG run alone outside Snakemake (linrnn.pipeline.debug) gives the same file as
Snakemake's own run of that job, byte for byte (same inputs, params, seed stream and provenance)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import snakemake_command

ROOT = Path(__file__).resolve().parents[1]
JOB = ("train_rnn_seeds0", "experiment=validation", "learner=rflo", "estimator=sampled")  # the block of seed 0
OUTPUT = "results/runs/validation/rflo/sampled/seed0.npz"


def test_one_job_outside_snakemake_matches_snakemake(tmp_path):
    for name in ("Snakefile", "workflow", "scripts", "config"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    shutil.copytree(ROOT / "src" / "linrnn", tmp_path / "src" / "linrnn", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}

    def run(cmd):
        proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{' '.join(cmd)}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        return proc

    run(snakemake_command("--configfile", "config/test.yaml", "--cores", "1", OUTPUT))
    by_snakemake = (tmp_path / OUTPUT).read_bytes()
    (tmp_path / OUTPUT).unlink()

    debug = [sys.executable, "-m", "linrnn.pipeline.debug", *JOB, "--configfile", "config/test.yaml"]
    shown = run([*debug, "--show"]).stdout
    assert f"output: ['{OUTPUT}']" in shown and "scripts/train_rnn.py" in shown
    assert not (tmp_path / OUTPUT).exists()
    run(debug)
    assert (tmp_path / OUTPUT).read_bytes() == by_snakemake
    log = (tmp_path / "results/logs/train_rnn/validation/rflo/sampled/seeds0.log").read_text()
    assert re.search(rf"{OUTPUT}: (converged|stalled|diverged|budget_exhausted) at step \d+", log), log
