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
