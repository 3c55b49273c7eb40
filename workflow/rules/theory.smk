# Theory of the per-mode ODEs (docs/model.md §3): tables and figures computed from the `theory:` config
# block alone (no simulation inputs). Science in linrnn.core.theory / linrnn.figures.theory.


include: "theory_common.smk"


rule theory_table_rates:
    """Eigenvalues, classification and rate along the optimal manifold (docs/model.md §3.2)."""
    output:
        csv=report(
            THEORY_TABLE.format(name="rates"),
            caption="../report/theory_table_rates.rst",
            category="Theory",
            labels={"table": "rates"},
        ),
        meta="results/tables/theory_rates.meta.json",
    log:
        LOG.format(name="theory/table_rates"),
    benchmark:
        BENCH.format(name="theory/table_rates")
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    params:
        cfg=theory_slice("table_rates"),
        code=script_code("theory_table_rates"),
    script:
        "../../scripts/theory_table_rates.py"


rule theory_table_fixed_points:
    """Numerical fixed-point search: only the known manifolds (docs/model.md §3.1); Jacobian check."""
    output:
        csv=report(
            THEORY_TABLE.format(name="fixed_points"),
            caption="../report/theory_table_fixed_points.rst",
            category="Theory",
            labels={"table": "fixed points"},
        ),
        meta="results/tables/theory_fixed_points.meta.json",
    log:
        LOG.format(name="theory/table_fixed_points"),
    benchmark:
        BENCH.format(name="theory/table_fixed_points")
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=15,
    params:
        cfg=theory_slice("table_fixed_points"),
        code=script_code("theory_table_fixed_points"),
    script:
        "../../scripts/theory_table_fixed_points.py"


rule theory_table_convergence:
    """Convergence times, end branches and decay rates of single-mode ODE runs."""
    output:
        csv=report(
            THEORY_TABLE.format(name="convergence"),
            caption="../report/theory_table_convergence.rst",
            category="Theory",
            labels={"table": "convergence"},
        ),
        meta="results/tables/theory_convergence.meta.json",
    log:
        LOG.format(name="theory/table_convergence"),
    benchmark:
        BENCH.format(name="theory/table_convergence")
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        cfg=theory_slice("table_convergence"),
        code=script_code("theory_table_convergence"),
    script:
        "../../scripts/theory_table_convergence.py"


# One rule per entry of THEORY_FIGURES (theory_common.smk): adding a theory figure is one entry there
# (with its config keys in THEORY_KEYS and a caption workflow/report/theory_<name>.rst) plus one module
# linrnn/figures/theory_<name>.py with compute(cfg) and figure(data, cfg).
for _fig in THEORY_FIGURES:

    rule:
        name:
            f"theory_figure_{_fig}"
        output:
            pdf=FIGURE.format(figure=f"theory_{_fig}", ext="pdf"),
            png=report(
                FIGURE.format(figure=f"theory_{_fig}", ext="png"),
                caption=f"../report/theory_{_fig}.rst",
                category="Theory",
                labels={"figure": _fig.replace("_", " ")},
            ),
            meta=FIGURE.format(figure=f"theory_{_fig}", ext="meta.json"),
        log:
            LOG.format(name=f"theory/figure_{_fig}"),
        benchmark:
            BENCH.format(name=f"theory/figure_{_fig}")
        conda:
            CONDA_ENV
        resources:
            mem_mb=1000,
            runtime=5,
        params:
            cfg=theory_slice(f"figure_{_fig}"),
            figure=_fig,
            code=script_code("theory_figure", modules=[f"linrnn.figures.theory_{_fig}"]),
        script:
            "../../scripts/theory_figure.py"
