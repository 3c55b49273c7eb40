"""Generic checks of every registered rule, and of one rule registered here (tests/extra_rule.py).

Each registered rule is checked against independent paths without writing a test for it:
- the expected update is the finite-difference gradient of the closed-form loss (rules that say
  they are a gradient, ``Rule.gradient``);
- the expected update is the Monte Carlo mean of the sampled update (40 000 sequences);
- the finite-T expected update converges to the T→∞ one;
- where the rule has a per-mode ODE: the vector field equals the diagonal of the projected
  full-network update of a data-aligned student (nothing leaks off the diagonal); the hand-derived
  Jacobian equals finite differences of the field; the closed-form trace and determinant on M*
  (where given) equal the Jacobian's; the stationary manifolds are zeros of the field.
The extra rule (RFLO with feedback A) is one module plus one registry line; it runs through the
same checks, through theory tables, figures and claims, and a dry run of the workflow on a copy of
the tree plans its training, ODE and every downstream job.
"""

import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from linrnn.core import modes, projection, theory
from linrnn.core.model import (
    aligned_feedback,
    aligned_student,
    make_aligned_teacher,
)
from linrnn.core.rules import RULES, RuleOptions, get_rule, ode_rules
from tests import extra_rule
from tests.helpers import (
    finite_difference_gradient,
    job_stats,
    max_rel_err,
    monte_carlo_z,
    random_stable_rnn,
    snakemake_command,
)

ROOT = Path(__file__).resolve().parents[1]
EXTRA = extra_rule.RULE.name
ALL = {**RULES, EXTRA: extra_rule.RULE}  # what the registry holds once the extra line is in
NAMES = list(ALL)
N, D, O = 5, 3, 2  # n ≠ d ≠ o
SETTINGS = {"tau": 2, "a_hat": 0.8, "w_hat": 0.35}


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    """The one registry line for the extra rule (undone after each test)."""
    monkeypatch.setitem(RULES, EXTRA, extra_rule.RULE)


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(20260601)
    student = random_stable_rnn(rng, N, D, O, radius=0.75)
    teacher = random_stable_rnn(rng, 4, D, O, radius=0.8)  # teacher n* ≠ n
    R = rng.standard_normal((O, N))
    return student, teacher, RuleOptions(tau=SETTINGS["tau"], w_hat=SETTINGS["w_hat"], feedback=R)


# ---------------------------------------------------------------- the registry itself


def test_every_rule_has_a_label_and_a_distinct_colour():
    rules = [get_rule(n) for n in NAMES]
    assert all(r.label and r.color for r in rules)
    assert len({r.color for r in rules}) == len(rules)
    assert len({r.label for r in rules}) == len(rules)


def test_unknown_rule_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="unknown rule 'rtrl'.*valid rules") as info:
        get_rule("rtrl")
    assert all(name in str(info.value) for name in RULES)


# ---------------------------------------------------------------- full-network updates


@pytest.mark.parametrize("name", [n for n, r in ALL.items() if r.gradient])
@pytest.mark.parametrize("T", [1, 6, None])
def test_gradient_rules_are_the_loss_gradient(setup, name, T):
    rule = get_rule(name)
    student, teacher, opts = setup
    assert max_rel_err(rule.expected(student, teacher, opts, T), finite_difference_gradient(student, teacher, T)) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_expected_update_is_the_monte_carlo_mean_of_the_sampled_update(setup, name):
    """Mean of sampled updates over 40 000 sequences within 5 Monte-Carlo standard errors."""
    student, teacher, opts = setup
    rng = np.random.default_rng(list(NAMES).index(name) + 100)
    for m, z in monte_carlo_z(get_rule(name), student, teacher, opts, rng).items():
        assert z < 5, f"{name} Δ{m}: max |z| = {z:.2f}"


@pytest.mark.parametrize("name", NAMES)
def test_finite_T_expected_update_converges_to_the_infinite_T_one(setup, name):
    student, teacher, opts = setup
    rule = get_rule(name)
    limit = rule.expected(student, teacher, opts, None)
    errors = [max_rel_err(rule.expected(student, teacher, opts, T), limit) for T in (5, 20, 80, 320)]
    assert all(b < a for a, b in zip(errors, errors[1:], strict=False) if a > 1e-13)
    assert errors[-1] < 1e-12


# ---------------------------------------------------------------- per-mode dynamics

ODE_NAMES = [n for n, r in ALL.items() if r.has_ode]


def _aligned(seed):
    rng = np.random.default_rng(seed)
    teacher = make_aligned_teacher(5, 4, 3, [1.6, -1.1, 0.7], [1.0, 0.9, -1.3], [0.75, -0.4, 0.2], rng)
    a0, b0, w0 = rng.uniform(0.2, 1.0, 3), rng.uniform(0.2, 1.0, 3), rng.uniform(-0.6, 0.6, 3)
    a_hat = rng.uniform(0.5, 1.5, 3) * rng.choice([-1, 1], 3)
    return teacher, aligned_student(teacher, a0, b0, w0), (a0, b0, w0), a_hat


