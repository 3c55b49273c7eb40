"""Rule figure_sequence_loss: draw the figure from tidy tables (linrnn.sequence_figure)."""

from linrnn import figures, io, sequence_figure


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        tables = io.read_experiment_tables(smk.input)
        fig = sequence_figure.figure_sequence_loss(tables, smk.params.cfg)
        figures.save(fig, [smk.output.pdf, smk.output.png], smk.output.meta, io.job_provenance(smk))
        log.info("figure written: %s, %s", smk.output.pdf, smk.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
