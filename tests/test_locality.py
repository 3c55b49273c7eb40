"""The locality map (docs/locality.md): every cell F × K_m against independent paths.

Independent paths: a brute-force double sum over horizons and input times of the defining lag
form (1.1); Monte Carlo over sampled sequences; finite differences of the loss; the projected
update of a full data-aligned network; finite-difference Jacobians; SnAp-1 by real-time
recurrent learning with a masked influence tensor; singular values after training.
"""

import math

import numpy as np
import pytest

from linrnn.core import modes
from linrnn.core.model import RNN, aligned_feedback, aligned_student, make_aligned_teacher, sample_inputs
from linrnn.core.rules import RuleOptions, get_rule
from linrnn.core.rules import credit as cr
from tests.helpers import finite_difference_gradient, max_rel_err, monte_carlo_z, random_stable_rnn

N, D, O = 5, 3, 2
CELLS = [c.name for c in cr.CELLS]
ODE_CELLS = [c.name for c in cr.CELLS if c.temporal.reducible]


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(20261202)
    student = random_stable_rnn(rng, N, D, O, radius=0.7)
    teacher = random_stable_rnn(rng, 4, D, O, radius=0.8)
    R = rng.standard_normal((O, N))
    return student, teacher, R


def opts_for(R, loss="final", tau=3):
    return RuleOptions(tau=tau, w_hat=0.35, feedback=R, loss=loss)


def cell_rule(name):
    return cr.compose(cr.CELLS_BY_NAME[name])


def brute_force_update(name, student, teacher, opts, T):
    """docs/locality.md (1.1) literally: Σ_t Σ_m (F K_m)^T E[ε_t h_{t−1−m}^T], with
    E[ε_t h_s^T] = Σ_{u<s} G_{t−1−u} B^T (W^{s−1−u})^T, matrix powers in a plain loop."""
    cell = cr.CELLS_BY_NAME[name]
    A, W, B = student.A, student.W, student.B
    F = A if cell.spatial is cr.READOUT else opts.feedback
    pw = [np.linalg.matrix_power(W, k) for k in range(T + 1)]
    pws = [np.linalg.matrix_power(teacher.W, k) for k in range(T + 1)]
    G = [A @ pw[k] @ B - teacher.A @ pws[k] @ teacher.B for k in range(T + 1)]

    def kernel(m):
        return {
            "full": pw[m],
            "truncated": pw[m] if m < opts.tau else 0 * pw[m],
            "diagonal": np.diag(np.diag(W) ** m),
            "scalar": opts.w_hat**m * np.eye(N),
        }[cell.temporal.name]

    horizons = range(1, T + 1) if opts.loss == "sequence" else [T]
    dA, dW, dB = np.zeros_like(A), np.zeros_like(W), np.zeros_like(B)
    for t in horizons:

        def eh(s, t=t):
            return sum((G[t - 1 - u] @ B.T @ pw[s - 1 - u].T for u in range(s)), np.zeros_like(A))

        for m in range(t):
            phi = F @ kernel(m)
            dW += phi.T @ eh(t - 1 - m)
            dB += phi.T @ G[m]
        dA += eh(t)
    scale = 1.0 / T if opts.loss == "sequence" else 1.0
    return RNN(scale * dA, scale * dW, scale * dB)


@pytest.mark.parametrize("loss", ["final", "sequence"])
@pytest.mark.parametrize("name", CELLS)
def test_expected_update_is_the_lag_form(setup, name, loss):
    student, teacher, R = setup
    opts = opts_for(R, loss)
    for T in (1, 4, 9):
        exact = cell_rule(name).expected(student, teacher, opts, T)
        assert max_rel_err(exact, brute_force_update(name, student, teacher, opts, T)) < 1e-12


@pytest.mark.parametrize("loss", ["final", "sequence"])
@pytest.mark.parametrize("name", CELLS)
def test_sampled_mean_matches_expected_by_monte_carlo(setup, name, loss):
    """40 000 sequences in 80 groups: every entry within 5 standard errors."""
    student, teacher, R = setup
    rng = np.random.default_rng([CELLS.index(name), loss == "sequence"])
    for key, z in monte_carlo_z(cell_rule(name), student, teacher, opts_for(R, loss), rng).items():
        assert z < 5, f"{name} Δ{key}: max |z| = {z:.2f}"