@pytest.mark.parametrize("name", ODE_NAMES)
def test_ode_field_is_the_projected_full_network_update(name):
    """Data-aligned student: diag of U^T ΔA P, P^T ΔW P, P^T ΔB V (T→∞) = Δ of the per-mode ODE."""
    rule = get_rule(name)
    for seed in range(3):
        teacher, student, (a, b, w), a_hat = _aligned(seed)
        opts = RuleOptions(tau=2, w_hat=0.3, feedback=aligned_feedback(teacher, a_hat), a_hat=a_hat)
        proj = projection.mode_matrices(rule.expected(student, teacher.rnn, opts, None), teacher.bases)
        field = rule.mode_update(a, b, w, teacher.a, teacher.b, teacher.w, **rule.mode_options(opts))
        for M, d in zip((proj.A, proj.B, proj.W), field, strict=True):
            np.testing.assert_allclose(np.diag(M)[:3], d, rtol=1e-10, atol=1e-12)
            off = M.copy()
            off[np.arange(3), np.arange(3)] = 0
            assert np.max(np.abs(off)) < 1e-10


@pytest.mark.parametrize("name", ODE_NAMES)
def test_jacobian_is_the_finite_difference_of_the_field(name):
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(2, 30))
    w = rng.uniform(-0.9, 0.9, 30)
    err = theory.jacobian_check(name, a, b, w, 1.3, -0.7, 0.5, **get_rule(name).mode_params(**SETTINGS))
    assert err < 1e-6


@pytest.mark.parametrize("name", [n for n, r in ALL.items() if r.has_ode and r.modes.trace_det])
def test_closed_form_trace_and_determinant_on_m_star(name):
    rule = get_rule(name)
    kw = rule.mode_params(**(SETTINGS | {"tau": 1}))
    for s in (-2.0, -0.4, 0.3, 1.7):
        tr, det = theory.spec_trace_det(name, s, 1.2, 0.4, **kw)
        J = theory.update_jacobian(name, s, 1.2 / s, 0.4, 1.2, 1.0, 0.4, **kw)
        mu = np.linalg.eigvals(J)
        mu = mu[np.argsort(np.abs(mu))][1:]  # drop the zero eigenvalue along M*
        np.testing.assert_allclose([mu.sum().real, np.prod(mu).real], [tr, det], rtol=1e-9)


@pytest.mark.parametrize("name", ODE_NAMES)
def test_stationary_manifolds_are_zeros_of_the_field(name):
    kw = get_rule(name).mode_params(**SETTINGS)
    m = theory.stationary_manifolds(name, 1.3, -0.7, 0.5, np.linspace(0.2, 2, 7), np.linspace(-0.9, 0.9, 7), **kw)
    assert ("nonoptimal" in m) == get_rule(name).modes.has_nonoptimal_manifold
    assert max(float(np.max(v["residual"])) for v in m.values()) < 1e-12
    if not get_rule(name).modes.has_nonoptimal_manifold:  # a = b = 0 is then not stationary
        assert np.max(np.abs(modes.mode_field(name, 0.0, 0.0, 0.3, 1.3, -0.7, 0.5, **kw))) > 1e-3


# ---------------------------------------------------------------- the extra rule downstream


def test_extra_rule_reaches_theory_tables_figures_and_claims(tmp_path):
    """No edit outside its module: theory tables, theory figures and the decoupling claim."""
    from linrnn.analysis import decoupling
    from linrnn.figures import style, theory_manifolds

    assert EXTRA in ode_rules()
    rates = theory.rates_table([EXTRA], [-1.0, 1.0], [0.3], [1.0], w_hats=(0.0, 0.5))
    assert {r["rule"] for r in rates} == {EXTRA} and len(rates) == 4
    assert all(math.isnan(r["tau"]) and math.isnan(r["a_hat"]) for r in rates)
    settings = theory.rule_settings([EXTRA, "tbptt"], taus=(1, 2), w_hats=(0.0, 0.5))
    assert [(r, kw) for r, kw, *_ in settings] == [
        (EXTRA, {"w_hat": 0.0}),
        (EXTRA, {"w_hat": 0.5}),
        ("tbptt", {"tau": 1}),
        ("tbptt", {"tau": 2}),
    ]
    fp = theory.fixed_point_rows([(1.0, 1.0, 0.5)], settings[:1], rng=np.random.default_rng(0))
    assert fp[0]["passed"] and fp[0]["n_nonoptimal"] > 0 and fp[0]["n_other"] == 0
    conv = theory.convergence_rows(
        [dict(name="x", teacher=(1.0, 1.0, 0.5), init=(0.5, 0.5, 0.0), a_hat=1.0, w_hat=0.2)], [EXTRA], t_end=40.0
    )
    assert conv[0]["w_hat"] == 0.2 and math.isnan(conv[0]["a_hat"]) and math.isfinite(conv[0]["t_conv"])
    assert style.rule_label(EXTRA) == "RFLO (A)" and style.setting_label(EXTRA, SETTINGS) == "ŵ=0.35"
    data = theory_manifolds.manifold_structure_data(
        (1.0, 1.0, 0.5), [EXTRA, "bptt"], SETTINGS, [(0.5, 0.5, 0.0)], n_s=20, t_end=5.0, n_t=50
    )
    style.save_figure(theory_manifolds.figure(data, {}), [tmp_path / "m.png"])
    assert (tmp_path / "m.png").stat().st_size > 0
    assert decoupling.decoupling_check(EXTRA, [1.0, 0.6], [1.0, 0.8], [0.5, -0.3], steps=5) < 1e-10


