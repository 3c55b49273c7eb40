# Tidy tables per experiment: losses, mode projections, alignment, rank spectra, run status.


rule diagnostics:
    """All diagnostics tables of one experiment (CSV + .meta.json sidecars)."""
    input:
        unpack(diagnostics_inputs),
    output:
        **{
            t: report(
                TABLE.format(experiment="{experiment}", table=t),
                category="Tables",
                subcategory="{experiment}",
                labels={"experiment": "{experiment}", "table": t},
            )
            for t in TABLES
        },
        **{f"{t}_meta": TABLE_META.format(experiment="{experiment}", table=t) for t in TABLES},
    log:
        LOG.format(name="diagnostics/{experiment}"),
    benchmark:
        BENCH.format(name="diagnostics/{experiment}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cfg=diagnostics_slice,
        code=script_code("diagnostics"),
    script:
        "../../scripts/diagnostics.py"


rule decoupling:
    """Short data-aligned runs with the experiment's teacher mode values (claim C1)."""
    input:
        teacher=TEACHER,
    output:
        csv=DECOUPLING,
        meta="results/tables/{experiment}/decoupling.meta.json",
    log:
        LOG.format(name="decoupling/{experiment}"),
    benchmark:
        BENCH.format(name="decoupling/{experiment}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    params:
        cfg=decoupling_slice,
        code=script_code("decoupling"),
    script:
        "../../scripts/decoupling.py"
