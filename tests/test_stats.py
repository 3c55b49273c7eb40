"""Binomial intervals of run counts: closed forms, scipy's exact test, brute-force coverage."""

import numpy as np
import pytest
from scipy.stats import binom, binomtest

from linrnn.analysis import stats


@pytest.mark.parametrize("n", [1, 5, 20, 37])
def test_clopper_pearson_closed_forms_at_the_edges(n):
    alpha = 0.05
    # k = 0: P(X = 0) = (1 - p)^n = alpha/2  =>  upper = 1 - (alpha/2)^(1/n); k = n symmetric.
    assert stats.binomial_interval(0, n) == (0.0, pytest.approx(1 - (alpha / 2) ** (1 / n), rel=1e-12))
    assert stats.binomial_interval(n, n) == (pytest.approx((alpha / 2) ** (1 / n), rel=1e-12), 1.0)


@pytest.mark.parametrize("k, n", [(13, 20), (12, 20), (1, 20), (19, 20), (0, 3), (7, 9)])
def test_equals_scipy_exact_interval(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
    lo, hi = stats.binomial_interval(k, n)
    assert lo == pytest.approx(ci.low, abs=1e-12)
    assert hi == pytest.approx(ci.high, abs=1e-12)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.65, 0.9])
def test_coverage_at_least_nominal_by_brute_force_sum(p):
    n = 20
    covered = sum(binom.pmf(k, n, p) for k in range(n + 1) if stats.contains(k, n, p))
    assert covered >= 0.95


def test_counts_and_rows():
    rows = stats.count_rows({"rflo": ["converged"] * 13 + ["stalled"] * 7}, ["converged", "stalled", "diverged"])
    by = {r["state"]: r for r in rows}
    assert (by["converged"]["count"], by["stalled"]["count"], by["diverged"]["count"]) == (13, 7, 0)
    assert by["converged"]["fraction"] == pytest.approx(0.65)
    assert by["diverged"]["upper"] == pytest.approx(1 - 0.025 ** (1 / 20))
    with pytest.raises(ValueError, match="not one of the end states"):
        stats.outcome_counts(["lost"], ["converged"])
    with pytest.raises(ValueError, match="need 0 <= k <= n"):
        stats.binomial_interval(3, 2)
    assert stats.format_count(20, 20).startswith("20/20 [16.")
    assert np.isclose(stats.count_interval(13, 20)[0], 20 * stats.binomial_interval(13, 20)[0])


def test_fisher_p_by_brute_force_hypergeometric_sum():
    from scipy.stats import hypergeom

    k, n, k_ref, n_ref = 17, 20, 13, 20
    total = k + k_ref
    rv = hypergeom(n + n_ref, total, n)
    p_obs = rv.pmf(k)
    want = sum(rv.pmf(x) for x in range(max(0, total - n_ref), min(n, total) + 1) if rv.pmf(x) <= p_obs * (1 + 1e-7))
    assert stats.fisher_p(k, n, k_ref, n_ref) == pytest.approx(want, rel=1e-9)
    assert stats.fisher_p(20, 20, 20, 20) == pytest.approx(1.0)
