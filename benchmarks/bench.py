# ruff: noqa: B023  (the timed lambdas are called inside the loop iteration that defines them)
"""Cost of one learning step per rule and estimator, against loop references.

Run from the repository root (writes benchmarks/results/steps.json, then RESULTS.md and
time_per_step.png through benchmarks.report):

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench            # ~5 min
    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench --quick    # smoke run

What is timed (best of repeats, `time.perf_counter`, after one warm-up call):
- sampled: `rule.sampled(student, teacher, opts, x)` on a fixed minibatch x (batch, T, d),
  final-step loss; the loop reference `tests.reference_loops.reference_update` on the same x
  (asserted equal to 1e-9 relative before it is timed);
- expected: `rule.expected(student, teacher, opts, None)` (T→∞) against
  `benchmarks.reference_expected` (fixed-point Stein iteration, literal closed forms of docs/model.md §2.1,
  asserted equal), and `rule.expected(..., T)` at finite T;
- the machine's matmul rate: best GF/s of square float64 products, n = 512 and 1024;
- scans of time against n and against T, with the fitted log-log exponent.
Student and teacher are dense with spectral radii 0.9 and 0.8, n* = n; R ~ N(0, 1/n);
τ = 1, ŵ = 0.5. Thread count: OPENBLAS_NUM_THREADS (set to 1 unless given; the machine is
shared, and multithreaded BLAS on small products degrades badly under contention).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from tests.reference_loops import reference_update  # noqa: E402

from benchmarks.reference_expected import reference_expected  # noqa: E402
from linrnn.core.model import RNN, sample_inputs  # noqa: E402
from linrnn.core.rules import RuleOptions, get_rule  # noqa: E402

RULES = ("bptt", "tbptt", "rflo", "eprop")
SIZES = [(16, 4, 4, 50, 32), (64, 8, 4, 100, 32), (256, 16, 8, 200, 64)]
TAU, W_HAT = 1, 0.5
OUT = Path(__file__).parent / "results"


# ----------------------------------------------------------------------------- timing
def best_time(f, min_time=0.3, min_reps=3, max_reps=30):
    """Best and median wall time of f() over repeats, after one warm-up call."""
    f()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < min_time and len(times) < max_reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return float(np.min(times)), float(np.median(times)), len(times)


def matmul_rate(sizes=(512, 1024), reps=5):
    """Best float64 GEMM rate in GF/s (2 n³ flops per n×n product)."""
    rng = np.random.default_rng(0)
    best = 0.0
    for n in sizes:
        a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
        t, _, _ = best_time(lambda: a @ b, min_reps=reps)
        best = max(best, 2 * n**3 / t / 1e9)
    return best


# ----------------------------------------------------------------------------- flops
def power_rows_flops(rows, n, count, block_rows=64):
    """Flops of linalg.power_rows: the block products plus the squarings it performs."""
    flops, done, p = 0, 1, 1
    while done < count:
        step = min(p, count - done)
        flops += 2 * step * rows * n * n
        done += step
        if done < count and p * rows < block_rows:
            flops += 2 * n**3
            p *= 2
    return flops


def sampled_flops(rule, n, d, o, T, batch, tau=TAU):
    """Analytic flop count of one sampled final-loss step as implemented (multiply-add = 2).

    Common part: student run (drive 2·T·batch·n·d, recursion 2·(T−1)·batch·n² + adds),
    teacher output kernels A* W*^k B* (power_rows + 2·T·o·n·d) applied to x (2·batch·T·d·o),
    errors, and the correlations Eh, Ex, ΔA (2·o·batch·(T·n + T·d + n)).
    Rule part: the lag sums Σ_m Φ_m^T Eh[m] with bptt Φ_m = A W^m (power_rows + 2·T·o·n(n+d)),
    tbptt the first τ lags, rflo 2·T·o(n+d) + 2·n·o(n+d), eprop T·o·n + 2·T·o·n(n+d).
    """
    common = 2 * T * batch * n * d + 2 * (T - 1) * batch * n * n + (T - 1) * batch * n
    common += power_rows_flops(o, n, T) + 2 * T * o * n * d + 2 * batch * T * d * o
    common += 2 * batch * n * o + batch * o
    common += 2 * o * batch * (T * n + T * d + n)
    if rule == "bptt":
        extra = power_rows_flops(o, n, T) + 2 * T * o * n * (n + d)
    elif rule == "tbptt":
        lags = min(tau, T)
        extra = power_rows_flops(o, n, lags) + 2 * lags * o * n * (n + d)
    elif rule == "rflo":
        extra = 2 * T * o * (n + d) + 2 * n * o * (n + d)
    else:
        extra = T * o * n + 2 * T * o * n * (n + d)
    return common + extra


# ----------------------------------------------------------------------------- problems
def stable(rng, n, d, o, radius):
    W = rng.standard_normal((n, n))
    W *= radius / np.max(np.abs(np.linalg.eigvals(W)))
    return RNN(rng.standard_normal((o, n)) / np.sqrt(n), W, rng.standard_normal((n, d)) / np.sqrt(d))


def problem(n, d, o, T, batch, seed=0):
    rng = np.random.default_rng([seed, n, d, o, T, batch])
    student, teacher = stable(rng, n, d, o, 0.9), stable(rng, n, d, o, 0.8)
    R = rng.standard_normal((o, n)) / np.sqrt(n)
    x = sample_inputs(rng, batch, T, d)
    return student, teacher, RuleOptions(tau=TAU, w_hat=W_HAT, feedback=R), x


def rel_err(x: RNN, y: RNN) -> float:
    return max(float(np.max(np.abs(getattr(x, k) - getattr(y, k))) / np.max(np.abs(getattr(y, k)))) for k in "AWB")


def ref_sampled(rule, student, teacher, opts, x):
    return reference_update(rule, student, teacher, x, tau=opts.tau, w_hat=opts.w_hat, feedback=opts.feedback)


def ref_expected(rule, student, teacher, opts):
    return reference_expected(rule, student, teacher, w_hat=opts.w_hat, feedback=opts.feedback)


# ----------------------------------------------------------------------------- sections
def step_table(sizes, peak, quick):
    rows = []
    for n, d, o, T, batch in sizes:
        student, teacher, opts, x = problem(n, d, o, T, batch)
        for rule in RULES:
            r = get_rule(rule)
            pkg = r.sampled(student, teacher, opts, x)
            ref = ref_sampled(rule, student, teacher, opts, x)
            err = rel_err(pkg, ref)
            assert err < 1e-9, f"sampled {rule} at n={n}: package ≠ loop reference ({err:.2e})"
            t_pkg, med_pkg, reps = best_time(lambda r=r: r.sampled(student, teacher, opts, x))
            big = n >= 256
            t_ref, med_ref, reps_ref = best_time(
                lambda rule=rule: ref_sampled(rule, student, teacher, opts, x),
                min_time=0.0 if big else 0.3,
                min_reps=1 if big or quick else 2,
                max_reps=3,
            )
            flops = sampled_flops(rule, n, d, o, T, batch)
            rows.append(
                dict(
                    estimator="sampled",
                    rule=rule,
                    n=n,
                    d=d,
                    o=o,
                    T=T,
                    batch=batch,
                    t=t_pkg,
                    t_median=med_pkg,
                    reps=reps,
                    t_ref=t_ref,
                    reps_ref=reps_ref,
                    ratio=t_ref / t_pkg,
                    err=err,
                    flops=flops,
                    gflops=flops / t_pkg / 1e9,
                    fraction=flops / t_pkg / 1e9 / peak,
                )
            )
            exp = r.expected(student, teacher, opts, None)
            eref = ref_expected(rule, student, teacher, opts)
            eerr = rel_err(exp, eref)
            assert eerr < 1e-8, f"expected {rule} at n={n}: package ≠ reference ({eerr:.2e})"
            t_exp, med_exp, reps_e = best_time(lambda r=r: r.expected(student, teacher, opts, None))
            t_eref, _, reps_eref = best_time(
                lambda rule=rule: ref_expected(rule, student, teacher, opts),
                min_time=0.0 if big else 0.3,
                min_reps=1 if big or quick else 2,
                max_reps=3,
            )
            t_fin, _, _ = best_time(lambda r=r: r.expected(student, teacher, opts, T))
            rows.append(
                dict(
                    estimator="expected",
                    rule=rule,
                    n=n,
                    d=d,
                    o=o,
                    T=T,
                    batch=batch,
                    t=t_exp,
                    t_median=med_exp,
                    reps=reps_e,
                    t_ref=t_eref,
                    reps_ref=reps_eref,
                    ratio=t_eref / t_exp,
                    err=eerr,
                    t_finite_T=t_fin,
                )
            )
            print(
                f"n={n:4d} {rule:6s} sampled {t_pkg * 1e3:8.2f} ms (ref ×{t_ref / t_pkg:7.1f}, "
                f"{rows[-2]['fraction']:.0%} of peak)  expected {t_exp * 1e3:8.2f} ms "
                f"(ref ×{t_eref / t_exp:6.1f}; finite T {t_fin * 1e3:.2f} ms)",
                flush=True,
            )
    return rows


def fit_exponent(xs, ts):
    slope, _ = np.polyfit(np.log(xs), np.log(ts), 1)
    return float(slope)


def scan_n(ns, d, o, T, batch, ref_max_n):
    out = []
    for n in ns:
        student, teacher, opts, x = problem(n, d, o, T, batch, seed=1)
        for rule in RULES:
            r = get_rule(rule)
            row = dict(n=n, rule=rule)
            row["sampled"] = best_time(lambda r=r: r.sampled(student, teacher, opts, x))[0]
            row["expected"] = best_time(
                lambda r=r: r.expected(student, teacher, opts, None), min_reps=2 if n >= 512 else 3
            )[0]
            if n <= ref_max_n:
                row["reference"] = best_time(
                    lambda rule=rule: ref_sampled(rule, student, teacher, opts, x),
                    min_time=0.0,
                    min_reps=1,
                    max_reps=1,
                )[0]
            out.append(row)
        print(f"n-scan n={n} done", flush=True)
    return out


def scan_T(Ts, n, d, o, batch):
    out = []
    for T in Ts:
        student, teacher, opts, x = problem(n, d, o, T, batch, seed=2)
        for rule in RULES:
            r = get_rule(rule)
            out.append(
                dict(
                    T=T,
                    rule=rule,
                    sampled=best_time(lambda r=r: r.sampled(student, teacher, opts, x))[0],
                    expected=best_time(lambda r=r: r.expected(student, teacher, opts, None))[0],
                    expected_finite=best_time(lambda r=r: r.expected(student, teacher, opts, T))[0],
                )
            )
        print(f"T-scan T={T} done", flush=True)
    return out


def machine():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    cpu = sh("lscpu | grep 'Model name' | sed 's/.*: *//'")
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return dict(
        cpu=cpu,
        cores=os.cpu_count(),
        memory_gb=round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        os=platform.platform(),
        python=platform.python_version(),
        numpy=np.__version__,
        scipy=scipy.__version__,
        blas=f"{blas.get('name')} {blas.get('version')}",
        openblas_num_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
        openblas_coretype=os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        git=sh("git rev-parse --short HEAD"),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (smoke run)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    info = machine()
    info["load_before"] = os.getloadavg()
    peak = matmul_rate()
    print(f"matmul rate {peak:.1f} GF/s ({info['openblas_num_threads']} thread(s))", flush=True)
    sizes = SIZES[:1] if args.quick else SIZES
    steps = step_table(sizes, peak, args.quick)
    ns = [16, 32, 64] if args.quick else [16, 32, 64, 128, 256, 512]
    Ts = [25, 50, 100] if args.quick else [25, 50, 100, 200, 400, 800]
    nscan = scan_n(ns, d=8, o=4, T=100, batch=32, ref_max_n=64 if args.quick else 128)
    tscan = scan_T(Ts, n=64, d=8, o=4, batch=32)
    info["load_after"] = os.getloadavg()
    peak_after = matmul_rate()
    result = dict(
        machine=info,
        matmul_gflops=peak,
        matmul_gflops_after=peak_after,
        steps=steps,
        scan_n=nscan,
        scan_T=tscan,
        scan_n_settings=dict(d=8, o=4, T=100, batch=32),
        scan_T_settings=dict(n=64, d=8, o=4, batch=32),
        quick=args.quick,
    )
    (OUT / ("steps_quick.json" if args.quick else "steps.json")).write_text(json.dumps(result, indent=1))
    if not args.quick:
        from benchmarks import report

        report.main()


if __name__ == "__main__":
    main()
