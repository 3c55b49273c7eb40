"""Rule decoupling: short data-aligned runs of the experiment's ODE rules with its teacher's mode
values (linrnn.analysis.decoupling); header only for a dense teacher."""

from linrnn.analysis import decoupling
from linrnn.pipeline import experiment, io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        teacher = experiment.teacher_object(io.load_npz(smk.input.teacher))
        rules = smk.params.cfg["rules"]
        rows = [] if teacher is None else decoupling.decoupling_rows(rules, teacher.a, teacher.b, teacher.w)
        io.write_table(smk.output.csv, rows, decoupling.COLUMNS, io.job_provenance(smk))
        for row in rows:
            log.info("%s: off/diag %.2e", row["rule"], row["off_diagonal_ratio"])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
