# ruff: noqa: B023, E402, E501, E731  (timed lambdas run in the iteration that defines them; BLAS threads set first)
"""The stacked engine against the per-student engine it replaced, in one interleaved run.

One command measures every number of the "Stacked engine" section of benchmarks/RESULTS.md
and rewrites that section (between its markers) and benchmarks/results/engine.json:

    OPENBLAS_NUM_THREADS=1 /work/benchvenv/bin/python -m benchmarks.bench_engine

run from the repository root with an interpreter that has numpy/scipy and, for the
comparison with the frameworks, torch (CPU) and jax: a separate virtual environment, never
the project's (`python -m venv /work/benchvenv; /work/benchvenv/bin/pip install numpy scipy pandas
pyyaml torch jax`); `src` and the repository root are put on sys.path here. Without torch or
jax those columns say "not installed". The package as it was before the engine comes from git
(`benchmarks.before`, commit `before.BEFORE`) and runs in the same process.

What is timed (wall time, `time.perf_counter`, single-threaded BLAS, candidates alternating):
1. Stacking: the rank_o1 experiment of config/config.yaml (n = 20, d = 3, o = 1, its teacher
   and its 20 seeds' initial students and feedback), expected estimator (T→∞), `STEPS` steps
   per run: 20 calls of the old per-seed `train` against one stacked `train` of all 20, per
   rule, `ROUNDS` alternating rounds; the ratio is of the best rounds. Final weights agree
   (largest relative difference reported).
2. One student's expected step at n = 20 (stationary covariances with the teacher's cached
   squarings, the rule's update, the step θ − ηΔθ) against the time of exactly its own
   matrix products: the products are recorded by running the step on an ndarray subclass
   that logs every `matmul`, then replayed on fresh arrays of the same shapes.
3. Sampled steps (final-step loss) at the three benchmark sizes of benchmarks/bench.py: the
   current `rule.sampled` against the old one for every rule, and BPTT against PyTorch
   autograd (CPU, 1 thread) and JAX `jit` (lax.scan; XLA on 1 thread) computing the same
   gradient of ½ mean_batch ‖y_T − y*_T‖², checked equal before timing.
4. The fixed-point search of the theory block (all teachers and rule settings of
   config/config.yaml): old per-start least squares against the batched solve.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT / "src", ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np
import yaml

from benchmarks import before
from benchmarks.bench import SIZES, matmul_rate, problem
from linrnn.core import theory
from linrnn.core.expectations import stationary
from linrnn.core.model import RNN
from linrnn.core.rules import RuleOptions, get_rule
from linrnn.core.stein import Powers
from linrnn.core.train import train
from linrnn.pipeline import experiment, seeding

RULES = ("bptt", "tbptt", "rflo", "eprop")
OUT = ROOT / "benchmarks" / "results"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- engine:begin -->", "<!-- engine:end -->"


def best(f, reps=5, min_time=0.2):
    """Best wall time of f() over at least `reps` calls (and at least min_time), after a warm-up."""
    f()
    times, start = [], time.perf_counter()
    while len(times) < reps or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
        if len(times) >= 200:
            break
    return float(np.min(times))


# ----------------------------------------------------------------------------- 1. stacking
def rank_o1_problem():
    """Teacher, 20 initial students and feedbacks of the paper config's rank_o1 experiment,
    built exactly as the workflow builds them (same seeds)."""
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    exp, base = cfg["experiments"]["rank_o1"], cfg["base_seed"]
    teacher = experiment.build_teacher(exp, seeding.rng_for(base, "teacher", "rank_o1"))
    inits = [experiment.build_init(exp, teacher, seeding.rng_for(base, "init", "rank_o1", s)) for s in exp["seeds"]]
    students = [experiment.initial_student(i) for i in inits]
    opts = [experiment.rule_options(exp, i["R"]) for i in inits]
    return exp, experiment.teacher_rnn(teacher), students, opts


def stacking(old, steps, rounds):
    exp, teacher, students, opts = rank_o1_problem()
    eta, every = exp["training"]["eta"], exp["training"]["record_every"]
    stack = RNN.stacked(students)
    stacked_opts = RuleOptions(
        tau=opts[0].tau,
        w_hat=opts[0].w_hat,
        eprop_feedback=opts[0].eprop_feedback,
        feedback=np.stack([o.feedback for o in opts]),
    )
    o_teacher = old.model.RNN(teacher.A, teacher.W, teacher.B)
    o_students = [old.model.RNN(s.A, s.W, s.B) for s in students]
    o_opts = [
        old.rules.RuleOptions(tau=o.tau, w_hat=o.w_hat, eprop_feedback=o.eprop_feedback, feedback=o.feedback)
        for o in opts
    ]
    rows = []
    for rule in RULES:
        t_old, t_new = [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            ref = [
                old.train.train(rule, s, o_teacher, opts=o, eta=eta, steps=steps, record_every=every)
                for s, o in zip(o_students, o_opts, strict=True)
            ]
            t1 = time.perf_counter()
            new = train(rule, stack, teacher, opts=stacked_opts, eta=eta, steps=steps, record_every=every)
            t2 = time.perf_counter()
            t_old.append(t1 - t0)
            t_new.append(t2 - t1)
        err = max(
            float(np.max(np.abs(a.final.W - b.final.W)) / np.max(np.abs(b.final.W)))
            for a, b in zip(new, ref, strict=True)
        )
        rows.append(
            dict(
                rule=rule,
                seeds=len(students),
                steps=steps,
                old_s=min(t_old),
                new_s=min(t_new),
                ratio_per_seed=min(t_old) / min(t_new),
                max_rel_diff_W=err,
            )
        )
        print(f"stacking {rule}: old {min(t_old):.2f} s, stacked {min(t_new):.2f} s, {rows[-1]['ratio_per_seed']:.1f}x")
    return rows


# ----------------------------------------------------------------------------- 2. step vs its matmuls
class Traced(np.ndarray):
    """An ndarray that records the operand shapes of every matmul it takes part in."""

    log: list = []

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        args = [np.asarray(x) if isinstance(x, Traced) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(np.asarray(o) if isinstance(o, Traced) else o for o in out)
        result = getattr(ufunc, method)(*args, **kwargs)
        if ufunc is np.matmul:
            Traced.log.append((np.shape(args[0]), np.shape(args[1])))
        return result.view(Traced) if isinstance(result, np.ndarray) and out is None else result


def step_vs_matmuls():
    _, teacher, students, opts = rank_o1_problem()
    student, opt = students[0], opts[0]
    rows = []
    for rule in RULES:
        r = get_rule(rule)
        cache = Powers(teacher.W)

        def step(s=student, cache=cache):
            stat = stationary(s, teacher, cache)
            return s.step(r.expected(s, teacher, opt, None, stat=stat), 0.03)

        t_step = best(step, reps=50)
        traced = RNN(*(getattr(student, k).view(Traced) for k in "AWB"))
        traced_teacher = RNN(*(getattr(teacher, k).view(Traced) for k in "AWB"))
        Traced.log = []
        stat = stationary(traced, traced_teacher, cache)
        traced.step(r.expected(traced, traced_teacher, opt, None, stat=stat), 0.03)
        shapes = list(Traced.log)
        rng = np.random.default_rng(0)
        pairs = [(rng.standard_normal(a), rng.standard_normal(b)) for a, b in shapes]

        def replay(pairs=pairs):
            for a, b in pairs:
                a @ b

        t_mm = best(replay, reps=50)
        rows.append(
            dict(rule=rule, step_us=t_step * 1e6, matmuls=len(shapes), matmul_us=t_mm * 1e6, ratio=t_step / t_mm)
        )
        print(
            f"step {rule}: {t_step * 1e6:.0f} us, its {len(shapes)} matmuls {t_mm * 1e6:.0f} us, {t_step / t_mm:.2f}x"
        )
    return rows


# ----------------------------------------------------------------------------- 3. sampled
def torch_bptt(student, teacher, x):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    A, W, B = (torch.tensor(getattr(student, k), requires_grad=True) for k in "AWB")
    As, Ws, Bs = (torch.tensor(getattr(teacher, k)) for k in "AWB")
    xt = torch.tensor(x)

    def grads():
        for p in (A, W, B):
            p.grad = None
        h = torch.zeros(x.shape[0], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            hs = torch.zeros(x.shape[0], Ws.shape[0], dtype=torch.float64)
            for t in range(x.shape[1]):
                hs = hs @ Ws.T + xt[:, t] @ Bs.T
            ys = hs @ As.T
        for t in range(x.shape[1]):
            h = h @ W.T + xt[:, t] @ B.T
        loss = 0.5 * ((h @ A.T - ys) ** 2).sum() / x.shape[0]
        loss.backward()
        return RNN(A.grad.numpy(), W.grad.numpy(), B.grad.numpy())

    return grads


def jax_bptt(student, teacher, x):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def loss(params, x):
        A, W, B = params
        As, Ws, Bs = (jnp.asarray(getattr(teacher, k)) for k in "AWB")
        xs = jnp.swapaxes(x, 0, 1)

        def run(W, B, n):
            return jax.lax.scan(lambda h, xt: (h @ W.T + xt @ B.T, None), jnp.zeros((x.shape[0], n)), xs)[0]

        err = run(W, B, W.shape[0]) @ A.T - run(Ws, Bs, Ws.shape[0]) @ As.T
        return 0.5 * jnp.sum(err**2) / x.shape[0]

    step = jax.jit(jax.grad(loss))
    params = tuple(jnp.asarray(getattr(student, k)) for k in "AWB")
    xj = jnp.asarray(x)

    def grads():
        g = step(params, xj)
        jax.block_until_ready(g)
        return RNN(*(np.asarray(v) for v in g))

    return grads


def sampled(old):
    rows = []
    for n, d, o, T, batch in SIZES:
        student, teacher, opts, x = problem(n, d, o, T, batch)
        o_student = old.model.RNN(student.A, student.W, student.B)
        o_teacher = old.model.RNN(teacher.A, teacher.W, teacher.B)
        o_opts = old.rules.RuleOptions(tau=opts.tau, w_hat=opts.w_hat, feedback=opts.feedback)
        frameworks = {"torch": torch_bptt(student, teacher, x), "jax": jax_bptt(student, teacher, x)}
        for rule in RULES:
            new_f = lambda: get_rule(rule).sampled(student, teacher, opts, x)
            old_f = lambda: old.rules.get_rule(rule).sampled(o_student, o_teacher, o_opts, x)
            row = dict(n=n, d=d, o=o, T=T, batch=batch, rule=rule)
            ref = new_f()
            candidates = {"new": new_f, "old": old_f}
            if rule == "bptt":
                for name, f in frameworks.items():
                    if f is None:
                        row[f"{name}_ms"] = None
                        continue
                    g = f()
                    err = max(
                        float(np.max(np.abs(getattr(g, k) - getattr(ref, k))) / np.max(np.abs(getattr(ref, k))))
                        for k in "AWB"
                    )
                    assert err < 1e-9, (name, err)
                    candidates[name] = f
            times = {k: [] for k in candidates}
            for _ in range(3):  # interleaved rounds
                for name, f in candidates.items():
                    times[name].append(best(f, reps=3, min_time=0.1))
            for name, ts in times.items():
                row[f"{name}_ms"] = min(ts) * 1e3
            rows.append(row)
            extra = ", ".join(f"{k} {row[f'{k}_ms']:.2f} ms" for k in ("torch", "jax") if row.get(f"{k}_ms"))
            print(f"sampled n={n} {rule}: new {row['new_ms']:.2f} ms, old {row['old_ms']:.2f} ms {extra}")
    return rows


# ----------------------------------------------------------------------------- 4. fixed points
def fixed_points(old, skip_old):
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())["theory"]
    r, fp = cfg["rates"], cfg["fixed_points"]
    teachers = [(t["a_star"], t["b_star"], t["w_star"]) for t in fp["teachers"]]
    kw = dict(n_jacobian_points=fp["n_jacobian_points"], ab_range=fp["ab_range"], n_ab=fp["n_ab"])
    kw["w_values"] = tuple(fp["w_values"])
    out = {}
    for name, mod in (("new", theory), ("old", None if skip_old else old.theory)):
        if mod is None:
            out[name] = None
            continue
        settings = mod.rule_settings(cfg["rules"], taus=r["taus"], a_hats=r["a_hats"], w_hats=r["w_hats"])
        t0 = time.perf_counter()
        rows = mod.fixed_point_rows(teachers, settings, rng=np.random.default_rng(fp["seed"]), **kw)
        out[name] = dict(seconds=time.perf_counter() - t0, passed=[bool(x["passed"]) for x in rows], rows=len(rows))
        print(f"fixed points {name}: {out[name]['seconds']:.1f} s, passed {sum(out[name]['passed'])}/{len(rows)}")
    return out


# ----------------------------------------------------------------------------- report
def section(res) -> str:
    L = [BEGIN, "## Stacked engine: many students per step (one interleaved run)", ""]
    L.append(
        f"Regenerate: `{res['command']}` (about {res['wall_s'] / 60:.0f} min; rewrites this section and "
        "`benchmarks/results/engine.json`; see the docstring of `benchmarks/bench_engine.py`)."
    )
    m = res["machine"]
    L.append(
        f"Measured {res['date']} on {m['cpu_count']} cores ({m['platform']}), Python {m['python']}, numpy {m['numpy']}, "
        f"torch {m['torch']}, jax {m['jax']}; OPENBLAS_NUM_THREADS={m['openblas_threads']}; matmul rate "
        f"{res['matmul_gflops']:.1f} GF/s; git {res['git']}; old engine = commit {res['before']}. "
        f"Load average (1, 5, 15 min) at start {tuple(round(x, 1) for x in res['load_start'])}, "
        f"at end {tuple(round(x, 1) for x in res['load_end'])}."
    )
    L += [
        "",
        f"**Stacking** (rank_o1: n = 20, d = 3, o = 1, 20 seeds, expected T→∞, {res['stacking'][0]['steps']} steps):",
        "",
    ]
    L += [
        "| rule | 20 × old per-seed train s | one stacked train s | faster per seed | max rel. diff of final W |",
        "|---|---|---|---|---|",
    ]
    for row in res["stacking"]:
        L.append(
            f"| {row['rule']} | {row['old_s']:.2f} | {row['new_s']:.2f} | {row['ratio_per_seed']:.1f}× | {row['max_rel_diff_W']:.0e} |"
        )
    L += ["", "**One student's expected step at n = 20** against exactly its own matrix products:", ""]
    L += ["| rule | step µs | its matmuls | their time µs | step / matmuls |", "|---|---|---|---|---|"]
    for row in res["step"]:
        L.append(
            f"| {row['rule']} | {row['step_us']:.0f} | {row['matmuls']} | {row['matmul_us']:.0f} | {row['ratio']:.2f}× |"
        )
    L += ["", "**Sampled steps** (final-step loss; ms per step, best of interleaved rounds):", ""]
    L += ["| (n, d, o, T, batch) | rule | now | before | now vs before | torch | jax | torch / now | jax / now |"]
    L.append("|---|---|---|---|---|---|---|---|---|")
    for row in res["sampled"]:
        size = f"({row['n']}, {row['d']}, {row['o']}, {row['T']}, {row['batch']})"

        def fw(name, row=row):
            v = row.get(f"{name}_ms")
            return (
                ("—", "—")
                if v is None and row["rule"] != "bptt"
                else (("not installed", "—") if v is None else (f"{v:.2f}", f"{v / row['new_ms']:.1f}×"))
            )

        (t, tr), (j, jr) = fw("torch"), fw("jax")
        L.append(
            f"| {size} | {row['rule']} | {row['new_ms']:.2f} | {row['old_ms']:.2f} | "
            f"{row['old_ms'] / row['new_ms']:.2f}× | {t} | {j} | {tr} | {jr} |"
        )
    fp = res["fixed_points"]
    old = fp["old"]
    L += [
        "",
        f"**Fixed-point search** (theory block of config/config.yaml, {fp['new']['rows']} teacher × rule settings): "
        f"batched {fp['new']['seconds']:.1f} s"
        + (f", per-start least squares {old['seconds']:.1f} s" if old else "")
        + f"; rows passed: {sum(fp['new']['passed'])}/{fp['new']['rows']}"
        + (f" (before: {sum(old['passed'])}/{old['rows']})" if old else "")
        + ".",
        "",
        END,
    ]
    return "\n".join(L)


def write_section(text: str) -> None:
    old = RESULTS.read_text() if RESULTS.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + text + rest.split(END, 1)[1]
    else:  # first time: after the title block, before the first "## " heading
        head, sep, rest = old.partition("\n## ")
        new = head + "\n" + text + "\n" + sep + rest
    RESULTS.write_text(new)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="steps per rank_o1 training (default 400)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the stacking comparison")
    parser.add_argument("--skip-old-fixed-points", action="store_true", help="do not time the old search (~1-5 min)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md as it is")
    args = parser.parse_args()
    start = time.perf_counter()
    load_start = os.getloadavg()
    old = before.load()
    versions = {}
    for name in ("torch", "jax"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:
            versions[name] = "not installed"
    res = dict(
        command="OPENBLAS_NUM_THREADS=1 /work/benchvenv/bin/python -m benchmarks.bench_engine"
        + (f" --steps {args.steps}" if args.steps != 400 else ""),
        date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        git=subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        before=before.BEFORE,
        load_start=load_start,
        matmul_gflops=matmul_rate(),
        machine=dict(
            platform=platform.platform(),
            python=platform.python_version(),
            numpy=np.__version__,
            cpu_count=os.cpu_count(),
            openblas_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
            **versions,
        ),
    )
    res["stacking"] = stacking(old, args.steps, args.rounds)
    res["step"] = step_vs_matmuls()
    res["sampled"] = sampled(old)
    res["fixed_points"] = fixed_points(old, args.skip_old_fixed_points)
    res["load_end"] = os.getloadavg()
    res["wall_s"] = time.perf_counter() - start
    OUT.mkdir(exist_ok=True)
    (OUT / "engine.json").write_text(json.dumps(res, indent=1))
    text = section(res)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
