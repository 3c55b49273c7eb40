"""Fixed points, Jacobians, spectra and rates (docs/model.md §3) against independent paths:
central finite differences, numpy eigenvalues, the closed-form trace/determinant of docs/model.md §3.2, and
decay rates measured on integrated trajectories."""

import math
from pathlib import Path

import numpy as np
import pytest

from linrnn.core import modes, theory
from linrnn.core.rules import ode_rules

SETTINGS = [
    ("bptt", {}),
    ("tbptt", {"tau": 1}),
    ("tbptt", {"tau": 3}),
    ("rflo", {"a_hat": -0.7, "w_hat": 0.4}),
    ("rflo", {"a_hat": 1.3, "w_hat": -0.6}),
]


def fd_transverse_eigs(rule, s, c, w_star, **kw):
    """Eigenvalues of the finite-difference Jacobian at (s, c/s, w*), minus the one nearest 0,
    sorted by real part (largest first)."""
    a, b, w = s, c / s, w_star
    J = theory.finite_difference_jacobian(rule, a, b, w, c, 1.0, w_star, h=1e-5, **kw)
    lam = np.linalg.eigvals(J)
    lam = np.delete(lam, np.argmin(np.abs(lam)))
    return lam[np.argsort(-lam.real)]


# ---------------------------------------------------------------- Jacobian


@pytest.mark.parametrize("rule,kw", SETTINGS)
def test_analytic_jacobian_equals_finite_differences(rule, kw):
    rng = np.random.default_rng(10)
    a, b = rng.normal(size=(2, 40))
    w = rng.uniform(-0.9, 0.9, 40)
    err = theory.jacobian_check(rule, a, b, w, 0.8, -1.3, 0.6, **kw)
    assert err < 1e-6


# ---------------------------------------------------------------- manifolds


@pytest.mark.parametrize("rule,kw", SETTINGS)
def test_manifold_points_are_zeros_of_the_field(rule, kw):
    s = np.array([0.05, 0.3, 1.0, 2.5, 7.0])
    w_grid = np.linspace(-0.95, 0.95, 7)
    mans = theory.stationary_manifolds(rule, 1.2, -0.7, 0.55, s, w_grid, **kw)
    assert set(mans) == (
        {"optimal_pos", "optimal_neg", "nonoptimal"} if rule != "rflo" else {"optimal_pos", "optimal_neg"}
    )
    for m in mans.values():
        assert np.all(m["residual"] < 1e-12)
    opt = mans["optimal_pos"]
    np.testing.assert_allclose(opt["a"] * opt["b"], 1.2 * -0.7)


def test_rflo_has_no_nonoptimal_manifold():
    w = np.linspace(-0.9, 0.9, 9)
    for a_hat, w_hat in [(1.0, 0.0), (-0.5, 0.7)]:
        _, db, _ = modes.rflo_mode_update(0.0, 0.0, w, 1.0, 2.0, 0.4, a_hat, w_hat)
        np.testing.assert_allclose(db, -a_hat * 2.0 / (1 - w_hat * 0.4))
        assert np.all(np.abs(db) > 0)
    with pytest.raises(ValueError, match="nonoptimal"):
        theory.manifold_spectrum("rflo", w, 1.0, 1.0, 0.5, manifold="nonoptimal")


@pytest.mark.parametrize("w_star", [-0.6, 0.3, 0.8])
def test_nonoptimal_manifold_is_a_saddle_with_the_spec_eigenvalues(w_star):
    c = -1.7
    w = np.linspace(-0.9, 0.9, 11)
    for rule, expected in [
        ("bptt", abs(c) / (1 - w * w_star)),
        ("tbptt", abs(c) / np.sqrt(1 - w * w_star)),
    ]:
        spec = theory.manifold_spectrum(rule, w, c, 1.0, w_star, manifold="nonoptimal")
        np.testing.assert_allclose(spec["eig_1"], expected, rtol=1e-12)
        np.testing.assert_allclose(spec["eig_2"], -expected, rtol=1e-12)
        assert np.all(spec["classification"] == "saddle")
        # the third eigenvalue (numpy, full 3×3 Jacobian) is zero: along the manifold
        J = theory.jacobian(rule, 0 * w, 0 * w, w, c, 1.0, w_star)
        lam = np.sort_complex(np.linalg.eigvals(J))
        np.testing.assert_allclose(lam.real[:, 1], 0.0, atol=1e-12)