def test_extra_rule_runs_through_a_workflow_dry_run(tmp_path):
    """A copy of the tree with the extra module and one registry line; a config naming the rule
    in an experiment, the figures and the theory plans its training, ODE and every figure, table
    and claims job."""
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        tree,
        ignore=shutil.ignore_patterns(".venv", ".git", "results", ".snakemake", "__pycache__", "*.egg-info"),
    )
    rules_dir = tree / "src/linrnn/core/rules"
    shutil.copy(ROOT / "tests/extra_rule.py", rules_dir / f"{EXTRA}.py")
    registry = (rules_dir / "__init__.py").read_text()
    assert "RULES: dict[str, Rule]" in registry
    registry += f"\nfrom linrnn.core.rules import {EXTRA}  # noqa: E402\n\nRULES[{EXTRA}.RULE.name] = {EXTRA}.RULE\n"
    (rules_dir / "__init__.py").write_text(registry)
    config = yaml.safe_load((ROOT / "config/test.yaml").read_text())
    config["experiments"]["validation"]["rules"].append(EXTRA)
    config["figures"]["validation"]["rules"].append(EXTRA)
    config["theory"]["rules"].append(EXTRA)
    (tree / "extra.yaml").write_text(yaml.safe_dump(config))
    env = {"PYTHONPATH": str(tree / "src"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        snakemake_command("-n", "-p", "--configfile", "extra.yaml", "--cores", "1"),
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert (
        str(tree / "src/linrnn/core/rules")
        in subprocess.run(
            [snakemake_command()[0], "-c", "import linrnn.core.rules as r; print(r.__file__, list(r.RULES))"],
            env=env,
            capture_output=True,
            text=True,
        ).stdout
    )
    for seed in config["experiments"]["validation"]["seeds"]:
        for estimator in config["experiments"]["validation"]["estimators"]:
            assert f"results/runs/validation/{EXTRA}/{estimator}/seed{seed}.npz" in out
        assert f"results/ode/validation/{EXTRA}/seed{seed}.npz" in out
    stats = job_stats(out)
    for job in ("diagnostics", "figure_validation", "claims", "theory_table_rates", "theory_figure_manifolds"):
        assert stats.get(job, 0) >= 1, job
    plain = job_stats(
        subprocess.run(
            snakemake_command("-n", "--configfile", "config/test.yaml", "--cores", "1"),
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout
    )
    n_val = len(config["experiments"]["validation"]["seeds"])
    n_est = len(config["experiments"]["validation"]["estimators"])

    def trainings(st):  # one train_rnn_<seed block> rule per distinct block (config seed_block)
        return sum(v for k, v in st.items() if k.startswith("train_rnn"))

    n_blocks = len(range(0, n_val, config.get("seed_block") or n_val))
    assert trainings(stats) == trainings(plain) + n_blocks * n_est
    assert stats["integrate_ode"] == plain["integrate_ode"] + n_val


# ---------------------------------------------------------------- the registry is the only place


RULE_COMPARISON = re.compile(r"""(==|!=|\bin\b)\s*[(\[{]?\s*["'](bptt|tbptt|rflo|eprop)["']""")


def test_no_rule_name_comparison_outside_the_registry():
    """Code asks the registry (Rule attributes) instead of comparing rule names."""
    hits = []
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "workflow").rglob("*.smk"), ROOT / "Snakefile"]
    files += list((ROOT / "scripts").glob("*.py"))
    registry = ROOT / "src/linrnn/core/rules"
    for path in files:
        if registry in path.parents:
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RULE_COMPARISON.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_schemas_name_no_rules_and_the_config_check_uses_the_registry():
    """Rule names are not repeated in the schemas; the check fills in the registry's names."""
    from linrnn.pipeline.config_check import registry_schema

    for schema in ("config.schema.yaml", "theory.schema.yaml"):
        text = (ROOT / "workflow/schemas" / schema).read_text()
        assert not re.search(r"enum: \[[^\]]*\b(bptt|rflo)\b", text), schema
    schema = registry_schema(yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text()))
    assert schema["$defs"]["rule"]["enum"] == list(RULES)
    assert schema["$defs"]["ode_rule"]["enum"] == list(ode_rules())
    assert EXTRA in schema["$defs"]["rule"]["enum"]