@pytest.mark.parametrize("name", CELLS)
def test_finite_T_tends_to_the_closed_form(setup, name):
    student, teacher, R = setup
    opts = opts_for(R)
    limit = cell_rule(name).expected(student, teacher, opts, None)
    errors = [max_rel_err(cell_rule(name).expected(student, teacher, opts, T), limit) for T in (10, 40, 160, 640)]
    assert errors[0] > 1e-6  # finite T differs ...
    assert errors[-1] < 1e-10  # ... and converges
    seq = cell_rule(name).expected(student, teacher, opts_for(R, "sequence"), 4000)
    assert max_rel_err(seq, limit) < 1e-2  # sequence loss: O(1/T) to the same limit


@pytest.mark.parametrize("T", [6, None])
def test_only_bptt_is_the_gradient(setup, T):
    student, teacher, R = setup
    grad = finite_difference_gradient(student, teacher, T)
    for name in CELLS:
        update = cell_rule(name).expected(student, teacher, opts_for(R), T)
        err = max(max_rel_err(RNN(update.A, update.W, update.B), grad), 0.0)
        if name == "bptt":
            assert err < 1e-6
        else:
            assert err > 1e-3, f"{name} equals the gradient ({err:.1e})"
            assert np.max(np.abs(update.A - grad.A)) < 1e-6 * np.max(np.abs(grad.A))  # delta rule


@pytest.mark.parametrize("loss", ["final", "sequence"])
def test_paper_rules_unchanged_by_composition(setup, loss):
    """The composed bptt, tbptt, rflo, eprop are bit-identical to the registered modules."""
    student, teacher, R = setup
    x = sample_inputs(np.random.default_rng(3), 16, 7, D)
    for name in ("bptt", "tbptt", "rflo", "eprop"):
        for tau in (1, 3):
            opts = opts_for(R, loss, tau)
            for T in (7, None) if loss == "final" else (7,):
                new, old = (
                    cell_rule(name).expected(student, teacher, opts, T),
                    get_rule(name).expected(student, teacher, opts, T),
                )
                assert max_rel_err(new, old) == 0.0, (name, tau, T)
            assert (
                max_rel_err(
                    cell_rule(name).sampled(student, teacher, opts, x),
                    get_rule(name).sampled(student, teacher, opts, x),
                )
                == 0.0
            )
    sym = get_rule("eprop").expected(student, teacher, RuleOptions(eprop_feedback="symmetric"), 7)
    assert max_rel_err(cell_rule("snap1").expected(student, teacher, opts_for(R), 7), sym) == 0.0


# ---------------------------------------------------------------- SnAp-1 (docs/locality.md §7)


def snap_by_rtrl(student, teacher, x, loss, masked=True):
    """Real-time recurrent learning: influence J_t = ∂h_t/∂θ, J_t = W J_{t−1} + I_t, masked to
    the pattern of the immediate Jacobian I_t after every step (SnAp-1), gradient estimate
    Σ_t (A^T ε_t)·J_t (loss weight 1/T at every t for the sequence loss, ε_T only for final)."""
    n, d = student.n, student.d
    batch, T, _ = x.shape
    eye = np.eye(n)
    JW, JB = np.zeros((batch, n, n, n)), np.zeros((batch, n, n, d))
    h, hs = np.zeros((batch, n)), np.zeros((batch, teacher.n))
    gW, gB = np.zeros((n, n)), np.zeros((n, d))
    for t in range(T):
        IW = eye[None, :, :, None] * h[:, None, None, :]  # I[k, (i, j)] = δ_ki h_j
        IB = eye[None, :, :, None] * x[:, t, None, None, :]
        JW = np.einsum("kl,blij->bkij", student.W, JW) + IW
        JB = np.einsum("kl,blij->bkij", student.W, JB) + IB
        if masked:
            JW, JB = JW * eye[None, :, :, None], JB * eye[None, :, :, None]
        h, hs = h @ student.W.T + x[:, t] @ student.B.T, hs @ teacher.W.T + x[:, t] @ teacher.B.T
        if loss == "sequence" or t == T - 1:
            lam = (h @ student.A.T - hs @ teacher.A.T) @ student.A / (T if loss == "sequence" else 1)
            gW += np.einsum("bk,bkij->ij", lam, JW) / batch
            gB += np.einsum("bk,bkij->ij", lam, JB) / batch
    return gW, gB


