"""Rule diagnostics: tidy tables of one experiment (linrnn.pipeline.tables.experiment_tables)."""

from linrnn.pipeline import io, tables


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        cfg = smk.params.cfg
        teacher = io.load_npz(smk.input.teacher)
        inits = {}
        for path in smk.input.inits:
            inits[int(io.npz_provenance(path)["wildcards"]["seed"])] = io.load_npz(path)
        runs = [(io.npz_provenance(p), io.load_npz(p)) for p in smk.input.runs]
        odes = [(io.npz_provenance(p), io.load_npz(p)) for p in smk.input.odes]
        result = tables.experiment_tables(teacher, inits, runs, odes, cfg["analysis"], cfg["hidden_basis"])
        prov = io.job_provenance(smk)
        for name, rows in result.items():
            io.write_table(smk.output[name], rows, tables.COLUMNS[name], prov)
            log.info("%s: %d rows", smk.output[name], len(rows))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
