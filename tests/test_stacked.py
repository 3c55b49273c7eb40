"""A stack of students (leading axis) gives each student the numbers it gets alone: every
rule's expected and sampled update, and whole trainings with per-student end states."""

import numpy as np
import pytest

from linrnn.claims import simulation_checks
from linrnn.core.model import RNN, make_aligned_teacher, random_feedback, random_student
from linrnn.core.rules import RULES, RuleOptions, get_rule
from linrnn.core.train import StopRule, train
from linrnn.pipeline import io, seeding, tables
from tests.helpers import random_stable_rnn

S, N, D, O = 3, 6, 3, 2
RTOL = 1e-12


def stack_setup(seed=0, teachers="one"):
    rng = np.random.default_rng(seed)
    students = [random_student(N, D, O, 0.3, rng) for _ in range(S)]
    if teachers == "one":
        teacher = random_stable_rnn(rng, 5, D, O, radius=0.7)
        per = [teacher] * S
    else:
        per = [random_stable_rnn(rng, 5, D, O, radius=0.7) for _ in range(S)]
        teacher = RNN.stacked(per)
    R = np.stack([random_feedback(O, N, rng) for _ in range(S)])
    return students, per, teacher, R


def assert_same(stacked: RNN, singles, rtol=RTOL):
    for name in ("A", "W", "B"):
        ref = np.stack([getattr(u, name) for u in singles])
        got = getattr(stacked, name)
        scale = np.max(np.abs(ref))
        assert np.max(np.abs(got - ref)) <= rtol * scale, name


PAPER_OPTIONS = [
    ("bptt", {}),
    ("tbptt", {"tau": 2}),
    ("rflo", {"w_hat": 0.3}),
    ("eprop", {}),
    ("eprop", {"eprop_feedback": "symmetric"}),
]
# every other registered rule (the locality map's compositions), with τ = 2 and ŵ = 0.3
OPTIONS = PAPER_OPTIONS + [
    (name, {"tau": 2, "w_hat": 0.3}) for name in sorted(RULES) if name not in {r for r, _ in PAPER_OPTIONS}
]


@pytest.mark.parametrize("teachers", ["one", "stack"])
@pytest.mark.parametrize("rule,kw", OPTIONS)
@pytest.mark.parametrize("loss", ["final", "sequence"])
def test_stacked_updates_equal_per_student_updates(rule, kw, loss, teachers):
    students, per, teacher, R = stack_setup(1, teachers)
    stack = RNN.stacked(students)
    r = get_rule(rule)
    opts = RuleOptions(feedback=R, loss=loss, **kw)
    alone = [RuleOptions(feedback=R[i], loss=loss, **kw) for i in range(S)]
    for T in (None, 7):
        if T is None and loss == "sequence":
            continue
        got = r.expected(stack, teacher, opts, T)
        assert_same(got, [r.expected(students[i], per[i], alone[i], T) for i in range(S)])
    x = np.random.default_rng(2).standard_normal((S, 8, 7, D))
    got = r.sampled(stack, teacher, opts, x)
    assert_same(got, [r.sampled(students[i], per[i], alone[i], x[i]) for i in range(S)])


def test_every_registered_rule_is_covered():
    assert {rule for rule, _ in OPTIONS} == set(RULES)


def _compare_runs(stacked, singles):
    assert len(stacked) == len(singles)
    for got, ref in zip(stacked, singles, strict=True):
        assert got.status == ref.status and got.diverged_step == ref.diverged_step and got.message == ref.message
        np.testing.assert_array_equal(got.steps, ref.steps)
        for name in ("loss", "A", "W", "B"):
            a, b = getattr(got, name), getattr(ref, name)
            assert np.max(np.abs(a - b)) <= RTOL * np.max(np.abs(b)), name


@pytest.mark.parametrize("rule,kw", OPTIONS)
@pytest.mark.parametrize("estimator", ["expected", "sampled"])
def test_stacked_training_equals_per_student_training(rule, kw, estimator):
    students, per, teacher, R = stack_setup(3, "stack")
    settings = dict(eta=0.05, steps=60, record_every=10, estimator=estimator)
    if estimator == "sampled":
        settings.update(T=8, batch=16)
    seeds = [11, 12, 13]
    rng_of = (lambda i: np.random.default_rng(seeds[i])) if estimator == "sampled" else (lambda i: None)
    singles = [
        train(rule, students[i], per[i], opts=RuleOptions(feedback=R[i], **kw), rng=rng_of(i), **settings)
        for i in range(S)
    ]
    rngs = [rng_of(i) for i in range(S)] if estimator == "sampled" else None
    stacked = train(rule, RNN.stacked(students), teacher, opts=RuleOptions(feedback=R, **kw), rng=rngs, **settings)
    _compare_runs(stacked, singles)


