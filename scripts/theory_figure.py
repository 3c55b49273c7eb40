"""Rules theory_figure_*: build one theory figure's data and draw it (linrnn.figures.theory).

The figure name comes from the rule's `params.figure` (manifolds, vector_fields, rates, detour,
stability), so the five theory figure rules share this one thin script.
"""

from linrnn.figures import theory
from linrnn.pipeline import io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        data = theory.figure_data(smk.params.figure, smk.params.cfg)
        theory.draw(smk.params.figure, data, [smk.output.pdf, smk.output.png])
        io.write_json(
            smk.output.meta,
            {"files": [smk.output.pdf, smk.output.png], "provenance": io.job_provenance(smk)},
        )
        log.info("figure written: %s, %s", smk.output.pdf, smk.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
