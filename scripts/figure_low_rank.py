"""Rule figure_low_rank: draw the figure from tidy tables (linrnn.figures.simulation.figure_low_rank)."""

from linrnn.figures import simulation
from linrnn.pipeline import inputs, io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        tables = inputs.read_tables(smk.input)
        fig = simulation.figure_low_rank(tables, smk.params.cfg)
        simulation.save(fig, [smk.output.pdf, smk.output.png], smk.output.meta, io.job_provenance(smk))
        log.info("figure written: %s, %s", smk.output.pdf, smk.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
