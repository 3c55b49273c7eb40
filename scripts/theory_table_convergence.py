"""Rule theory_table_convergence: convergence times and decay rates of ODE runs (linrnn.core.theory)."""

from linrnn.core import theory
from linrnn.pipeline import io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        cfg = smk.params.cfg
        cv = cfg["convergence"]
        cases = [
            dict(c, teacher=(c["teacher"]["a_star"], c["teacher"]["b_star"], c["teacher"]["w_star"]))
            for c in cv["cases"]
        ]
        rows = theory.convergence_rows(
            cases,
            cfg["rules"],
            tau=cfg["tau"],
            t_end=cv["t_end"],
            n_t=cv["n_t"],
            loss_tol=cv["loss_tol"],
        )
        io.write_table(smk.output.csv, rows, theory.CONVERGENCE_COLUMN_DOCS, io.job_provenance(smk))
        for row in rows:
            log.info(
                "%s %s: branch %+d, t_conv %.3g",
                row["case"],
                row["rule"],
                row["branch"],
                row["t_conv"],
            )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
