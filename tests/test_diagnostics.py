"""Diagnostics: alignment metrics, rank spectra, convergence, tables and claims checks.

Every expected number comes from an independent path: a hand-built matrix with a closed-form
value, numpy's SVD of a constructed low-rank matrix, or an exactly aligned network.
"""

import numpy as np
import pytest

from linrnn.analysis import diagnostics as dg
from linrnn.claims import simulation_checks
from linrnn.core import model, projection
from linrnn.core.model import RNN
from linrnn.pipeline import tables


@pytest.fixture
def teacher():
    rng = np.random.default_rng(3)
    return model.make_aligned_teacher(6, 4, 3, [1.5, 1.0, 0.5], [1.2, -0.8, 0.4], [0.6, -0.3, 0.2], rng)


def test_mode_diagonal_fraction_hand_built():
    M = np.array([[1.0, 1.0], [0.0, 1.0]])
    assert dg.mode_diagonal_fraction(M, 2) == pytest.approx(2 / 3)
    assert dg.mode_diagonal_fraction(M, 1) == pytest.approx(1 / 3)
    assert np.isnan(dg.mode_diagonal_fraction(np.zeros((2, 2)), 2))


def test_aligned_network_has_alignment_one(teacher):
    student = model.aligned_student(teacher, [0.3, 0.2, 0.1], [0.5, 0.4, 0.3], [0.1, 0.2, -0.1])
    R = model.aligned_feedback(teacher, [1.0, 1.0, 1.0])
    for P in (teacher.bases.P[:, :3], projection.hidden_basis(student, teacher.bases, 3, "final")):
        metrics = dg.alignment(student, teacher.bases, P, R)
        for name in ("recurrent", "input", "output"):
            assert metrics[name] == pytest.approx(1.0, abs=1e-12)


def test_alignment_closed_form_with_leak(teacher):
    """W = P diag(w) P^T + ε p_0 p_1^T: recurrent alignment Σw² / (Σw² + ε²)."""
    P = teacher.bases.P
    w = np.array([0.5, -0.2, 0.1])
    eps = 0.3
    W = P[:, :3] @ np.diag(w) @ P[:, :3].T + eps * np.outer(P[:, 0], P[:, 1])
    net = RNN(teacher.rnn.A, W, teacher.rnn.B)
    got = dg.alignment(net, teacher.bases, P[:, :3])["recurrent"]
    assert got == pytest.approx(np.sum(w**2) / (np.sum(w**2) + eps**2), rel=1e-12)


def test_aligned_projection_recovers_modes(teacher):
    a0, b0, w0 = [0.3, 0.2, 0.1], [0.5, 0.4, 0.3], [0.1, 0.2, -0.1]
    student = model.aligned_student(teacher, a0, b0, w0)
    a, b, w = projection.mode_values(student, teacher.bases, teacher.bases.P[:, :3])
    np.testing.assert_allclose(a, a0, atol=1e-12)
    np.testing.assert_allclose(b, b0, atol=1e-12)
    np.testing.assert_allclose(w, w0, atol=1e-12)


def test_cosine():
    X = np.array([[1.0, 2.0]])
    assert dg.cosine(X, X) == pytest.approx(1.0)
    assert dg.cosine(X, -3 * X) == pytest.approx(-1.0)
    assert dg.cosine(X, np.array([[2.0, -1.0]])) == pytest.approx(0.0)
    assert np.isnan(dg.cosine(X, np.zeros_like(X)))


def test_singular_values_of_constructed_low_rank_matrix():
    rng = np.random.default_rng(1)
    Q1, _ = np.linalg.qr(rng.standard_normal((7, 7)))
    Q2, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    M = 3.0 * np.outer(Q1[:, 0], Q2[:, 0]) + 1.0 * np.outer(Q1[:, 1], Q2[:, 1])
    sv = dg.singular_values(M)
    np.testing.assert_allclose(sv[:2], [3.0, 1.0], rtol=1e-12)
    assert np.all(sv[2:] < 1e-14)
    assert dg.numerical_rank(sv, 1e-8) == 2
    p = np.array([0.75, 0.25])
    assert dg.effective_rank(sv) == pytest.approx(np.exp(-np.sum(p * np.log(p))), rel=1e-10)
    assert dg.effective_rank(np.array([2.0, 2.0, 0.0])) == pytest.approx(2.0)
    assert dg.effective_rank(np.array([5.0])) == pytest.approx(1.0)


def test_rank_of_nonfinite_and_zero():
    sv = dg.singular_values(np.array([[np.nan, 0.0], [0.0, 1.0]]))
    assert np.isnan(sv).all() and dg.numerical_rank(sv, 1e-8) == -1
    assert dg.numerical_rank(np.zeros(3), 1e-8) == 0
    assert np.isnan(dg.effective_rank(np.zeros(3)))


