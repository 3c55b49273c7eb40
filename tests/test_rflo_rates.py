"""RFLO vs BPTT across parameter space, checked against the closed-form trace/determinant."""

import numpy as np
import pytest

from linrnn.core import rflo_rates, theory


@pytest.mark.parametrize("c", [0.25, 1.0, 4.0])
@pytest.mark.parametrize("a_hat", [0.1, 0.7, 3.0])
@pytest.mark.parametrize("w_hat", [0.0, 0.6])
def test_crossover_at_w_star_zero_is_a_hat(c, a_hat, w_hat):
    # w* = 0: tr and det of RFLO (docs/model.md §3.2 forms, D = E = 1) equal BPTT's exactly at s = â:
    # tr = c²/â² + â² + c², det = c²(c²/â² + â²); so the crossover is s* = |â| for any c, ŵ.
    tr_r, det_r = theory.spec_trace_det("rflo", a_hat, c, 0.0, a_hat=a_hat, w_hat=w_hat)
    tr_b, det_b = theory.spec_trace_det("bptt", a_hat, c, 0.0)
    assert (tr_r, det_r) == (pytest.approx(tr_b), pytest.approx(det_b))
    row = rflo_rates.crossover(c, 0.0, a_hat, w_hat)
    assert row["s_star"] == pytest.approx(a_hat, rel=1e-9)
    assert row["n_crossings"] == 1 and row["faster_at_smallest_s"]
    # fraction of the log grid (symmetric about sqrt c) where RFLO is slower: above log(â/√c)
    x = np.geomspace(1e-2, 1e2, 801)
    assert row["slower_fraction"] == pytest.approx(np.mean(x > a_hat / np.sqrt(c)), abs=1.5 / 801)


def test_crossover_matches_spec_values():
    # docs/model.md §3.2 (c = 1, w* = 0.5, ŵ = 0): RFLO faster for s < 0.17 (â = 0.3), 0.58 (1), 2.4 (3), 7.5 (10).
    for a_hat, s_star in [(0.3, 0.17), (1.0, 0.58), (3.0, 2.4), (10.0, 7.5)]:
        assert rflo_rates.crossover(1.0, 0.5, a_hat, 0.0)["s_star"] == pytest.approx(s_star, rel=0.03)


def _classify_closed_form(s, c, w_star, a_hat, w_hat):
    """Classes from the closed-form tr/det of μ (ODE eigenvalues λ = −μ): an independent path."""
    tr, det = theory.spec_trace_det("rflo", s, c, w_star, a_hat=a_hat, w_hat=w_hat)
    if det < 0:
        return "saddle"
    if tr > 0:
        return "stable node" if tr**2 >= 4 * det else "stable spiral"
    return "unstable"


def test_sign_sample_classes_agree_with_closed_form():
    rows = rflo_rates.sign_sample(np.random.default_rng(3), 300)
    assert len(rows) == 600 and {r["sign"] for r in rows} == {1, -1}
    for r in rows:
        want = _classify_closed_form(r["s"], r["a_star_b_star"], r["w_star"], r["a_hat"], r["w_hat"])
        assert r["classification"] == want, r
        assert np.sign(r["a_hat"] * r["s"]) == r["sign"]