@pytest.mark.parametrize("loss", ["final", "sequence"])
def test_symmetric_eprop_is_snap1(setup, loss):
    student, teacher, R = setup
    x = sample_inputs(np.random.default_rng(11), 6, 9, D)
    opts = opts_for(R, loss)
    for name, masked in (("snap1", True), ("bptt", False)):
        gW, gB = snap_by_rtrl(student, teacher, x, loss, masked)
        up = cell_rule(name).sampled(student, teacher, opts, x)
        assert np.max(np.abs(up.W - gW)) < 1e-12 * np.max(np.abs(gW))
        assert np.max(np.abs(up.B - gB)) < 1e-12 * np.max(np.abs(gB))
    gW, _ = snap_by_rtrl(student, teacher, x, loss, True)  # and SnAp-1 is not BPTT here
    assert np.max(np.abs(cell_rule("bptt").sampled(student, teacher, opts, x).W - gW)) > 1e-3 * np.max(np.abs(gW))


# ---------------------------------------------------------------- per-mode ODEs (docs/locality.md §4–5)


@pytest.fixture(scope="module")
def aligned():
    rng = np.random.default_rng(4)
    k = 4
    teacher = make_aligned_teacher(
        6, 5, 4, rng.uniform(-1.5, 1.5, k), rng.uniform(-1.5, 1.5, k), rng.uniform(-0.8, 0.8, k), rng
    )
    a, b, w = rng.uniform(-1.5, 1.5, k), rng.uniform(-1.5, 1.5, k), rng.uniform(-0.8, 0.8, k)
    a_hat = rng.uniform(-1.0, 1.0, k)
    return teacher, (a, b, w), a_hat


def project(update, bases):
    mats = (bases.U.T @ update.A @ bases.P, bases.P.T @ update.W @ bases.P, bases.P.T @ update.B @ bases.V)
    k = 4
    diag = [np.diag(m)[:k] for m in mats]
    off = max(
        np.max(np.abs(m - np.diag(np.diag(m))))
        if m.shape[0] == m.shape[1]
        else np.max(np.abs(m[:k, :k] - np.diag(np.diag(m[:k, :k]))))
        for m in mats
    )
    return diag, off


@pytest.mark.parametrize("tau", [1, 3])
@pytest.mark.parametrize("name", CELLS)
def test_ode_is_the_projected_aligned_network(aligned, name, tau):
    teacher, (a, b, w), a_hat = aligned
    student = aligned_student(teacher, a, b, w)
    R = aligned_feedback(teacher, a_hat, n=6)
    opts = RuleOptions(tau=tau, w_hat=0.4, feedback=R, a_hat=a_hat)
    full = cell_rule(name).expected(student, teacher.rnn, opts, None)
    (pa, pw, pb), off = project(full, teacher.bases)
    cell = cr.CELLS_BY_NAME[name]
    if not cell.temporal.reducible:  # diag(W) in the neuron basis mixes the modes
        assert off > 1e-3
        return
    assert off < 1e-10
    da, db, dw = cr.mode_update(cell.spatial, cell.temporal, a, b, w, teacher.a, teacher.b, teacher.w, opts)
    scale = max(np.max(np.abs(x)) for x in (pa, pb, pw))
    assert max(np.max(np.abs(pa - da)), np.max(np.abs(pb - db)), np.max(np.abs(pw - dw))) < 1e-10 * scale