def test_convergence_status():
    assert dg.convergence_status("ok", 1.0, 0.001, 0.01) == dg.CONVERGED
    assert dg.convergence_status("ok", 1.0, 0.5, 0.01) == dg.NOT_CONVERGED
    assert dg.convergence_status("diverged", 1.0, 0.001, 0.01) == dg.DIVERGED
    assert dg.convergence_status("ok", 1.0, float("nan"), 0.01) == dg.DIVERGED


def _relative_loss_brute_force(t, loss, diverged, when):
    """Straight from the definition: the latest record not after `when`, none after divergence."""
    if diverged and when > t[-1]:
        return np.nan
    earlier = [j for j in range(len(t)) if t[j] <= when]
    return loss[earlier[-1]] / loss[0] if earlier else np.nan


def test_relative_loss_paths_match_definition():
    rng = np.random.default_rng(7)
    curves = []
    for i in range(9):  # different record grids, non-monotone losses, some diverged runs
        steps = np.sort(rng.choice(np.arange(1, 40), size=6, replace=False))
        t = 0.05 * np.concatenate([[0], steps])
        loss = np.exp(-rng.uniform(0.2, 1.5) * np.arange(len(t)))
        loss[rng.integers(1, len(t))] *= 30.0
        curves.append((t, 2.0 * loss, i % 4 == 3))
    times, paths = dg.relative_loss_paths(curves)
    assert np.all(np.diff(times) > 0) and times[0] == 0.0
    assert paths.shape == (9, len(times)) and np.isnan(paths).any()
    for i, curve in enumerate(curves):
        expected = [_relative_loss_brute_force(*curve, when) for when in times]
        np.testing.assert_allclose(paths[i], expected, rtol=1e-15)
    # the last column decides convergence exactly as convergence_status does
    rel_loss = 0.05
    status = [
        dg.convergence_status("diverged" if div else "ok", loss[0], loss[-1], rel_loss) for _, loss, div in curves
    ]
    with np.errstate(invalid="ignore"):
        assert [s == dg.CONVERGED for s in status] == list(paths[:, -1] <= rel_loss)


def test_last_finite_index():
    x = np.array([[1.0], [2.0], [np.nan]])
    assert dg.last_finite_index(x) == 1
    assert dg.last_finite_index(np.full((2, 2, 2), np.nan)) == -1


def _run(status="ok", n_rec=3, rank_one=True):
    rng = np.random.default_rng(2)
    n, d, o = 5, 2, 1
    A0, W0, B0 = (
        rng.standard_normal((o, n)),
        0.1 * rng.standard_normal((n, n)),
        rng.standard_normal((n, d)),
    )
    r = rng.standard_normal(n)
    As, Ws, Bs = [], [], []
    for j in range(n_rec):
        dW = j * np.outer(r, rng.standard_normal(n)) if rank_one else j * rng.standard_normal((n, n))
        As.append(A0)
        Ws.append(W0 + 0.01 * dW)
        Bs.append(B0 + 0.01 * j * np.outer(r, rng.standard_normal(d)))
    return {
        "status": np.array(status),
        "message": np.array("" if status == "ok" else "diverged at step 3: x"),
        "diverged_step": np.array(-1 if status == "ok" else 3),
        "steps": np.arange(n_rec),
        "time": 0.1 * np.arange(n_rec),
        "loss": np.array([1.0, 0.1, 0.001][:n_rec]),
        "A": np.array(As),
        "W": np.array(Ws),
        "B": np.array(Bs),
    }


def test_run_summary_rank_and_outcome():
    key = {"experiment": "e", "rule": "rflo", "estimator": "expected", "seed": 0}
    analysis = {"rel_loss": 0.01, "rank_rtol": 1e-8}
    row, spectra = tables.run_summary(key, _run(), analysis)
    assert row["outcome"] == dg.CONVERGED and row["rank_W"] == 1 and row["rank_B"] == 1
    assert row["effective_rank_W"] == pytest.approx(1.0, abs=1e-10)
    assert set(row) == set(tables.COLUMNS["runs"])
    assert {s["matrix"] for s in spectra} == {"W", "B"}
    row, _ = tables.run_summary(key, _run(rank_one=False), analysis)
    assert row["rank_W"] == 5
    row, spectra = tables.run_summary(key, _run(status="diverged"), analysis)
    assert row["outcome"] == dg.DIVERGED and row["diverged_step"] == 3
    assert all(s["outcome"] == dg.DIVERGED for s in spectra)


