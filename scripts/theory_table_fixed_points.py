"""Rule theory_table_fixed_points: fixed-point search and Jacobian check (linrnn.core.theory)."""

import numpy as np

from linrnn.core import theory
from linrnn.pipeline import io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        cfg = smk.params.cfg
        rules = cfg.get("table_rules", cfg["rules"])  # the tables may cover more rules than the figures
        r, fp = cfg["rates"], cfg["fixed_points"]
        settings = theory.rule_settings(rules, taus=r["taus"], a_hats=r["a_hats"], w_hats=r["w_hats"])
        teachers = [(t["a_star"], t["b_star"], t["w_star"]) for t in fp["teachers"]]
        rows = theory.fixed_point_rows(
            teachers,
            settings,
            rng=np.random.default_rng(fp["seed"]),
            n_jacobian_points=fp["n_jacobian_points"],
            ab_range=fp["ab_range"],
            n_ab=fp["n_ab"],
            w_values=tuple(fp["w_values"]),
        )
        io.write_table(smk.output.csv, rows, theory.FIXED_POINT_COLUMN_DOCS, io.job_provenance(smk))
        for row in rows:
            log.info("%s %s: %s", "PASS" if row["passed"] else "FAIL", row["rule"], row)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