def test_composed_odes_equal_the_paper_odes():
    rng = np.random.default_rng(8)
    a, b, w, ast, bst, wst = rng.uniform(-1, 1, (6, 50))
    a_hat = rng.uniform(-1, 1, 50)
    for tau in (1, 3):
        opts = RuleOptions(tau=tau, w_hat=0.3, a_hat=a_hat)
        pairs = (
            (cr.CELLS_BY_NAME["bptt"], modes.bptt_mode_update(a, b, w, ast, bst, wst)),
            (cr.CELLS_BY_NAME["tbptt"], modes.tbptt_mode_update(a, b, w, ast, bst, wst, tau=tau)),
            (cr.CELLS_BY_NAME["rflo"], modes.rflo_mode_update(a, b, w, ast, bst, wst, a_hat, 0.3)),
        )
        for cell, ref in pairs:
            new = cr.mode_update(cell.spatial, cell.temporal, a, b, w, ast, bst, wst, opts)
            for x, y in zip(new, ref, strict=True):
                assert np.max(np.abs(x - y)) < 1e-12 * np.max(np.abs(y))


def fd_jacobian(cell, point, opts, teacher, h=1e-6):
    J = np.empty((3, 3))
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        fp = np.array(cr.mode_update(cell.spatial, cell.temporal, *(point + e), *teacher, opts))
        fm = np.array(cr.mode_update(cell.spatial, cell.temporal, *(point - e), *teacher, opts))
        J[:, j] = (fp - fm) / (2 * h)
    return J


@pytest.mark.parametrize("tau", [1, 4])
@pytest.mark.parametrize("name", ODE_CELLS)
def test_jacobian_and_optimal_manifold_closed_forms(name, tau):
    cell = cr.CELLS_BY_NAME[name]
    rng = np.random.default_rng(tau)
    opts = RuleOptions(tau=tau, w_hat=-0.45, a_hat=-0.8)
    teacher = (0.9, -0.7, 0.6)
    c = teacher[0] * teacher[1]
    for point in rng.uniform([-1.5, -1.5, -0.8], [1.5, 1.5, 0.8], (10, 3)):  # everywhere
        J = cr.mode_update_jacobian(cell.spatial, cell.temporal, *point, *teacher, opts)
        assert np.max(np.abs(J - fd_jacobian(cell, point, opts, teacher))) < 1e-7 * max(1.0, np.max(np.abs(J)))
    for s in (-2.0, -0.3, 0.25, 1.7):  # on M*: residual 0, zero eigenvalue along it, (5.1)
        point = np.array([s, c / s, teacher[2]])
        assert np.max(np.abs(cr.mode_update(cell.spatial, cell.temporal, *point, *teacher, opts))) < 1e-14
        J = cr.mode_update_jacobian(cell.spatial, cell.temporal, *point, *teacher, opts)
        assert np.max(np.abs(J @ np.array([1.0, -c / s**2, 0.0]))) < 1e-12 * np.max(np.abs(J))
        tr, m2 = cr.optimal_trace_m2(cell.spatial, cell.temporal, s, c, teacher[2], opts)
        minors = sum(np.linalg.det(J[np.ix_(ij, ij)]) for ij in ([0, 1], [0, 2], [1, 2]))
        assert abs(np.trace(J) - tr) < 1e-12 * abs(tr) + 1e-13
        assert abs(minors - m2) < 1e-11 * abs(m2) + 1e-13


def test_optimal_manifold_forms_reduce_to_the_paper_trace_and_determinant():
    from linrnn.core.theory import spec_trace_det

    s = np.array([-3.0, -0.4, 0.2, 1.0, 2.5])
    for c, ws, ah, wh in ((1.0, 0.5, 1.0, 0.0), (-0.7, 0.9, -0.3, 0.6), (2.0, -0.4, 0.8, -0.5)):
        opts = RuleOptions(tau=1, w_hat=wh, a_hat=ah)
        for name in ("bptt", "tbptt", "rflo"):
            cell = cr.CELLS_BY_NAME[name]
            tr, m2 = cr.optimal_trace_m2(cell.spatial, cell.temporal, s, c, ws, opts)
            tr0, det0 = spec_trace_det(name, s, c, ws, a_hat=ah, w_hat=wh)
            assert np.allclose(tr, tr0, rtol=1e-12) and np.allclose(m2, det0, rtol=1e-12)
        # the full kernel linearises like the scalar kernel at ŵ = w* (docs/locality.md §5.2)
        at = RuleOptions(tau=1, w_hat=ws, a_hat=ah)
        for full, scalar in (("bptt", "rflo_a"), ("fa_bptt", "rflo")):
            x = cr.optimal_trace_m2(cr.CELLS_BY_NAME[full].spatial, cr.FULL, s, c, ws, at)
            y = cr.optimal_trace_m2(cr.CELLS_BY_NAME[scalar].spatial, cr.SCALAR, s, c, ws, at)
            assert np.allclose(x, y, rtol=1e-12)


