"""Per-mode ODEs (docs/model.md §1.4, §2.2) against independent paths: brute-force finite-T sums,
the poster's RFLO equations typed in verbatim, and finite differences of the loss."""

import math

import numpy as np
import pytest

from linrnn.core import modes
from linrnn.core.rules import ode_rules

RULE_KW = {"bptt": {}, "tbptt": {"tau": 1}, "rflo": {"a_hat": -0.7, "w_hat": 0.4}}


def random_points(rng, n=20, w_max=0.9):
    a, b = rng.normal(size=(2, n))
    w = rng.uniform(-w_max, w_max, n)
    return a, b, w


# ---------------------------------------------------------------- brute-force finite-T sums


def finite_t_updates(rule, a, b, w, a_star, b_star, w_star, T, tau=1, a_hat=1.0, w_hat=0.0):
    """docs/model.md §2.2 'Finite-T sums' and the chain rule of §2.1, summed term by term (scalars).

    Lag k: the error contribution at lag k is ab w^k − c w*^k.  tBPTT keeps the τ most recent
    backprop steps m < τ of ΔW = Σ_m a w^m E[ε_T h_{T-1-m}], h_{T-1-m} = Σ_i w^i b x_{T-2-m-i}.
    Returns (Δa, Δb, Δw).
    """
    c = a_star * b_star
    k = np.arange(T, dtype=float)
    err = a * b * w**k - c * w_star**k
    da = np.sum(err * b * w**k)
    if rule == "bptt":
        return da, np.sum(err * a * w**k), np.sum(err[1:] * a * b * k[1:] * w ** (k[1:] - 1))
    if rule == "tbptt":
        m = np.arange(tau, dtype=float)[:, None]
        i = k[None, :]
        lag = m + 1 + i
        terms = a * w**m * b * w**i * (a * b * w**lag - c * w_star**lag)
        return da, np.sum(a * w ** m[:, 0] * err[:tau]), np.sum(np.where(lag < T, terms, 0.0))
    # RFLO: Δb = â Σ_m ŵ^m err_m ; Δw = â b Σ_{m,j} ŵ^m w^j (ab w^{m+j+1} − c w*^{m+j+1})
    mm, j = k[:, None], k[None, :]
    lag = mm + j + 1
    terms = w_hat**mm * w**j * (a * b * w**lag - c * w_star**lag)
    return da, a_hat * np.sum(w_hat**k * err), a_hat * b * np.sum(np.where(lag < T, terms, 0.0))


@pytest.mark.parametrize("rule,tau", [("bptt", 1), ("tbptt", 1), ("tbptt", 3), ("rflo", 1)])
def test_closed_forms_equal_finite_t_sums(rule, tau):
    """T = 2000, |w| ≤ 0.9: the T→∞ closed forms equal the brute-force sums."""
    rng = np.random.default_rng(1)
    a_star, b_star, w_star = 0.8, -1.3, 0.7
    a_hat, w_hat = -0.6, 0.5
    for a, b, w in zip(*random_points(rng, n=4), strict=True):
        brute = finite_t_updates(rule, a, b, w, a_star, b_star, w_star, 2000, tau=tau, a_hat=a_hat, w_hat=w_hat)
        closed = modes.mode_update(rule, a, b, w, a_star, b_star, w_star, tau=tau, a_hat=a_hat, w_hat=w_hat)
        np.testing.assert_allclose(closed, brute, rtol=1e-10, atol=1e-12)


def test_tbptt_tau_one_is_the_one_step_form():
    rng = np.random.default_rng(2)
    a, b, w = random_points(rng)
    c, ws = 0.8 * 1.5, -0.4
    _, db, dw = modes.tbptt_mode_update(a, b, w, 0.8, 1.5, ws, tau=1)
    np.testing.assert_allclose(db, a * (a * b - c), rtol=1e-13)
    np.testing.assert_allclose(dw, a * b * (a * b * w / (1 - w**2) - c * ws / (1 - w * ws)), rtol=1e-12, atol=1e-14)


