"""Rule theory_table_rates: spectrum, classification and rate along M* (linrnn.core.theory)."""

from linrnn.core import theory
from linrnn.pipeline import io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        cfg = smk.params.cfg
        rules = cfg.get("table_rules", cfg["rules"])  # the tables may cover more rules than the figures
        r = cfg["rates"]
        rows = theory.rates_table(
            rules,
            r["s"],
            r["w_stars"],
            r["cs"],
            taus=r["taus"],
            a_hats=r["a_hats"],
            w_hats=r["w_hats"],
        )
        io.write_table(smk.output.csv, rows, theory.RATE_COLUMN_DOCS, io.job_provenance(smk))
        log.info("%d rows written to %s", len(rows), smk.output.csv)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