def test_nonoptimal_manifold_exists_only_with_the_true_readout():
    opts = RuleOptions(tau=3, w_hat=0.3, a_hat=0.7)
    w = np.linspace(-0.9, 0.9, 7)
    teacher = (1.2, -0.8, 0.5)
    c = teacher[0] * teacher[1]
    for name in ODE_CELLS:
        cell = cr.CELLS_BY_NAME[name]
        res = np.max(np.abs(cr.mode_update(cell.spatial, cell.temporal, 0 * w, 0 * w, w, *teacher, opts)))
        if not cr.has_nonoptimal_manifold(cell.spatial):
            assert res > 1e-2
            continue
        assert res == 0.0
        for wi in w:
            J = cr.mode_update_jacobian(cell.spatial, cell.temporal, 0.0, 0.0, wi, *teacher, opts)
            eig = np.sort(np.linalg.eigvals(J).real)
            lam = cr.nonoptimal_eigenvalue(cell.temporal, wi, c, teacher[2], opts)
            assert np.allclose(eig, [-lam, 0.0, lam], atol=1e-12)


# ---------------------------------------------------------------- rank theorem (docs/locality.md §6)


def train_change(name, tau, estimator, steps=200, eta=0.05):
    rng = np.random.default_rng(99)
    n, d, o = 6, 3, 1
    t = random_stable_rnn(rng, 6, d, o, radius=0.6)
    teacher = RNN(t.A / math.sqrt(n), t.W, t.B / math.sqrt(d))
    student0 = RNN(
        0.3 * rng.standard_normal((o, n)),
        0.3 * rng.standard_normal((n, n)) / math.sqrt(n),
        0.3 * rng.standard_normal((n, d)),
    )
    opts = RuleOptions(tau=tau, w_hat=0.4, feedback=rng.standard_normal((o, n)) / math.sqrt(n))
    rule, params = cell_rule(name), student0
    for _ in range(steps):
        if estimator == "expected":
            update = rule.expected(params, teacher, opts, None)
        else:
            update = rule.sampled(params, teacher, opts, sample_inputs(rng, 32, 20, d))
        params = params.step(update, eta)
    sw = np.linalg.svd(params.W - student0.W, compute_uv=False)
    sb = np.linalg.svd(params.B - student0.B, compute_uv=False)
    return sw, sb, rule


RANK_CASES = [(name, 1) for name in CELLS] + [("tbptt", 2), ("fa_tbptt", 2)]


@pytest.mark.parametrize("estimator", ["expected", "sampled"])
@pytest.mark.parametrize("name,tau", RANK_CASES)
def test_generalised_rank_theorem(name, tau, estimator):
    """o = 1: σ_2/σ_1 of W_K − W_0 and B_K − B_0 after 200 steps from a random init."""
    cell = cr.CELLS_BY_NAME[name]
    sw, sb, _ = train_change(name, tau, estimator)
    bounded = cr.rank_bounded(cell.spatial, cell.temporal, RuleOptions(tau=tau))
    for sv in (sw, sb):
        gap = sv[1] / sv[0]  # o = 1: σ_2/σ_1
        if bounded:
            assert gap < 1e-8, f"{name} τ={tau}: σ2/σ1 = {gap:.1e}"
        else:
            assert gap > 1e-5, f"{name} τ={tau}: σ2/σ1 = {gap:.1e} (expected rank > o)"


# ---------------------------------------------------------------- map summary, claims, figure


