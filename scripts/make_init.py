"""Rule make_init: initial student and feedback R of one seed (linrnn.pipeline.experiment.build_init)."""

from linrnn.pipeline import experiment, inputs, io, seeding


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        key = ("init", smk.wildcards.experiment, int(smk.wildcards.seed))
        rng = seeding.rng_for(smk.params.base_seed, *key)
        _, teacher, _ = inputs.load_teacher(smk.input.teacher)
        arrays = experiment.build_init(smk.params.cfg, teacher, rng)
        io.save_npz(smk.output[0], arrays, io.job_provenance(smk, seed_key=list(key)))
        log.info("init written to %s", smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