def _mixed_stack():
    """Three students of one teacher: one diverges (large A and B: the first steps overshoot),
    one converges, one stalls (a zero student: every gradient vanishes at A = B = 0, W = 0)."""
    rng = np.random.default_rng(5)
    teacher = make_aligned_teacher(4, 2, 2, [1.0, 0.5], [1.0, 0.5], [0.5, 0.2], rng)
    good = random_student(4, 2, 2, 0.3, rng)
    zero = RNN(np.zeros((2, 4)), np.zeros((4, 4)), np.zeros((4, 2)))
    wild = RNN(good.A * 3, good.W, good.B * 3)
    return [wild, good, zero], teacher.rnn


def test_students_of_a_stack_diverge_converge_and_stall_on_their_own():
    students, teacher = _mixed_stack()
    stop = StopRule(rel_loss=0.01, stall_window=4.0, stall_decrease=1e-3)
    settings = dict(eta=0.2, steps=4000, record_every=5, stop=stop)
    singles = [train("bptt", s, teacher, **settings) for s in students]
    stacked = train("bptt", RNN.stacked(students), teacher, **settings)
    assert [r.status for r in singles] == ["diverged", "converged", "stalled"]
    _compare_runs(stacked, singles)
    wild, good, zero = stacked
    assert 0 < wild.diverged_step < 10 and f"step {wild.diverged_step}" in wild.message
    assert "spectral radius" in wild.message
    rho = np.max(np.abs(np.linalg.eigvals(wild.final.W)))
    assert rho < 1  # the last recorded state is a valid one
    # converged: stops at the first record at or below 1 % of the initial loss
    assert good.loss[-1] <= 0.01 * good.loss[0] < good.loss[-2] and good.steps[-1] < 4000
    # stalled: the loss of the zero student never moves; the first record a window (4.0 / η
    # = 20 steps) after the start ends it
    assert np.all(zero.loss == zero.loss[0]) and zero.steps[-1] == 20
    assert good.status == "converged" and zero.status == "stalled" and good.diverged_step == zero.diverged_step == -1


def test_budget_exhausted_when_no_criterion_is_met():
    students, teacher = _mixed_stack()
    res = train("bptt", students[1], teacher, eta=0.05, steps=20, record_every=10, stop=StopRule(rel_loss=1e-9))
    assert res.status == "budget_exhausted" and res.steps[-1] == 20


def test_sampled_results_do_not_depend_on_the_block_of_seeds():
    """Each seed draws its minibatches from its own stream, derived from its identity as the
    workflow does (seeding.rng_for), so a seed's run is bit for bit the same alone, in a block
    of 3 or in a block of 2 in another order."""
    students, per, teacher, R = stack_setup(4, "one")
    settings = dict(eta=0.05, steps=30, record_every=10, estimator="sampled", T=6, batch=8)

    def block(seeds):
        return train(
            "rflo",
            RNN.stacked([students[i] for i in seeds]),
            teacher,
            opts=RuleOptions(feedback=R[seeds]),
            rng=[seeding.rng_for(7, "train", "x", "rflo", "sampled", i) for i in seeds],
            **settings,
        )

    runs = {3: block([0, 1, 2]), 2: block([2, 0]), 1: [block([i])[0] for i in range(3)]}
    for got, ref in ((runs[3], runs[1]), ([runs[2][1], runs[2][0]], [runs[1][0], runs[1][2]])):
        for a, b in zip(got, ref, strict=True):
            assert a.status == b.status
            for name in ("steps", "loss", "A", "W", "B"):
                np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_the_four_end_states_reach_run_files_tables_and_claims(tmp_path):
    """One stack, four end states (diverged, converged, stalled, budget_exhausted): each is in
    the run file (status), in the runs table (outcome, train_status) and counted in C13."""
    students, teacher = _mixed_stack()
    good = students[1]
    students.append(RNN(good.A * 0.1, good.W * 0.1, good.B * 0.1))  # small init: slow, still descending
    stop = StopRule(rel_loss=0.01, stall_window=4.0, stall_decrease=1e-3)
    results = train("bptt", RNN.stacked(students), teacher, eta=0.2, steps=60, record_every=5, stop=stop)
    want = ["diverged", "converged", "stalled", "budget_exhausted"]
    assert [r.status for r in results] == want
    assert results[3].steps[-1] == 60 and results[3].loss[-1] > 0.01 * results[3].loss[0]
    rows = []
    for seed, res in enumerate(results):
        path = tmp_path / f"seed{seed}.npz"
        io.save_npz(path, res.arrays(), io.provenance({}, rule="train"))
        run = io.load_npz(path)
        assert io.scalar(run, "status") == want[seed]
        key = {"experiment": "x", "rule": "bptt", "estimator": "expected", "seed": seed}
        rows.append(tables.run_summary(key, run, {"rel_loss": 0.01, "rank_rtol": 1e-6})[0])
    assert [r["outcome"] for r in rows] == want and [r["train_status"] for r in rows] == want
    runs = {name: np.array([r[name] for r in rows]) for name in rows[0]}
    fig = {"rules": ["bptt"], "estimator": "expected", "paper_converged": {"bptt": 20}, "paper_runs": 20}
    (row,) = simulation_checks.reliability_claims(runs, fig)
    assert row["measured"] == "1/4 converged (1 stalled, 1 diverged, 1 budget exhausted)"
