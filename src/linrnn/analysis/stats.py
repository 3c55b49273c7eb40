"""Counting run outcomes: binomial confidence intervals for a fraction of runs.

Clopper–Pearson ("exact") interval for k successes in n independent runs (Clopper & Pearson
1934): the set of p for which neither tail of Binomial(n, p) at k is below α/2,

    lower = Beta⁻¹(α/2; k, n − k + 1)      (0 when k = 0),
    upper = Beta⁻¹(1 − α/2; k + 1, n − k)  (1 when k = n).

It is conservative (coverage ≥ 1 − α for every p), which suits small run counts such as 20 seeds;
it equals ``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="exact")``. Comparing
a count with another study's count (the paper's), the interval treats the other count as exact;
``fisher_p`` (Fisher's exact test of the 2×2 table) treats both as samples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from scipy.stats import beta, fisher_exact

INTERVAL_METHOD = "Clopper-Pearson (exact)"


def binomial_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper–Pearson interval (lower, upper) for the fraction k/n (module docstring)."""
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    alpha = 1.0 - confidence
    lower = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
    upper = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
    return lower, upper


def count_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The interval of binomial_interval scaled to counts out of n: (n·lower, n·upper)."""
    lo, hi = binomial_interval(k, n, confidence)
    return n * lo, n * hi


def contains(k: int, n: int, fraction: float, confidence: float = 0.95) -> bool:
    """True when ``fraction`` lies in the Clopper–Pearson interval of k/n."""
    lo, hi = binomial_interval(k, n, confidence)
    return bool(lo - 1e-12 <= fraction <= hi + 1e-12)


def fisher_p(k: int, n: int, k_ref: int, n_ref: int) -> float:
    """Two-sided Fisher exact test of k/n against a reference count k_ref/n_ref (both samples):
    the probability, under equal rates, of a 2×2 table at most as likely as the observed one."""
    return float(fisher_exact([[k, n - k], [k_ref, n_ref - k_ref]])[1])


def outcome_counts(outcomes: Iterable[str], states: Iterable[str]) -> dict[str, int]:
    """{state: number of runs with that outcome} for every listed state (0 when absent);
    an outcome outside ``states`` raises, so no run is silently dropped from a count."""
    states = list(states)
    counts = dict.fromkeys(states, 0)
    for outcome in outcomes:
        outcome = str(outcome)
        if outcome not in counts:
            raise ValueError(f"outcome {outcome!r} is not one of the end states {states}")
        counts[outcome] += 1
    return counts


def format_count(k: int, n: int, confidence: float = 0.95) -> str:
    """'k/n [lo, hi]' with the interval in counts (two decimals: 19/20 gives [15.03, 19.97])."""
    if n == 0:
        return f"{k}/0 [no runs]"
    lo, hi = count_interval(k, n, confidence)
    return f"{k}/{n} [{lo:.2f}, {hi:.2f}]"


def count_rows(groups: Mapping[str, Iterable[str]], states: Iterable[str], confidence: float = 0.95) -> list[dict]:
    """Long-format rows (group, state, count, runs, fraction, lower, upper) of the outcome counts
    of each group (e.g. a rule), with the Clopper–Pearson interval of each fraction."""
    states = list(states)
    rows = []
    for group, outcomes in groups.items():
        outcomes = list(outcomes)
        counts = outcome_counts(outcomes, states)
        n = len(outcomes)
        for state in states:
            lo, hi = binomial_interval(counts[state], n, confidence) if n else (np.nan, np.nan)
            rows.append(
                dict(
                    group=group,
                    state=state,
                    count=counts[state],
                    runs=n,
                    fraction=counts[state] / n if n else np.nan,
                    lower=lo,
                    upper=hi,
                )
            )
    return rows
