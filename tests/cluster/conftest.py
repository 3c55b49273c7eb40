"""A real single-node SLURM cluster for the tests in this folder (marker `cluster`).

The session fixture `slurm_cluster` installs Debian's slurm-wlm + munge when missing
(tools/slurm/install.sh), starts munged, slurmctld and slurmd under a fresh temporary folder
(tools/slurm/start.sh) and always stops them again (tools/slurm/stop.sh: cancels the jobs, stops
the daemons by their pid files, kills leftovers by pid) — on success, failure, Ctrl-C (pytest's
session teardown), SIGTERM (turned into KeyboardInterrupt while the cluster is up) and, as a last
resort, at interpreter exit.

Tests skip, with the reason in pytest's summary, only when not running as root or when apt-get
cannot install the packages. Set LINRNN_REQUIRE_SLURM=1 to turn those skips into failures.

Every SLURM job id that a test's snakemake run submitted is listed in a "SLURM jobs" section of
the terminal summary (no pytest flag needed).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "slurm"
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: ([^)]+)\)")

# (test id, snakemake run label, [(job id, SLURM log path)]) for the terminal summary
_JOB_RECORDS: list[tuple[str, str, list[tuple[str, str]]]] = []
_TIMINGS: dict[str, float] = {}


def _skip_or_fail(reason: str):
    if os.environ.get("LINRNN_REQUIRE_SLURM") == "1":
        pytest.fail(f"SLURM cluster required (LINRNN_REQUIRE_SLURM=1) but: {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class Cluster:
    """Handle on the running test cluster."""

    dir: Path
    env: dict[str, str] = field(default_factory=dict)
    stopped: bool = False

    def start(self) -> None:
        proc = subprocess.run(
            ["bash", str(TOOLS / "start.sh"), str(self.dir)], capture_output=True, text=True, timeout=180
        )
        if proc.returncode != 0:
            raise RuntimeError(f"tools/slurm/start.sh failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        env = dict(os.environ)
        env["SLURM_CONF"] = str(self.dir / "slurm.conf")
        # DIR/bin first (srun shim, see start.sh), then this venv, so that every job (sbatch
        # exports the environment) runs the same interpreter and the same snakemake.
        env["PATH"] = os.pathsep.join(
            [str(self.dir / "bin"), str(Path(sys.executable).parent), env.get("PATH", "/usr/bin:/bin")]
        )
        for var in ("SBATCH_ACCOUNT", "SBATCH_PARTITION"):  # the test cluster has neither
            env.pop(var, None)
        self.env = env

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        subprocess.run(["bash", str(TOOLS / "stop.sh"), str(self.dir)], capture_output=True, text=True, timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)

    def run(self, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """A SLURM client command against this cluster."""
        return subprocess.run(list(cmd), env=self.env, capture_output=True, text=True, timeout=timeout)

    def log_tail(self, n: int = 30) -> str:
        out = []
        for f in sorted((self.dir / "log").glob("*.log")):
            out.append(f"--- {f.name}\n" + "\n".join(f.read_text().splitlines()[-n:]))
        return "\n".join(out)


@pytest.fixture(scope="session")
def slurm_cluster():
    if os.geteuid() != 0:
        _skip_or_fail("not root: the test SLURM (munged, slurmctld, slurmd) must run as root")
    t0 = time.perf_counter()
    proc = subprocess.run(["bash", str(TOOLS / "install.sh")], capture_output=True, text=True, timeout=900)
    _TIMINGS["install slurm-wlm + munge (s)"] = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        _skip_or_fail(f"apt-get could not install slurm-wlm and munge:\n{tail}")

    cluster = Cluster(Path(tempfile.mkdtemp(prefix="linrnn-slurm-", dir="/tmp")))
    atexit.register(cluster.stop)

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        t0 = time.perf_counter()
        cluster.start()
        _TIMINGS["start cluster (s)"] = time.perf_counter() - t0
        yield cluster
    finally:
        cluster.stop()
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture
def record_slurm_jobs(request):
    """record_slurm_jobs(label, [(job id, log path)]): list jobs in the terminal summary."""

    def record(label: str, jobs: list[tuple[str, str]]) -> None:
        _JOB_RECORDS.append((request.node.nodeid, label, list(jobs)))

    return record


_EXEC_WITH_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
)


@dataclass
class SnakemakeRun:
    returncode: int
    output: str
    log: Path
    jobs: list[tuple[str, str]]  # (SLURM job id, SLURM log path) per sbatch submission
    seconds: float


@pytest.fixture
def run_snakemake(request):
    """run_snakemake(label, args, cwd, env, timeout) -> SnakemakeRun; jobs go to the summary."""

    def run(
        label: str, args: list[str], *, cwd: Path, env: dict[str, str], log: Path, timeout: float = 600
    ) -> SnakemakeRun:
        # via a tiny exec wrapper that restores SIGINT's default action: a process started from
        # a background shell inherits SIGINT "ignored", and then snakemake could not be told to
        # cancel its SLURM jobs on a timeout
        cmd = [sys.executable, "-c", _EXEC_WITH_SIGINT, sys.executable, "-m", "snakemake", *args]
        t0 = time.perf_counter()
        with (
            open(log, "w") as fh,
            subprocess.Popen(
                cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
            ) as proc,
        ):
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                # SIGINT makes snakemake scancel its jobs; then the whole process group goes.
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                tail = "\n".join(log.read_text().splitlines()[-60:])
                raise AssertionError(f"{label}: snakemake timed out after {timeout} s:\n{tail}") from None
        seconds = time.perf_counter() - t0
        text = log.read_text()
        jobs = SUBMITTED.findall(text)
        if jobs or "--executor" in args:
            _JOB_RECORDS.append((request.node.nodeid, label, jobs))
        _TIMINGS[f"{request.node.name}: {label} (s)"] = seconds
        return SnakemakeRun(rc, text, log, jobs, seconds)

    return run


def pytest_terminal_summary(terminalreporter):
    if not _JOB_RECORDS and not _TIMINGS:
        return
    tr = terminalreporter
    tr.section("SLURM jobs (tests/cluster)")
    for nodeid, label, jobs in _JOB_RECORDS:
        tr.write_line(f"{nodeid} [{label}]: {len(jobs)} sbatch submission(s)")
        for jobid, log in jobs:
            tr.write_line(f"    job {jobid}  log {log}")
    for name, seconds in _TIMINGS.items():
        tr.write_line(f"{name}: {seconds:.1f}")
