"""Rule theory_figure_manifolds: build the data and draw it (linrnn.theory_figures)."""

from linrnn import io, theory_figures


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        data = theory_figures.figure_data("manifolds", smk.params.cfg)
        theory_figures.draw("manifolds", data, [smk.output.pdf, smk.output.png])
        io.write_json(
            smk.output.meta,
            {"files": [smk.output.pdf, smk.output.png], "provenance": io.job_provenance(smk)},
        )
        log.info("figure written: %s, %s", smk.output.pdf, smk.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
