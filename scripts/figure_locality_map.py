"""Rule figure_locality_map: draw the locality map from tidy tables (linrnn.figures.locality)."""

from linrnn.figures import locality
from linrnn.figures.style import save_figure
from linrnn.pipeline import io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        tables = io.read_experiment_tables(smk.input)
        fig = locality.figure_locality_map(tables, smk.params.cfg)
        save_figure(fig, [smk.output.pdf, smk.output.png])
        io.write_json(
            smk.output.meta, {"files": [smk.output.pdf, smk.output.png], "provenance": io.job_provenance(smk)}
        )
        log.info("figure written: %s, %s", smk.output.pdf, smk.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
