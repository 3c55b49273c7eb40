"""Rule claims: compare the paper's claims with the diagnostics and theory tables
(linrnn.claims.checklist.all_claims)."""

from linrnn.claims import catalogue, checklist
from linrnn.pipeline import inputs, io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        tables = inputs.read_tables(smk.input.tables)
        for path in smk.input.get("theory", []):
            inputs.check_table(path)
        theory = checklist.read_theory_tables(smk.input.get("theory", []))
        rows = checklist.all_claims(tables, smk.params.cfg, theory)
        io.write_table(smk.output.csv, rows, catalogue.COLUMNS, io.job_provenance(smk))
        for row in rows:
            log.info(
                "%s [%s] %s: %s",
                "PASS" if row["passed"] else "FAIL",
                row["claim"],
                row["subject"],
                row["measured"],
            )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
