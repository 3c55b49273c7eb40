"""Rules theory_figure_<name>: one theory figure from its config slice (linrnn.figures.theory_<name>).

Every theory figure module has the same two functions, ``compute(cfg) -> data`` and
``figure(data, cfg) -> matplotlib Figure``; the rule's ``params.figure`` names the module, so the
rules generated from THEORY_FIGURES (workflow/rules/theory_common.smk) share this one script. The
rule's code hash covers that module (workflow script_code), so editing one figure module reruns
that figure only.
"""

import importlib

from linrnn.figures.style import save_figure
from linrnn.pipeline import io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        module = importlib.import_module(f"linrnn.figures.theory_{smk.params.figure}")
        cfg = smk.params.cfg
        save_figure(module.figure(module.compute(cfg), cfg), [smk.output.pdf, smk.output.png])
        io.write_json(
            smk.output.meta,
            {"files": [smk.output.pdf, smk.output.png], "provenance": io.job_provenance(smk)},
        )
        log.info("figure written: %s, %s", smk.output.pdf, smk.output.png)


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
