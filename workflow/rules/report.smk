# The claims table: each paper claim the simulation figures test, expected vs measured.
# (The HTML report itself: `snakemake --report results/report.html` after a run.)


rule claims:
    """results/tables/claims.csv: one row per checked paper claim (report input)."""
    input:
        unpack(claims_inputs),
    output:
        csv=report(
            CLAIMS,
            caption="../report/claims.rst",
            category="Claims",
            labels={"table": "claims.csv (download)"},
        ),
        meta=report(
            "results/tables/claims.meta.json",
            caption="../report/provenance.rst",
            category="Provenance",
            labels={"file": "claims.meta.json"},
        ),
    log:
        LOG.format(name="claims"),
    benchmark:
        BENCH.format(name="claims")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg={name: figure_slice(name) for name in simulation_figures()},
        code=script_code("claims"),
    script:
        "../../scripts/claims.py"


rule claims_html:
    """results/tables/claims.html: the claims table as a page the report shows as a table."""
    input:
        csv=CLAIMS,
    output:
        html=report(
            CLAIMS_HTML,
            caption="../report/claims.rst",
            category="Claims",
            labels={"table": "claims"},
        ),
    log:
        LOG.format(name="claims_html"),
    benchmark:
        BENCH.format(name="claims_html")
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    params:
        code=script_code("claims_html"),
    script:
        "../../scripts/claims_html.py"
