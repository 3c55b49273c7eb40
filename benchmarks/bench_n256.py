"""Sampled-step flop rate at (n, d, o, T, batch) = (256, 16, 8, 200, 64) against the matmul rate.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_n256

A one-minute check of the issue-8 bar (bptt ≥ 60 % of the matmul rate) on an idle machine;
the full suite is `benchmarks.bench`.
"""

import os

from benchmarks.bench import best_time, matmul_rate, problem, sampled_flops
from linrnn.core.rules import get_rule


def main() -> None:
    peak = matmul_rate()
    n, d, o, T, batch = 256, 16, 8, 200, 64
    student, teacher, opts, x = problem(n, d, o, T, batch)
    for rule in ("bptt", "tbptt", "rflo", "eprop"):
        r = get_rule(rule)
        t_best, _, _ = best_time(lambda r=r: r.sampled(student, teacher, opts, x))
        rate = sampled_flops(rule, n, d, o, T, batch) / t_best / 1e9
        print(
            f"| {rule} | {t_best * 1e3:.1f} | {rate:.1f} | {rate / peak:.0%} | {peak:.1f} | {os.getloadavg()[0]:.1f} |"
        )


if __name__ == "__main__":
    main()
