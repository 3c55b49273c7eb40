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


rule theory_figure_manifolds:
    """Stationary manifolds in (a, b, w) with stability and ODE trajectories (poster A)."""
    output:
        pdf=FIGURE.format(figure="theory_manifolds", ext="pdf"),
        png=report(
            FIGURE.format(figure="theory_manifolds", ext="png"),
            caption="../report/theory_manifolds.rst",
            category="Theory",
            labels={"figure": "manifolds"},
        ),
        meta=FIGURE.format(figure="theory_manifolds", ext="meta.json"),
    log:
        LOG.format(name="theory/figure_manifolds"),
    benchmark:
        BENCH.format(name="theory/figure_manifolds")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=theory_slice("figure_manifolds"),
        figure="manifolds",
        code=script_code("theory_figure"),
    script:
        "../../scripts/theory_figure.py"


rule theory_figure_vector_fields:
    """Vector fields on 2-D slices, manifold stability (poster B)."""
    output:
        pdf=FIGURE.format(figure="theory_vector_fields", ext="pdf"),
        png=report(
            FIGURE.format(figure="theory_vector_fields", ext="png"),
            caption="../report/theory_vector_fields.rst",
            category="Theory",
            labels={"figure": "vector fields"},
        ),
        meta=FIGURE.format(figure="theory_vector_fields", ext="meta.json"),
    log:
        LOG.format(name="theory/figure_vector_fields"),
    benchmark:
        BENCH.format(name="theory/figure_vector_fields")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=theory_slice("figure_vector_fields"),
        figure="vector_fields",
        code=script_code("theory_figure"),
    script:
        "../../scripts/theory_figure.py"


rule theory_figure_rates:
    """Asymptotic convergence rate along the optimal manifold against s (docs/model.md §3.2)."""
    output:
        pdf=FIGURE.format(figure="theory_rates", ext="pdf"),
        png=report(
            FIGURE.format(figure="theory_rates", ext="png"),
            caption="../report/theory_rates.rst",
            category="Theory",
            labels={"figure": "rates"},
        ),
        meta=FIGURE.format(figure="theory_rates", ext="meta.json"),
    log:
        LOG.format(name="theory/figure_rates"),
    benchmark:
        BENCH.format(name="theory/figure_rates")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=theory_slice("figure_rates"),
        figure="rates",
        code=script_code("theory_figure"),
    script:
        "../../scripts/theory_figure.py"


rule theory_figure_detour:
    """RFLO detour to the opposite branch (paper Fig. 4)."""
    output:
        pdf=FIGURE.format(figure="theory_detour", ext="pdf"),
        png=report(
            FIGURE.format(figure="theory_detour", ext="png"),
            caption="../report/theory_detour.rst",
            category="Theory",
            labels={"figure": "detour"},
        ),
        meta=FIGURE.format(figure="theory_detour", ext="meta.json"),
    log:
        LOG.format(name="theory/figure_detour"),
    benchmark:
        BENCH.format(name="theory/figure_detour")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=theory_slice("figure_detour"),
        figure="detour",
        code=script_code("theory_figure"),
    script:
        "../../scripts/theory_figure.py"


rule theory_figure_stability:
    """RFLO stability on the optimal manifold over (s, a_hat) and (s, w_hat) (Eqs. 28-29)."""
    output:
        pdf=FIGURE.format(figure="theory_stability", ext="pdf"),
        png=report(
            FIGURE.format(figure="theory_stability", ext="png"),
            caption="../report/theory_stability.rst",
            category="Theory",
            labels={"figure": "stability"},
        ),
        meta=FIGURE.format(figure="theory_stability", ext="meta.json"),
    log:
        LOG.format(name="theory/figure_stability"),
    benchmark:
        BENCH.format(name="theory/figure_stability")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=theory_slice("figure_stability"),
        figure="stability",
        code=script_code("theory_figure"),
    script:
        "../../scripts/theory_figure.py"