def test_ode_match_zero_for_identical_trajectories_and_the_dominant_modes_decide():
    """ode_match rows measured from a modes table, and the claims' dominant-mode summary."""
    rows = []
    for estimator in ("expected", "ode"):
        for i, strength in enumerate((2.0, 1.0, 0.1)):
            for t in (0.0, 1.0, 2.0):
                rows.append(
                    dict(
                        experiment="e",
                        rule="bptt",
                        seed=0,
                        estimator=estimator,
                        mode_index=i,
                        time=t,
                        a=t * strength + (0.2 * (estimator == "ode") if i == 1 else 0.0) + (5.0 * (i == 2)),
                        b=1.0,
                        w=0.1 * t,
                        a_star=strength,
                        b_star=1.0,
                    )
                )
    match = tables.ode_match_rows(rows)
    assert [(r["mode_index"], r["strength"]) for r in match] == [(0, 2.0), (1, 1.0), (2, 0.1)]
    assert match[0]["ab_deviation"] == 0.0 and match[0]["covered"] == 1.0
    assert match[1]["ab_deviation"] == pytest.approx(0.2)  # 0.2 / |a*b*| = 0.2 / 1
    assert match[2]["ab_deviation"] == 0.0  # the same offset in run and ODE
    table = {k: np.array([r[k] for r in match]) for k in match[0]}
    assert simulation_checks.ode_deviation(table, "bptt", 0, "expected", 1) == {"ab": 0.0, "w": 0.0, "covered": 1.0}
    assert simulation_checks.ode_deviation(table, "bptt", 0, "expected", 2)["ab"] == pytest.approx(0.2)
    assert np.isnan(simulation_checks.ode_deviation(table, "rflo", 0, "expected", 2)["ab"])
    # an ODE that stopped early covers part of the run
    short = [r for r in rows if not (r["estimator"] == "ode" and r["time"] == 2.0)]
    assert tables.ode_match_rows(short)[0]["covered"] == pytest.approx(2 / 3)


def _columns(rows, names):
    return {k: np.array([r[k] for r in rows]) for k in names}


def test_figures_draw_diverged_runs_without_nan():
    """A diverged run (NaN after its last finite record) reaches the figures marked, not as NaN."""
    import matplotlib

    matplotlib.use("Agg")
    from linrnn.figures import simulation

    analysis = {"rel_loss": 0.01, "rank_rtol": 1e-8}
    runs, spectra, losses = [], [], []
    for rule, status in (("bptt", "ok"), ("rflo", "diverged"), ("tbptt", "ok"), ("eprop", "ok")):
        for seed in (0, 1):
            run = _run(status=status if seed == 1 else "ok", rank_one=rule == "rflo")
            if status == "diverged" and seed == 1:
                run["W"][-1][:] = np.nan  # the state after divergence is not finite
                run["loss"][-1] = np.nan
            key = {"experiment": "e", "rule": rule, "estimator": "expected", "seed": seed}
            row, sp = tables.run_summary(key, run, analysis)
            runs.append(row)
            spectra += sp
            losses += tables.loss_rows(key, run)
    assert all(np.isfinite(s["singular_value"]) for s in spectra)
    t = {
        "runs": _columns(runs, tables.COLUMNS["runs"]),
        "spectra": _columns(spectra, tables.COLUMNS["spectra"]),
        "loss": _columns(losses, tables.COLUMNS["loss"]),
    }
    diverged = io_select(t["runs"], rule="rflo", seed=1)
    assert diverged["outcome"][0] == dg.DIVERGED and np.isfinite(diverged["final_loss"][0])
    cfg = {
        "experiment": "e",
        "seed": 0,
        "estimator": "expected",
        "rules": ["bptt", "eprop", "tbptt", "rflo"],
        "rank_experiments": ["e"],
        "rank_rule": "rflo",
        "n_show": 5,
    }
    fig = simulation.figure_low_rank({"e": t}, cfg)
    for ax in fig.axes:
        for line in ax.get_lines():
            assert np.isfinite(np.asarray(line.get_ydata(), dtype=float)).all()
    cfg = {
        "experiment": "e",
        "estimator": "expected",
        "rules": ["bptt", "tbptt", "rflo", "eprop"],
        "paper_converged": {"rflo": 13},
        "paper_runs": 20,
    }
    fig = simulation.figure_reliability({"e": t}, cfg)
    for ax in fig.axes:
        for line in ax.get_lines():
            assert np.isfinite(np.asarray(line.get_ydata(), dtype=float)).all()
    # the loss-over-time panel ends at each run's final relative loss (NaN once diverged)
    for rule, (_, paths) in simulation.reliability_paths({"e": t}, cfg).items():
        r = io_select(t["runs"], rule=rule)
        final = np.where(r["outcome"] == dg.DIVERGED, np.nan, r["relative_loss"])
        np.testing.assert_allclose(paths[:, -1], final, rtol=1e-12)


def io_select(table, **where):
    from linrnn.pipeline.io import select

    return select(table, **where)
