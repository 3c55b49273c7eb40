"""Rule make_teacher: build one experiment's teacher (linrnn.pipeline.experiment.build_teacher)."""

from linrnn.pipeline import experiment, io, seeding


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        name = smk.wildcards.experiment
        key = ("teacher", name)
        rng = seeding.rng_for(smk.params.base_seed, *key)
        arrays = experiment.build_teacher(smk.params.cfg, rng)
        io.save_npz(smk.output[0], arrays, io.job_provenance(smk, seed_key=list(key)))
        log.info("teacher %s (%s) written to %s", name, arrays["kind"], smk.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
