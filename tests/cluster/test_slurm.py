"""Snakemake on a real (single-node, local) SLURM through snakemake-executor-plugin-slurm.

The cluster comes from the session fixture `slurm_cluster` (conftest.py). It has no accounting
database, hence `--slurm-status-command squeue` everywhere (the plugin's default, sacct, would
never see a job finish).

- test_sbatch_roundtrip: the cluster itself runs a batch job.
- test_retry_failure_and_resume: a tiny throw-away workflow written into tmp_path: a group job
  (two jobs, one sbatch), a job that fails once and succeeds on its retry, and a job that keeps
  failing: the run stops and names the job's SLURM log; after the cause is fixed, rerunning the
  same command only runs what had not finished.
- test_pipeline_on_slurm_matches_local: config/test.yaml with the slurm profile on the cluster
  and with the default profile locally (at the same time); every output file agrees.
- test_slurm_profile_names_existing_rules: the profile's groups/set-resources name real rules.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import yaml

from tests.helpers import job_stats, snakemake_command

pytestmark = pytest.mark.cluster

# Test-cluster flags: no accounting (squeue for the status), and fast status polling.
SLURM_FLAGS = [
    "--executor",
    "slurm",
    "--slurm-status-command",
    "squeue",
    # first status query 10 s after a submission (a tiny job takes ~7 s: queueing and two
    # snakemake starts); the plugin adds 10 s to the interval after a query that saw no job end
    "--slurm-init-seconds-before-status-checks",
    "10",
]


def log_kind(slurm_log: str) -> str:
    """'rule_flaky' or 'group_batch_ok' from .snakemake/slurm_logs/<kind>/[<wildcards>/]<id>.log"""
    return slurm_log.split("/slurm_logs/", 1)[1].split("/", 1)[0]


def test_sbatch_roundtrip(slurm_cluster, tmp_path, record_slurm_jobs):
    out = tmp_path / "hello.out"
    proc = slurm_cluster.run(
        "sbatch",
        "--parsable",
        "--wait",
        "--time=1",
        "--mem=100",
        "-o",
        str(out),
        "--wrap",
        "echo hello from $SLURM_JOB_ID",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr + slurm_cluster.log_tail()
    jobid = proc.stdout.strip().split(";")[0]
    record_slurm_jobs("sbatch --wrap", [(jobid, str(out))])
    assert out.read_text().strip() == f"hello from {jobid}"
    state = slurm_cluster.run("squeue", "--states=all", "--noheader", "--format=%i|%T", "--job", jobid).stdout.split()
    assert state == [f"{jobid}|COMPLETED"]


TINY = textwrap.dedent(
    """
    rule all:
        input: expand("out/ok_{i}.txt", i=range(2)), "out/flaky.txt", "out/final.txt"

    rule ok:                      # grouped: both jobs in one sbatch submission
        output: "out/ok_{i}.txt"
        resources: runtime=2, mem_mb=400
        run:
            import os, sys
            with open(output[0], "w") as f:
                print(sys.executable, os.environ.get("SLURM_JOB_ID", "none"), file=f)

    rule flaky:                   # fails on the first attempt, succeeds on the retry
        output: "out/flaky.txt"
        resources: runtime=2, mem_mb=400, try_no=lambda wildcards, attempt: attempt
        shell:
            "echo {resources.try_no} $SLURM_JOB_ID >> attempts.txt; "
            "test {resources.try_no} -ge 2; echo ok > {output}"

    rule final:                   # fails on every attempt until the file FIXED exists
        input: expand("out/ok_{i}.txt", i=range(2)), "out/flaky.txt"
        output: "out/final.txt"
        resources: runtime=2, mem_mb=400
        shell:
            "if [ ! -e FIXED ]; then echo 'final: broken on purpose' >&2; exit 3; fi; "
            "cat {input} > {output}"
    """
)


def test_retry_failure_and_resume(slurm_cluster, run_snakemake, tmp_path):
    wd = tmp_path / "wf"
    wd.mkdir()
    (wd / "Snakefile").write_text(TINY)
    args = [
        *SLURM_FLAGS,
        "--workflow-profile",
        "none",
        "--jobs",
        "4",
        "--retries",
        "1",
        "--latency-wait",
        "5",
        "--groups",
        "ok=batch",
        "--group-components",
        "batch=2",
        "--cores",
        "1",
    ]

    # --- first run: the group and the flaky job succeed, `final` fails twice, the run stops
    first = run_snakemake("first run", args, cwd=wd, env=slurm_cluster.env, log=tmp_path / "first.log", timeout=300)
    text = first.output
    assert first.returncode != 0, text
    kinds = sorted(log_kind(log) for _, log in first.jobs)
    assert kinds == ["group_batch_ok", "rule_final", "rule_final", "rule_flaky", "rule_flaky"], text

    # the two grouped jobs ran in one SLURM job, under this interpreter (the venv)
    group_id = next(j for j, log in first.jobs if "group_batch" in log)
    for i in range(2):
        exe, jobid = (wd / f"out/ok_{i}.txt").read_text().split()
        assert exe == sys.executable
        assert jobid == group_id

    # flaky: attempt 1 failed, attempt 2 (another SLURM job) succeeded
    attempts = [line.split() for line in (wd / "attempts.txt").read_text().splitlines()]
    assert [a[0] for a in attempts] == ["1", "2"] and attempts[0][1] != attempts[1][1]
    assert (wd / "out/flaky.txt").read_text().strip() == "ok"

    # final: retried once, then the run stopped naming the last attempt's SLURM log
    assert not (wd / "out/final.txt").exists()
    final_logs = [log for _, log in first.jobs if "/rule_final/" in log]
    errors = text.split("Error in rule final:")
    assert len(errors) == 3, text  # one error block per attempt
    assert final_logs[-1] in errors[-1], text
    assert "Exiting because a job execution failed" in text
    assert "final: broken on purpose" in Path(final_logs[-1]).read_text()

    # --- rerun after the fix: only `final` (and the target `all`) is scheduled
    done = {p: p.stat().st_mtime_ns for p in (wd / "out").iterdir()}
    (wd / "FIXED").touch()
    second = run_snakemake("rerun", args, cwd=wd, env=slurm_cluster.env, log=tmp_path / "second.log", timeout=300)
    assert second.returncode == 0, second.output
    assert job_stats(second.output) == {"final": 1, "all": 1}, second.output
    assert len(second.jobs) == 1 and "/rule_final/" in second.jobs[0][1]
    assert {p: p.stat().st_mtime_ns for p in done} == done
    assert len((wd / "attempts.txt").read_text().splitlines()) == 2
    assert (wd / "out/final.txt").read_text().split("\n")[-2] == "ok"


# ----------------------------------------------------------------------------- the real pipeline

ROOT = Path(__file__).resolve().parents[2]
TEST_CONFIG = ROOT / "config" / "test.yaml"
SLURM_PROFILE = ROOT / "workflow" / "profiles" / "slurm" / "config.yaml"
RTOL, ATOL = 1e-10, 1e-14
# Differs between two runs of the same tree only when a commit lands in between (dev trees).
VOLATILE_KEYS = {"git_revision"}
# Run-specific by nature: wall times, log texts with paths and timestamps.
NOT_COMPARED = ("logs", "benchmarks")

needs_pipeline = pytest.mark.skipif(
    not (ROOT / "Snakefile").exists() or not TEST_CONFIG.exists(),
    reason="the pipeline (Snakefile, config/test.yaml) is not in this tree",
)


def rules_of_workflow() -> set[str]:
    proc = subprocess.run(
        snakemake_command("--configfile", str(TEST_CONFIG), "--list-rules"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}


@needs_pipeline
def test_slurm_profile_names_existing_rules():
    """Snakemake silently ignores unknown rules in groups/set-resources: catch renames here."""
    profile = yaml.safe_load(SLURM_PROFILE.read_text())
    named = set(profile["groups"]) | set(profile["set-resources"])
    missing = named - rules_of_workflow()
    assert not missing, f"{SLURM_PROFILE} names rules the workflow does not have: {missing}"
    assert set(profile["groups"].values()) == set(profile["group-components"])


def compare_json(a, b, where: str) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            if key not in VOLATILE_KEYS:
                compare_json(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            compare_json(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert np.isclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True), f"{where}: {a} != {b}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def compare_npz(a: Path, b: Path, where: str) -> None:
    with np.load(a, allow_pickle=False) as za, np.load(b, allow_pickle=False) as zb:
        assert sorted(za.files) == sorted(zb.files), where
        for key in za.files:
            x, y = za[key], zb[key]
            assert x.dtype.kind == y.dtype.kind and x.shape == y.shape, f"{where}:{key}"
            if x.dtype.kind in "fc":
                np.testing.assert_allclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=f"{where}:{key}")
            elif key == "provenance":
                compare_json(json.loads(str(x)), json.loads(str(y)), f"{where}:{key}")
            else:
                np.testing.assert_array_equal(x, y, err_msg=f"{where}:{key}")


def compare_csv(a: Path, b: Path, where: str) -> None:
    with open(a, newline="") as fa, open(b, newline="") as fb:
        ra, rb = list(csv.reader(fa)), list(csv.reader(fb))
    assert len(ra) == len(rb) and ra[:1] == rb[:1], where
    for i, (row_a, row_b) in enumerate(zip(ra, rb, strict=True)):
        assert len(row_a) == len(row_b), f"{where} row {i}"
        for x, y in zip(row_a, row_b, strict=True):
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                assert x == y, f"{where} row {i}: {x!r} != {y!r}"
                continue
            assert np.isclose(fx, fy, rtol=RTOL, atol=ATOL, equal_nan=True), f"{where} row {i}: {x} != {y}"


def compare_png(a: Path, b: Path, where: str) -> None:
    if a.read_bytes() != b.read_bytes():  # else: the same pixels
        np.testing.assert_array_equal(mpimg.imread(a), mpimg.imread(b), err_msg=where)


def snapshot_tree(dest: Path) -> Path:
    """Copy the repository's files (tracked + untracked, not ignored) to `dest`.

    Every SLURM job re-reads the Snakefile, config and scripts when it starts, so a run from a
    tree that is being edited can mix versions; both runs use this frozen copy instead (and its
    `src/` through PYTHONPATH, ahead of the editable install). LINRNN_SNAPSHOT=HEAD copies the
    last commit instead of the working tree (for a tree that others are editing)."""
    dest.mkdir(parents=True, exist_ok=True)
    if os.environ.get("LINRNN_SNAPSHOT") == "HEAD":
        archive = subprocess.run(
            ["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True, check=True, timeout=120
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(dest, filter="data")
        return dest
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = [
            str(p.relative_to(ROOT))
            for p in ROOT.rglob("*")
            if p.is_file() and not {".git", ".venv", "results", ".snakemake"} & set(p.relative_to(ROOT).parts)
        ]
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def result_files(directory: Path) -> dict[str, Path]:
    root = directory / "results"
    return {
        str(p.relative_to(directory)): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in NOT_COMPARED
    }


@needs_pipeline
def test_pipeline_on_slurm_matches_local(slurm_cluster, run_snakemake, tmp_path):
    """config/test.yaml through `--executor slurm` (the slurm profile) and locally (the default
    profile), side by side; every output must exist in both and agree."""
    tree = snapshot_tree(tmp_path / "tree")
    local_dir, slurm_dir = tmp_path / "local", tmp_path / "slurm"
    local_dir.mkdir()
    slurm_dir.mkdir()
    env = dict(slurm_cluster.env, PYTHONPATH=str(tree / "src"))
    common = ["--configfile", str(tree / "config/test.yaml")]
    local_args = ["--workflow-profile", str(tree / "workflow/profiles/default"), *common, "--directory", str(local_dir)]
    slurm_args = [
        "--workflow-profile",
        str(tree / "workflow/profiles/slurm"),
        *common,
        "--directory",
        str(slurm_dir),
        # test cluster: no accounting, quick polling, local disk
        "--slurm-status-command",
        "squeue",
        "--slurm-init-seconds-before-status-checks",
        "10",
        "--latency-wait",
        "10",
        "--slurm-keep-successful-logs",  # kept to show which SLURM job made each figure
        # smaller ODE batches than on a real cluster: the test node has 2 CPUs
        "--group-components",
        "ode=3",
        "setup=1",
    ]
    # The SLURM run mostly waits on the scheduler: run the local one at the same time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        local_f = pool.submit(
            run_snakemake, "local run", local_args, cwd=tree, env=env, log=tmp_path / "local.log", timeout=1500
        )
        slurm_f = pool.submit(
            run_snakemake, "slurm run", slurm_args, cwd=tree, env=env, log=tmp_path / "slurm.log", timeout=1500
        )
        local, slurm = local_f.result(), slurm_f.result()
    assert local.returncode == 0, local.output[-5000:]
    assert slurm.returncode == 0, slurm.output[-5000:] + slurm_cluster.log_tail()

    # everything but the target rule ran in SLURM jobs; each training job trained a block of
    # seeds (one SLURM job per block), the ODE integrations were batched in group jobs
    assert re.findall(r"^localrule (\w+):", slurm.output, re.M) == ["all"]
    kinds = [log_kind(log) for _, log in slurm.jobs]
    stats = job_stats(slurm.output)
    n_train = sum(count for rule, count in stats.items() if rule.startswith("train_rnn_"))
    assert sum(k.startswith("rule_train_rnn_") for k in kinds) == n_train > 0, kinds
    n_ode_groups = sum(k.startswith("group_ode") for k in kinds)
    assert 1 <= n_ode_groups < stats["integrate_ode"], kinds

    # the same files, with the same numbers
    files_local, files_slurm = result_files(local_dir), result_files(slurm_dir)
    assert sorted(files_local) == sorted(files_slurm)
    figures = [f for f in files_slurm if f.startswith("results/figures/") and f.endswith((".png", ".pdf"))]
    assert figures, "the test config produced no figure"
    counts = Counter()
    for rel, a in files_local.items():
        b = files_slurm[rel]
        suffix = a.suffix
        if suffix == ".npz":
            compare_npz(a, b, rel)
        elif suffix == ".csv":
            compare_csv(a, b, rel)
        elif suffix == ".json":
            compare_json(json.loads(a.read_text()), json.loads(b.read_text()), rel)
        elif suffix == ".png":
            compare_png(a, b, rel)
        elif suffix == ".pdf":  # the figures pin their PDF metadata: byte-identical
            assert a.read_bytes() == b.read_bytes(), rel
        else:
            assert a.stat().st_size > 0 and b.stat().st_size > 0, rel
        counts[suffix] += 1

    # each figure was written inside a SLURM job (its rule's output is in a kept SLURM log)
    slurm_logs = {log: Path(log).read_text() for _, log in slurm.jobs}
    for fig in figures:
        assert any(fig in text for text in slurm_logs.values()), f"{fig}: no SLURM job made it"
    print(f"compared {dict(counts)}; figures from SLURM: {len(figures)}")
