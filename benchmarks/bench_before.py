# ruff: noqa: B023, E501  (the timed lambdas are called inside the loop iteration that defines them)
"""Step times of whatever `linrnn` is importable, for before/after comparisons.

To time the package as it was before the fast paths (commit c938d21), from the repo root:

    rm -rf /tmp/linrnn-before && mkdir -p /tmp/linrnn-before
    git archive c938d21 src | tar -x -C /tmp/linrnn-before
    OPENBLAS_NUM_THREADS=1 PYTHONPATH=/tmp/linrnn-before/src:. \\
        .venv/bin/python -m benchmarks.bench_before --label before
    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m benchmarks.bench_before --label after

Writes benchmarks/results/<label>.json: best-of-repeats times of `rule.sampled` and
`rule.expected(T=None)` at the three issue sizes (same problems as benchmarks.bench).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402

import linrnn  # noqa: E402
from benchmarks.bench import OUT, RULES, SIZES, best_time, matmul_rate, problem  # noqa: E402
from linrnn.core.rules import get_rule  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", required=True)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    rows = []
    for n, d, o, T, batch in SIZES:
        student, teacher, opts, x = problem(n, d, o, T, batch)
        for rule in RULES:
            r = get_rule(rule)
            t_s = best_time(lambda r=r: r.sampled(student, teacher, opts, x))[0]
            t_e = best_time(lambda r=r: r.expected(student, teacher, opts, None))[0]
            rows.append(dict(rule=rule, n=n, sampled=t_s, expected=t_e))
            print(
                f"{args.label} n={n} {rule}: sampled {t_s * 1e3:.2f} ms, expected {t_e * 1e3:.2f} ms",
                flush=True,
            )
    result = dict(
        label=args.label,
        package=os.path.dirname(linrnn.__file__),
        matmul_gflops=matmul_rate(),
        rows=rows,
        load=os.getloadavg(),
    )
    (OUT / f"{args.label}.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
