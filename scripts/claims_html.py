"""Rule claims_html: the claims table as an HTML page, shown as a table in the report (linrnn.pipeline.io)."""

from linrnn.pipeline import io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        io.atomic_write_text(smk.output.html, io.table_html(smk.input.csv, "Claims checked"))
        log.info("%s from %s", smk.output.html, smk.input.csv)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
