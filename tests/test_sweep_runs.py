"""Per-run sweep measures against constructed cases with known answers."""

import numpy as np
import pytest

from linrnn.analysis import sweep_runs as sa


def test_time_to_converge_is_the_first_record_below_the_criterion():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    assert sa.time_to_converge(t, [1.0, 0.5, 0.009, 0.02], 0.01) == 2.0
    assert np.isnan(sa.time_to_converge(t, [1.0, 0.5, 0.2, 0.1], 0.01))


def test_learned_timescales_counts_matched_eigenvalues():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    W_star = Q @ np.diag([0.8, -0.6, 0.4, 0, 0, 0]) @ Q.T
    targets = sa.teacher_timescales(W_star)
    assert np.allclose(np.sort(targets.real), [-0.6, 0.4, 0.8])
    # A student with eigenvalues 0.81 and -0.3 (similar to a diagonal matrix) learned one of three.
    S = rng.standard_normal((6, 6)) + 3 * np.eye(6)
    W = S @ np.diag([0.81, -0.3, 0.0, 0.0, 0.1, 0.0]) @ np.linalg.inv(S)
    assert sa.learned_timescales(W, targets, tol=0.05) == 1
    assert sa.learned_timescales(W, targets, tol=0.5) == 3  # -0.3 is within 0.5 of -0.6, 0.1 of 0.4
    assert sa.learned_timescales(np.full((6, 6), np.nan), targets, tol=0.05) == 0


def test_count_rows_have_every_state_and_intervals():
    rows = [dict(point=0, rule="rflo", estimator="expected", outcome=o) for o in ["converged"] * 3 + ["stalled"]]
    out = sa.count_rows("pm", rows, ["converged", "stalled", "diverged"])
    by = {r["state"]: r for r in out}
    assert [by[s]["count"] for s in ("converged", "stalled", "diverged")] == [3, 1, 0]
    assert by["converged"]["runs"] == 4 and by["converged"]["lower"] == pytest.approx(0.19412044, abs=1e-6)
    assert list(sa.run_columns(["k", "o"]))[:4] == ["sweep", "point", "axis_k", "axis_o"]
