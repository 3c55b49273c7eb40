"""Snakemake on a real (single-node, local) SLURM through snakemake-executor-plugin-slurm.

The cluster comes from the session fixture `slurm_cluster` (conftest.py). It has no accounting
database, hence `--slurm-status-command squeue` everywhere (the plugin's default, sacct, would
never see a job finish).

- test_sbatch_roundtrip: the cluster itself runs a batch job.
- test_retry_failure_and_resume: a tiny throw-away workflow written into tmp_path: a group job
  (two jobs, one sbatch), a job that fails once and succeeds on its retry, and a job that keeps
  failing: the run stops and names the job's SLURM log; after the cause is fixed, rerunning the
  same command only runs what had not finished.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.cluster

# Test-cluster flags: no accounting (squeue for the status), and fast status polling.
SLURM_FLAGS = [
    "--executor", "slurm",
    "--slurm-status-command", "squeue",
    # first status query 5 s after a submission (a tiny job takes ~4 s: two snakemake starts);
    # the plugin adds 10 s to the interval after every query that saw no job finish
    "--slurm-init-seconds-before-status-checks", "5",
]


def log_kind(slurm_log: str) -> str:
    """'rule_flaky' or 'group_batch_ok' from .snakemake/slurm_logs/<kind>/[<wildcards>/]<id>.log"""
    return slurm_log.split("/slurm_logs/", 1)[1].split("/", 1)[0]


def job_stats(output: str) -> dict[str, int]:
    """{rule: count} from the 'Job stats' table that snakemake prints before running."""
    section = output.split("Job stats:", 1)[1]
    stats = {}
    for line in section.splitlines()[3:]:
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not m:
            break
        if m.group(1) != "total":
            stats[m.group(1)] = int(m.group(2))
    return stats


def test_sbatch_roundtrip(slurm_cluster, tmp_path, record_slurm_jobs):
    out = tmp_path / "hello.out"
    proc = slurm_cluster.run("sbatch", "--parsable", "--wait", "--time=1", "--mem=100",
                             "-o", str(out), "--wrap", "echo hello from $SLURM_JOB_ID",
                             timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr + slurm_cluster.log_tail()
    jobid = proc.stdout.strip().split(";")[0]
    record_slurm_jobs("sbatch --wrap", [(jobid, str(out))])
    assert out.read_text().strip() == f"hello from {jobid}"
    state = slurm_cluster.run("squeue", "--states=all", "--noheader", "--format=%i|%T",
                              "--job", jobid).stdout.split()
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
    args = [*SLURM_FLAGS, "--workflow-profile", "none", "--jobs", "4", "--retries", "1",
            "--latency-wait", "5", "--groups", "ok=batch", "--group-components", "batch=2",
            "--cores", "1"]

    # --- first run: the group and the flaky job succeed, `final` fails twice, the run stops
    first = run_snakemake("first run", args, cwd=wd, env=slurm_cluster.env,
                          log=tmp_path / "first.log", timeout=300)
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
    second = run_snakemake("rerun", args, cwd=wd, env=slurm_cluster.env,
                           log=tmp_path / "second.log", timeout=300)
    assert second.returncode == 0, second.output
    assert job_stats(second.output) == {"final": 1, "all": 1}, second.output
    assert len(second.jobs) == 1 and "/rule_final/" in second.jobs[0][1]
    assert {p: p.stat().st_mtime_ns for p in done} == done
    assert len((wd / "attempts.txt").read_text().splitlines()) == 2
    assert (wd / "out/final.txt").read_text().split("\n")[-2] == "ok"