def test_tbptt_approaches_bptt_as_tau_grows():
    rng = np.random.default_rng(3)
    a, b, w = random_points(rng, w_max=0.8)
    full = np.array(modes.bptt_mode_update(a, b, w, 1.0, 0.7, 0.6))
    gaps = [
        np.max(np.abs(np.array(modes.tbptt_mode_update(a, b, w, 1.0, 0.7, 0.6, tau=t)) - full)) for t in (1, 5, 20, 80)
    ]
    assert all(g2 < g1 for g1, g2 in zip(gaps, gaps[1:], strict=False))
    assert gaps[-1] < 1e-6
    inf = modes.tbptt_mode_update(a, b, w, 1.0, 0.7, 0.6, tau=math.inf)
    np.testing.assert_allclose(inf, full, rtol=1e-14)


def test_tbptt_is_finite_at_w_zero():
    out = modes.tbptt_mode_update(np.array([0.5, -1.0]), np.array([2.0, 0.3]), 0.0, 1.0, 1.0, 0.0, tau=4)
    assert np.all(np.isfinite(out))


def test_rflo_is_the_poster_ode():
    """Poster, 'ODE for RFLO', typed in verbatim: ȧ, ḃ, ẇ equal −Δa, −Δb, −Δw."""
    rng = np.random.default_rng(4)
    a, b, w = random_points(rng)
    a_s, b_s, w_s, ah, wh = 1.2, -0.5, 0.3, 0.9, -0.4
    a_dot = a_s * b * b_s / (1 - w * w_s) - a * b**2 / (1 - w**2)
    b_dot = ah * a_s * b_s / (1 - wh * w_s) - ah * a * b / (1 - wh * w)
    w_dot = ah * a_s * b * b_s * w_s / ((1 - wh * w_s) * (1 - w_s * w)) - ah * a * b**2 * w / (
        (1 - wh * w) * (1 - w**2)
    )
    field = modes.mode_field("rflo", a, b, w, a_s, b_s, w_s, a_hat=ah, w_hat=wh)
    np.testing.assert_allclose(field, np.stack([a_dot, b_dot, w_dot]), rtol=1e-12, atol=1e-14)


def test_bptt_is_the_gradient_of_the_loss():
    rng = np.random.default_rng(5)
    a, b, w = random_points(rng, w_max=0.8)
    teacher = (0.9, 1.1, -0.5)
    h = 1e-6
    grads = []
    for j in range(3):
        p, m = [a.copy(), b.copy(), w.copy()], [a.copy(), b.copy(), w.copy()]
        p[j] += h
        m[j] -= h
        grads.append((modes.mode_loss(*p, *teacher) - modes.mode_loss(*m, *teacher)) / (2 * h))
    np.testing.assert_allclose(modes.bptt_mode_update(a, b, w, *teacher), grads, rtol=1e-6, atol=1e-8)