@pytest.fixture(scope="module")
def small_map():
    """Every cell trained from the same inits (o = 1, 3 seeds), tabulated like the pipeline."""
    from linrnn.core.train import train
    from linrnn.pipeline.tables import run_summary

    rng = np.random.default_rng(17)
    n, d, o = 6, 3, 1
    t = random_stable_rnn(rng, n, d, o, radius=0.6)
    teacher = RNN(t.A / math.sqrt(n), t.W, t.B / math.sqrt(d))
    runs, spectra = [], []
    for seed in range(3):
        srng = np.random.default_rng([17, seed])
        student = RNN(*(0.3 * srng.standard_normal(shape) for shape in ((o, n), (n, n), (n, d))))
        student = RNN(student.A, student.W / math.sqrt(n), student.B)
        opts = RuleOptions(tau=1, w_hat=0.0, feedback=srng.standard_normal((o, n)) / math.sqrt(n))
        for name in CELLS:
            result = train(name, student, teacher, opts=opts, eta=0.05, steps=150, record_every=50)
            key = {"experiment": "map", "rule": name, "estimator": "expected", "seed": seed}
            row, sp = run_summary(key, result.arrays(), {"rel_loss": 0.05, "rank_rtol": 1e-6})
            runs.append(row)
            spectra += sp
    columns = lambda rows: {k: np.array([r[k] for r in rows]) for k in rows[0]}  # noqa: E731
    return {"map": {"runs": columns(runs), "spectra": columns(spectra)}}


MAP_CFG = {
    "experiment": "map",
    "estimator": "expected",
    "rules": CELLS,
    "options": {"tau": 1, "w_hat": 0.0},
    "rank_rtol": 1e-6,
    "rates": {"c": 1.0, "w_star": 0.5, "a_hat": 1.0, "w_hat": 0.0, "s_min": 0.1, "s_max": 3.0, "n_s": 20},
    "stability": {
        "s_min": 0.05,
        "s_max": 4.0,
        "n_s": 9,
        "w_stars": [0.0, 0.9],
        "cs": [1.0, -1.0],
        "a_hats": [1.0, -0.2],
        "w_hats": [0.0, 0.5],
        "taus": [1, 3],
    },
}


def test_locality_claims_on_a_small_map(small_map):
    from linrnn.claims.locality import locality_claims

    rows = locality_claims(small_map, MAP_CFG)
    by = {(r["id"], r["subject"]): r for r in rows}
    for name in CELLS:  # the theorem holds as predicted on every cell of this map
        assert by[("L1", name)]["passed"], by[("L1", name)]
    assert by[("L1", "rflo")]["claim"] == "rank_bounded" and by[("L1", "fa_tbptt")]["claim"] == "rank_bounded"
    assert all(by[("L3", n)]["passed"] for n in ODE_CELLS) and ("L3", "eprop") not in by
    assert {r["subject"] for r in rows if r["id"] == "L2"} == {"F = A row", "F = R row"}
    # a claim computed on no data never passes
    empty = locality_claims({}, MAP_CFG)
    assert not any(r["passed"] for r in empty if r["id"] in ("L1", "L2"))


def test_map_summary_and_figure(small_map, tmp_path):
    from linrnn.analysis import locality as lc
    from linrnn.figures.locality import figure_locality_map, map_grid
    from linrnn.figures.style import save_figure

    runs, spectra = small_map["map"]["runs"], small_map["map"]["spectra"]
    summary = lc.map_summary(runs, spectra, CELLS)
    grid = map_grid(summary, "effective_rank_W")
    assert grid.shape == (2, 4) and np.all(np.isfinite(grid))
    # rflo (R, scalar) and fa_tbptt (R, τ = 1) are rank one; at ŵ = 0 they are the same rule
    assert grid[1, 3] == pytest.approx(1.0, abs=1e-9) and grid[1, 1] == pytest.approx(1.0, abs=1e-9)
    rel = map_grid(summary, "relative_loss")
    assert rel[0, 1] == pytest.approx(rel[0, 3], rel=1e-9) and rel[1, 1] == pytest.approx(rel[1, 3], rel=1e-9)
    fig = figure_locality_map(small_map, MAP_CFG)
    save_figure(fig, [tmp_path / "map.png"])
    assert (tmp_path / "map.png").stat().st_size > 10_000
