"""Rule figure_sequence_loss: draw the figure from tidy tables (linrnn.figures.sequence_loss)."""

from linrnn.figures import sequence_loss, simulation
from linrnn.pipeline import inputs, io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        tables = inputs.read_tables(smk.input)
        fig = sequence_loss.figure_sequence_loss(tables, smk.params.cfg)
        simulation.save(fig, [smk.output.pdf, smk.output.png], smk.output.meta, io.job_provenance(smk))
        log.info("figure written: %s, %s", smk.output.pdf, smk.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