def test_loss_closed_form_and_finite_t():
    rng = np.random.default_rng(6)
    a, b, w = random_points(rng)
    a_s, b_s, w_s = 0.7, 1.4, 0.6
    c = a_s * b_s
    expanded = 0.5 * (a**2 * b**2 / (1 - w**2) - 2 * a * b * c / (1 - w * w_s) + c**2 / (1 - w_s**2))
    np.testing.assert_allclose(modes.mode_loss(a, b, w, a_s, b_s, w_s), expanded, rtol=1e-10)
    np.testing.assert_allclose(modes.mode_loss(a, b, w, a_s, b_s, w_s, T=2000), expanded, rtol=1e-10)
    brute = [
        0.5 * sum((ai * bi * wi**k - c * w_s**k) ** 2 for k in range(5)) for ai, bi, wi in zip(a, b, w, strict=True)
    ]
    np.testing.assert_allclose(modes.mode_loss(a, b, w, a_s, b_s, w_s, T=5), brute, rtol=1e-12)
    assert modes.mode_loss(0.0, 0.0, 0.3, a_s, b_s, w_s) == pytest.approx(c**2 / (2 * (1 - w_s**2)))
    assert modes.mode_loss(2.0, c / 2.0, w_s, a_s, b_s, w_s) == 0.0


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(rule="bptt", w_star=1.0), "w_star"),
        (dict(rule="rflo", w_hat=-1.2), "w_hat"),
        (dict(rule="tbptt", tau=0), "tau"),
        (dict(rule="tbptt", tau=1.5), "tau"),
        (dict(rule="rtrl"), "bptt"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    args = dict(rule="bptt", w_star=0.5, tau=1, w_hat=0.0)
    args.update(kwargs)
    point = (args["rule"], 1.0, 1.0, 0.0, 1.0, 1.0, args["w_star"])
    options = dict(tau=args["tau"], w_hat=args["w_hat"])
    with pytest.raises(ValueError, match=match):
        modes.mode_update(*point, **options)
    with pytest.raises(ValueError, match=match):
        modes.integrate_modes(*point, [0.0, 1.0], **options)


def test_unknown_rule_message_names_rule_and_valid_names():
    with pytest.raises(ValueError, match=r"rtrl.*|.*rtrl") as info:
        modes.mode_update("rtrl", 1.0, 1.0, 0.0, 1.0, 1.0, 0.5)
    assert all(name in str(info.value) for name in ode_rules())


# ---------------------------------------------------------------- integration


def test_integrate_many_modes_at_once_equals_one_by_one():
    t = np.linspace(0, 5, 11)
    a0, b0, w0 = np.array([0.1, -0.2, 0.3]), np.array([0.05, 0.4, -0.1]), np.array([0.0, 0.2, -0.3])
    a_s, b_s, w_s = (
        np.array([1.0, 2.0, -1.5]),
        np.array([1.0, 0.5, 1.0]),
        np.array([0.5, -0.3, 0.8]),
    )
    together = modes.integrate_modes("rflo", a0, b0, w0, a_s, b_s, w_s, t, a_hat=np.array([1.0, -1.0, 0.5]), w_hat=0.2)
    assert together["status"] == "ok"
    assert together["a"].shape == (11, 3) and together["loss"].shape == (11,)
    for i, ah in enumerate([1.0, -1.0, 0.5]):
        alone = modes.integrate_modes("rflo", a0[i], b0[i], w0[i], a_s[i], b_s[i], w_s[i], t, a_hat=ah, w_hat=0.2)
        # equal up to the solver's error (the step sizes differ; dense output ~1e-7)
        np.testing.assert_allclose(alone["a"][:, 0], together["a"][:, i], rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(alone["w"][:, 0], together["w"][:, i], rtol=1e-5, atol=1e-8)


def test_bptt_flow_decreases_loss_and_matches_small_euler_steps():
    t = np.linspace(0, 3, 31)
    out = modes.integrate_modes("bptt", 0.3, -0.2, 0.1, 1.0, 1.5, 0.6, t)
    assert np.all(np.diff(out["loss"]) <= 1e-15)
    # Euler steps θ ← θ − η Δθ with η = 1e-4 reach learning time 3 after 30000 steps
    theta, eta = np.array([0.3, -0.2, 0.1]), 1e-4
    for _ in range(30000):
        theta = theta - eta * np.array(modes.bptt_mode_update(*theta, 1.0, 1.5, 0.6))
    np.testing.assert_allclose(theta, [out["a"][-1, 0], out["b"][-1, 0], out["w"][-1, 0]], atol=2e-4)


def test_leaving_the_stable_region_stops_integration():
    # RFLO with â < 0 from (1, 1, 0.6), teacher (1, 1, 0.5): w runs off towards 1
    t = np.linspace(0, 100, 201)
    out = modes.integrate_modes("rflo", 1.0, 1.0, 0.6, 1.0, 1.0, 0.5, t, a_hat=-0.5, w_hat=0.0)
    assert out["status"] == "left_stable_region"
    assert out["t"].size < t.size and out["t_stop"] < t[-1]
    assert np.all(np.abs(out["w"]) < 1) and np.all(np.isfinite(out["loss"]))


def test_a_one_point_time_grid_gives_the_initial_condition():
    """A run that diverged at its first step has records at t = 0 only: the ODE on that grid is
    its initial condition, with the loss an integration over a longer grid gives at t = 0."""
    args = ("bptt", [0.3, -0.1], [-0.2, 0.4], [0.1, 0.2], [1.0, 0.5], [1.5, -0.7], [0.6, 0.3])
    one = modes.integrate_modes(*args, [0.0])
    longer = modes.integrate_modes(*args, [0.0, 1.0])
    assert one["status"] == "ok" and list(one["t"]) == [0.0]
    for key in ("a", "b", "w"):
        np.testing.assert_array_equal(one[key], np.asarray(args[{"a": 1, "b": 2, "w": 3}[key]])[None])
    np.testing.assert_allclose(one["loss"], longer["loss"][:1], rtol=1e-12)