# ---------------------------------------------------------------- spectra on M*


@pytest.mark.parametrize("rule,kw", [("bptt", {}), ("tbptt", {"tau": 1}), ("rflo", {"a_hat": 0.8, "w_hat": 0.3})])
def test_on_manifold_eigenvalues_equal_spec_trace_det(rule, kw):
    """docs/model.md §3.2: μ² − tr μ + det = 0 for μ = eigenvalues of ∂Δ/∂θ; ODE eigenvalues are −μ."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        c = rng.choice([-1, 1]) * rng.uniform(0.2, 3)
        s = rng.choice([-1, 1]) * rng.uniform(0.1, 4)
        w_star = rng.uniform(-0.9, 0.9)
        tr, det = theory.spec_trace_det(rule, s, c, w_star, a_hat=kw.get("a_hat", 1.0), w_hat=kw.get("w_hat", 0.0))
        mu = np.roots([1.0, -tr, det])
        expected = np.sort_complex(-mu)
        spec = theory.manifold_spectrum(rule, np.array([s]), c, 1.0, w_star, **kw)
        got = np.sort_complex(np.array([spec["eig_1"][0], spec["eig_2"][0]]))
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
        # and numpy's eigenvalues of the full 3×3 Jacobian contain 0 and the same pair
        J = theory.jacobian(rule, s, c / s, w_star, c, 1.0, w_star, **kw)
        lam = np.linalg.eigvals(J)
        assert np.min(np.abs(lam)) < 1e-9 * np.abs(lam).max()
        assert spec["tangent"][0] < 1e-9 * np.abs(lam).max()


def test_bptt_is_stable_everywhere_on_m_star_and_slowest_at_balance():
    for c, w_star in [(1.0, 0.5), (-2.0, 0.9), (0.5, -0.7)]:
        s = np.concatenate([-np.geomspace(5, 0.05, 301), np.geomspace(0.05, 5, 301)])
        spec = theory.manifold_spectrum("bptt", s, c, 1.0, w_star)
        assert np.all(spec["classification"] == "stable node")
        assert np.all(np.abs(spec["eig_1"].imag) == 0)
        for branch in (s < 0, s > 0):
            s_slow = s[branch][np.argmin(spec["rate"][branch])]
            assert abs(abs(s_slow) - math.sqrt(abs(c))) < 0.02 * math.sqrt(abs(c))


def test_tbptt_equals_bptt_at_w_star_zero():
    s = np.linspace(0.1, 4, 30)
    for c in (1.0, -0.6):
        bp = theory.manifold_spectrum("bptt", s, c, 1.0, 0.0)
        tb = theory.manifold_spectrum("tbptt", s, c, 1.0, 0.0, tau=1)
        np.testing.assert_allclose(tb["eig_1"], bp["eig_1"], rtol=1e-12)
        np.testing.assert_allclose(tb["eig_2"], bp["eig_2"], rtol=1e-12)
        # docs/model.md §3.2 [D]: both give μ ∈ {q, c²}
        q = c**2 / s**2 + s**2
        np.testing.assert_allclose(
            np.sort([-bp["eig_1"].real, -bp["eig_2"].real], axis=0),
            np.sort([q, 0 * q + c**2], axis=0),
            rtol=1e-12,
        )


def test_rflo_branch_with_a_hat_s_positive_is_stable():
    rng = np.random.default_rng(12)
    c = rng.choice([-1, 1], 200) * rng.uniform(0.1, 3, 200)
    a_hat = rng.choice([-1, 1], 200) * rng.uniform(0.05, 2, 200)
    s = np.sign(a_hat) * rng.uniform(0.05, 5, 200)  # â s > 0
    w_star = rng.uniform(-0.95, 0.95, 200)
    w_hat = rng.uniform(-0.95, 0.95, 200)
    spec = theory.manifold_spectrum("rflo", s, c, 1.0, w_star, a_hat=a_hat, w_hat=w_hat)
    assert np.all(np.isin(spec["classification"], ["stable node", "stable spiral"]))
    assert np.all(spec["rate"] > 0)


def test_rflo_opposite_branch_is_mostly_unstable_and_has_spiral_pockets():
    m = theory.rflo_stability_map(
        np.linspace(-5, 5, 201)[np.linspace(-5, 5, 201) != 0],
        1.0,
        1.0,
        0.5,
        a_hat=np.linspace(-2, 2, 41)[np.linspace(-2, 2, 41) != 0],
    )
    stable = m["code"] <= theory.CLASS_CODES["stable spiral"]
    assert np.all(stable[m["sign"] > 0])
    assert np.mean(stable[m["sign"] < 0]) < 0.1
    # docs/model.md §3.2 pocket (c = 2, w* = 0.9, ŵ = −0.95, â = −0.1): stable spiral just above
    # s = (c²/|â|)^{1/3} ≈ 3.42, where det changes sign (s = 3.4, once expected stable, is a saddle)
    s = np.linspace(3.3, 3.6, 301)
    spec = theory.manifold_spectrum("rflo", s, 2.0, 1.0, 0.9, a_hat=-0.1, w_hat=-0.95)
    spiral = s[spec["classification"] == "stable spiral"]
    assert spiral.size > 0 and spiral.min() > (4 / 0.1) ** (1 / 3) and spiral.max() < 3.46
    assert spec["classification"][np.argmin(np.abs(s - 3.4))] == "saddle"


def test_spec_illustrative_rate_table():
    """Illustrative rates (c = 1, â = 1, ŵ = 0) from the closed forms of docs/model.md §3.2 and, independently,
    from numpy eigenvalues of the finite-difference Jacobian."""
    table = {
        (0.5, 0.1): (2.36, 1.33, 12.86),
        (0.5, 1.0): (1.55, 1.24, 1.24),
        (0.5, 3.0): (2.24, 1.77, 0.58),
        (0.9, 1.0): (5.71, 1.72, 1.72),
        (0.9, 3.0): (24.3, 8.9, 2.9),
    }
    for (w_star, s), expected in table.items():
        for rule, want in zip(("bptt", "tbptt", "rflo"), expected, strict=True):
            digits = len(str(want).split(".")[1])
            tr, det = theory.spec_trace_det(rule, s, 1.0, w_star, a_hat=1.0, w_hat=0.0)
            slow = np.min(np.roots([1.0, -tr, det]).real)
            assert round(slow, digits) == pytest.approx(want, abs=1e-12)
            kw = {"tau": 1} if rule == "tbptt" else {}
            lam = fd_transverse_eigs(rule, s, 1.0, w_star, **kw)
            assert round(-lam[0].real, digits) == pytest.approx(want, abs=1e-12)
            spec = theory.manifold_spectrum(rule, np.array([s]), 1.0, 1.0, w_star, **kw)
            assert round(spec["rate"][0], digits) == pytest.approx(want, abs=1e-12)


def test_classification_of_known_pairs():
    cls = theory.classify(np.array([-1, -1 + 2j, 1, 1, 2 + 1j, 0]), np.array([-2, -1 - 2j, -1, 2, 2 - 1j, -1]))
    assert list(cls) == [
        "stable node",
        "stable spiral",
        "saddle",
        "unstable",
        "unstable",
        "marginal",
    ]
    np.testing.assert_allclose(theory.asymptotic_rate(-1.0, -3.0), 1.0)


# ---------------------------------------------------------------- fixed-point search


@pytest.mark.parametrize(
    "rule,kw,teacher",
    [
        ("bptt", {}, (1.0, -1.0, 0.5)),
        ("tbptt", {"tau": 1}, (0.7, 1.5, -0.8)),
        ("tbptt", {"tau": 2}, (1.2, 0.8, 0.6)),
        ("rflo", {"a_hat": -0.5, "w_hat": 0.0}, (1.0, -1.0, 0.5)),
        ("rflo", {"a_hat": 1.5, "w_hat": 0.7}, (0.6, 1.1, -0.4)),
    ],
)
def test_fixed_point_search_finds_only_the_known_manifolds(rule, kw, teacher):
    res = theory.find_fixed_points(rule, *teacher, n_ab=5, w_values=(-0.8, 0.0, 0.8), **kw)
    assert res["others"].shape == (0, 3)
    assert res["n_optimal_pos"] > 0 and res["n_optimal_neg"] > 0
    if rule == "rflo":
        assert res["n_nonoptimal"] == 0
    else:
        assert res["n_nonoptimal"] > 0
    # each found point is checked by the field itself (independent of the labels)
    f = modes.mode_field(rule, *res["points"].T, *teacher, **kw)
    assert np.max(np.abs(f)) < 1e-10


# ---------------------------------------------------------------- trajectories


@pytest.mark.parametrize("rule,kw", [("bptt", {}), ("tbptt", {"tau": 1}), ("rflo", {"a_hat": 1.0, "w_hat": 0.3})])
def test_empirical_decay_rate_matches_the_slowest_eigenvalue(rule, kw):
    a_star, b_star, w_star = 1.0, 1.5, 0.5
    t = np.linspace(0, 30, 3001)
    out = modes.integrate_modes(rule, 0.5, 1.0, 0.2, a_star, b_star, w_star, t, rtol=1e-12, atol=1e-14, **kw)
    assert out["status"] == "ok"
    s_end = out["a"][-1, 0]
    predicted = theory.manifold_spectrum(rule, np.array([s_end]), a_star, b_star, w_star, **kw)["rate"][0]
    dist = np.sqrt(
        (out["a"][:, 0] - out["a"][-1, 0]) ** 2
        + (out["b"][:, 0] - out["b"][-1, 0]) ** 2
        + (out["w"][:, 0] - w_star) ** 2
    )
    rate_dist = theory.empirical_decay_rate(out["t"], dist, 1e-8, 1e-4)
    rate_loss = theory.empirical_decay_rate(out["t"], out["loss"], 1e-18, 1e-8) / 2
    assert rate_dist == pytest.approx(predicted, rel=0.02)
    assert rate_loss == pytest.approx(predicted, rel=0.02)


def test_convergence_time_and_decay_rate_helpers():
    t = np.linspace(0, 10, 1001)
    y = 3.0 * np.exp(-1.7 * t)
    assert theory.empirical_decay_rate(t, y, 1e-6, 1e-1) == pytest.approx(1.7, rel=1e-10)
    assert theory.convergence_time(t, y, 1e-3) == pytest.approx(math.log(3e3) / 1.7, abs=0.011)
    assert theory.convergence_time(t, 1 + 0 * t, 1e-3) == math.inf


def test_rflo_detour_brief_configuration():
    """Fig. 4 setting of the brief: (1, 1, 0.6), a* = 1, b* = −1, w* = 0.5, â = −0.5, ŵ = 0.

    RFLO ends on the branch with â s > 0 (a < 0), swinging w out to > 0.9 on the way.
    BPTT cannot pick a branch from here: a = b is invariant under BPTT (Δa = Δb when
    a = b), and ab = a² ≥ 0 never reaches c = −1, so it falls onto the saddle a = b = 0.
    """
    t = np.linspace(0, 40, 401)
    out = {r: modes.integrate_modes(r, 1.0, 1.0, 0.6, 1.0, -1.0, 0.5, t, a_hat=-0.5, w_hat=0.0) for r in ode_rules()}
    rflo = out["rflo"]
    assert rflo["status"] == "ok" and rflo["a"][-1, 0] < 0 and rflo["loss"][-1] < 1e-8
    assert np.max(np.abs(rflo["w"])) > 0.9
    assert np.max(np.abs(out["bptt"]["w"])) <= 0.6 + 1e-9 and np.max(np.abs(out["tbptt"]["w"])) <= 0.6 + 1e-9
    # BPTT: on the invariant line a = b it heads for the saddle (0, 0, w)
    bp = out["bptt"]
    i = np.argmin(np.abs(bp["a"][:, 0]) + np.abs(bp["b"][:, 0]))
    assert np.abs(bp["a"][i, 0]) < 1e-3 and np.abs(bp["b"][i, 0]) < 1e-3
    assert bp["loss"][i] == pytest.approx(1.0 / (2 * (1 - 0.25)), rel=1e-3)


def test_rflo_detour_to_the_opposite_branch():
    """A setting where the detour is clean: teacher c = +1 (a* = b* = 1), w* = 0.8, â = −0.1,
    ŵ = 0.5, start (1, 1, 0.6) next to the s > 0 branch.  bptt and tbptt converge to that
    nearest branch (a > 0); RFLO's s > 0 branch is unstable (â s < 0), so it crosses to a < 0
    and takes far longer."""
    t = np.linspace(0, 100, 2001)
    res = {r: modes.integrate_modes(r, 1.0, 1.0, 0.6, 1.0, 1.0, 0.8, t, a_hat=-0.1, w_hat=0.5) for r in ode_rules()}
    times = {r: theory.convergence_time(o["t"], o["loss"], 1e-6) for r, o in res.items()}
    for r in ("bptt", "tbptt"):
        assert res[r]["status"] == "ok" and res[r]["a"][-1, 0] > 0
    assert res["rflo"]["status"] == "ok" and res["rflo"]["a"][-1, 0] < 0
    assert times["rflo"] > 5 * max(times["bptt"], times["tbptt"])


# ---------------------------------------------------------------- slices and tables


def test_vector_field_slice_matches_the_field():
    sl = theory.ab_plane_slice("rflo", np.linspace(-2, 2, 5), np.linspace(-1, 1, 3), 1.0, 1.0, 0.5, a_hat=0.5)
    f = modes.mode_field("rflo", sl["a"], sl["b"], sl["w"], 1.0, 1.0, 0.5, a_hat=0.5)
    np.testing.assert_allclose(sl["Fu"], f[0])
    np.testing.assert_allclose(sl["Fv"], f[1])
    np.testing.assert_allclose(sl["Fn"], f[2])
    dg = theory.diagonal_plane_slice("bptt", np.linspace(-2, 2, 5), np.linspace(-1.2, 1.2, 7), 1.0, 1.0, 0.5)
    assert not dg["inside"].all() and np.isnan(dg["Fu"][~dg["inside"]]).all()
    # a = b = 0 (u = 0) is stationary for bptt
    np.testing.assert_allclose(dg["Fu"][dg["inside"] & (dg["U"] == 0)], 0.0, atol=1e-15)


def test_rates_table_columns_and_values():
    rows = theory.rates_table(["bptt", "tbptt", "rflo"], [0.5, 1.0], [0.5], [1.0], taus=(1, 3), a_hats=(1.0, -1.0))
    assert len(rows) == (1 + 2 + 2) * 2
    assert all(tuple(r) == theory.RATE_COLUMNS for r in rows)
    bp = [r for r in rows if r["rule"] == "bptt" and r["s"] == 1.0][0]
    assert bp["tau"] == math.inf and math.isnan(bp["a_hat"])
    assert bp["rate"] == pytest.approx(1.55, abs=0.005)
    # â s < 0: det ∝ â(c² + â s³) (docs/model.md §3.2) is < 0 at s = 0.5 (saddle), 0 at s = 1 (marginal)
    neg = {r["s"]: r["classification"] for r in rows if r["rule"] == "rflo" and r["a_hat"] == -1.0}
    assert neg == {0.5: "saddle", 1.0: "marginal"}


# ---------------------------------------------------------------- figures (smoke)


def test_theory_figures_render(tmp_path):
    from linrnn.figures import (
        style,
        theory_detour,
        theory_manifolds,
        theory_rates,
        theory_stability,
        theory_vector_fields,
    )

    rules = ["bptt", "tbptt", "rflo"]
    settings = {"tau": 1, "a_hat": 1.0, "w_hat": 0.0}
    teacher = (1.0, 1.0, 0.5)
    figs = {
        "manifolds": (
            theory_manifolds,
            theory_manifolds.manifold_structure_data(
                teacher, rules, settings, [(0.1, 0.05, 0.0)], n_s=20, t_end=5, n_t=50
            ),
        ),
        "fields": (
            theory_vector_fields,
            theory_vector_fields.vector_field_data(teacher, rules, settings, n_grid=11, n_s=20),
        ),
        "rates": (theory_rates, theory_rates.rates_data(1.0, [0.3, 0.9], settings, n_s=30)),
        "detour": (
            theory_detour,
            theory_detour.detour_data(
                (1.0, 1.0, 0.8), (1.0, 1.0, 0.6), {"a_hat": -0.1, "w_hat": 0.5}, t_end=40, n_t=200
            ),
        ),
        "stability": (theory_stability, theory_stability.stability_map_data(1.0, 0.9, n_s=21, n_a_hat=11, n_w_hat=11)),
    }
    for name, (module, data) in figs.items():
        paths = [tmp_path / f"{name}.png"] + ([tmp_path / f"{name}.pdf"] if name == "rates" else [])
        style.save_figure(module.figure(data, {}), paths)
        assert all(p.stat().st_size > 1000 for p in paths)


def test_theory_figure_modules_share_one_signature():
    """Every THEORY_FIGURES entry has its module with compute(cfg) and figure(data, cfg)."""
    import importlib
    import inspect
    import re

    text = (Path(__file__).parents[1] / "workflow/rules/theory_common.smk").read_text()
    names = re.search(r"THEORY_FIGURES = \(([^)]*)\)", text).group(1)
    names = [n.strip().strip('"') for n in names.split(",") if n.strip()]
    modules = sorted(p.stem for p in (Path(__file__).parents[1] / "src/linrnn/figures").glob("theory_*.py"))
    assert modules == sorted(f"theory_{n}" for n in names)
    for name in names:
        module = importlib.import_module(f"linrnn.figures.theory_{name}")
        assert list(inspect.signature(module.figure).parameters) == ["data", "cfg"]
        assert list(inspect.signature(module.compute).parameters) == ["cfg"]


# ---------------------------------------------------------------- pipeline helpers


def test_table_builders_and_column_docs():
    import math as _m

    assert tuple(theory.RATE_COLUMN_DOCS) == theory.RATE_COLUMNS
    settings = theory.rule_settings(["bptt", "tbptt", "rflo"], taus=(1, 2), a_hats=(1.0,), w_hats=(0.0, 0.5))
    assert [s[0] for s in settings] == ["bptt", "tbptt", "tbptt", "rflo", "rflo"]
    rows = theory.fixed_point_rows(
        [(1.0, -1.0, 0.5)],
        settings[:2] + settings[3:4],
        rng=np.random.default_rng(0),
        n_jacobian_points=5,
        n_ab=3,
        w_values=(0.0,),
    )
    assert all(set(r) == set(theory.FIXED_POINT_COLUMN_DOCS) for r in rows)
    assert all(r["passed"] and r["n_other"] == 0 for r in rows)
    case = {
        "name": "x",
        "teacher": (1.0, 1.0, 0.5),
        "init": (0.5, 1.0, 0.2),
        "a_hat": 1.0,
        "w_hat": 0.0,
    }
    conv = theory.convergence_rows([case], ["bptt", "rflo"], t_end=30.0, n_t=601)
    assert all(set(r) == set(theory.CONVERGENCE_COLUMN_DOCS) for r in conv)
    assert all(r["empirical_rate"] == pytest.approx(r["predicted_rate"], rel=0.02) for r in conv)
    assert _m.isnan(conv[0]["a_hat"]) and conv[1]["a_hat"] == 1.0


def test_config_theory_blocks_match_the_schema():
    from pathlib import Path

    import jsonschema
    import yaml

    root = Path(__file__).resolve().parents[1]
    with open(root / "workflow/schemas/theory.schema.yaml", encoding="utf-8") as f:
        schema = yaml.safe_load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    for name in ("config.yaml", "test.yaml"):
        with open(root / "config" / name, encoding="utf-8") as f:
            block = yaml.safe_load(f).get("theory")
        assert block is not None, name
        jsonschema.Draft202012Validator(schema).validate(block)
    bad = dict(block, w_hat=1.0)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(bad)
