"""Rule diagnostics: tidy tables of one experiment (linrnn.pipeline.tables.experiment_tables).

Every input is verified where it is read (linrnn.pipeline.inputs): readable, at its own path,
of the shapes the teacher's config implies; the runs read are exactly the configured ones.
"""

from linrnn.pipeline import inputs, io, tables


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        cfg = smk.params.cfg
        _, teacher, dims = inputs.load_teacher(smk.input.teacher)
        inits = {}
        for path in smk.input.inits:
            prov, arrays = inputs.load_init(path, dims)
            inits[int(prov["wildcards"]["seed"])] = arrays
        runs = [inputs.load_run(p, dims) for p in smk.input.runs]
        inputs.check_run_set(
            [(p, prov) for p, (prov, _) in zip(smk.input.runs, runs, strict=True)],
            smk.wildcards.experiment,
            inputs.configured_runs(cfg),
        )
        odes = [inputs.load_ode(p, dims) for p in smk.input.odes]
        result = tables.experiment_tables(teacher, inits, runs, odes, cfg["analysis"], cfg["hidden_basis"])
        prov = io.job_provenance(smk)
        for name, frame in result.items():
            io.write_table(smk.output[name], frame, tables.COLUMNS[name], prov)
            log.info("%s: %d rows", smk.output[name], len(frame))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
