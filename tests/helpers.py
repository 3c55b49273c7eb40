"""Shared constructors for the package tests (explicit generators, no global state)."""

from __future__ import annotations

import re
import sys

import numpy as np

from linrnn.core.losses import expected_loss
from linrnn.core.model import RNN


def random_stable_rnn(rng: np.random.Generator, n: int, d: int, o: int, radius: float = 0.7) -> RNN:
    """Dense non-aligned RNN with spectral radius `radius`."""
    W = rng.standard_normal((n, n))
    W *= radius / np.max(np.abs(np.linalg.eigvals(W)))
    return RNN(rng.standard_normal((o, n)), W, rng.standard_normal((n, d)))


def finite_difference_gradient(student, teacher, T, h=1e-6, loss="final"):
    """Central differences of the closed-form expected loss, entry by entry."""
    grads = {}
    for name in "AWB":
        M = getattr(student, name)
        G = np.zeros_like(M)
        for idx in np.ndindex(M.shape):
            loss_at = []
            for sign in (1, -1):
                Mp = M.copy()
                Mp[idx] += sign * h
                weights = {k: getattr(student, k) for k in "AWB"} | {name: Mp}
                loss_at.append(expected_loss(RNN(**weights), teacher, T, loss))
            G[idx] = (loss_at[0] - loss_at[1]) / (2 * h)
        grads[name] = G
    return RNN(**grads)


def max_rel_err(x: RNN, y: RNN) -> float:
    """Largest of max|x−y| / max|y| over A, W, B (absolute where y is exactly zero)."""
    errs = []
    for k in "AWB":
        diff, scale = np.max(np.abs(getattr(x, k) - getattr(y, k))), np.max(np.abs(getattr(y, k)))
        errs.append(float(diff / scale if scale > 0 else diff))
    return max(errs)


def monte_carlo_z(rule, student, teacher, opts, rng, T: int = 8, groups: int = 80, per_group: int = 500) -> dict:
    """Largest |z| per parameter of the mean of ``groups`` sampled updates (``per_group``
    sequences each) against the exact finite-T expected update, z = (mean − exact)/standard error."""
    from linrnn.core.model import sample_inputs

    samples = [rule.sampled(student, teacher, opts, sample_inputs(rng, per_group, T, student.d)) for _ in range(groups)]
    exact = rule.expected(student, teacher, opts, T)
    z = {}
    for key in "AWB":
        stack = np.stack([getattr(s, key) for s in samples])
        z[key] = float(
            np.max(np.abs(stack.mean(axis=0) - getattr(exact, key)) / (stack.std(axis=0, ddof=1) / np.sqrt(groups)))
        )
    return z


def job_stats(output: str) -> dict[str, int]:
    """{rule: count} from the 'Job stats' table of a dry run ({} when nothing is to be done)."""
    if "Nothing to be done" in output:
        return {}
    section = output.split("Job stats:", 1)[1]
    stats = {}
    for line in section.splitlines()[3:]:
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not m:
            break
        if m.group(1) != "total":
            stats[m.group(1)] = int(m.group(2))
    return stats


def train_rule(seeds) -> str:
    """Name of the training rule of one block of seeds (workflow/rules/common.smk)."""
    seeds = [int(s) for s in seeds]
    if len(seeds) > 1 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"train_rnn_seeds{seeds[0]}to{seeds[-1]}"
    return "train_rnn_seeds" + "_".join(map(str, seeds))


def train_jobs(stats: dict[str, int]) -> int:
    """Training jobs of a dry run's job stats, over the rules of all seed blocks."""
    return sum(count for rule, count in stats.items() if rule.startswith("train_rnn_"))


def snakemake_command(*args: str) -> list[str]:
    """This interpreter's Snakemake with workflow profiles off (tests never read workflow/profiles/)."""
    return [sys.executable, "-m", "snakemake", "--workflow-profile", "none", *args]
