# One rule and one script per figure; each reads only tidy tables.


rule figure_validation:
    """Figure 1 (poster panel C): full RNN vs per-mode ODE, alignment and loss."""
    input:
        figure_inputs("validation"),
    output:
        pdf=FIGURE.format(figure="validation", ext="pdf"),
        png=report(
            FIGURE.format(figure="validation", ext="png"),
            caption="../report/fig_validation.rst",
            category="Figures",
            labels={"figure": "1 validation"},
        ),
        meta=FIGURE.format(figure="validation", ext="meta.json"),
    log:
        LOG.format(name="figures/validation"),
    benchmark:
        BENCH.format(name="figures/validation")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=figure_slice("validation"),
        code=script_code("figure_validation"),
    script:
        "../../scripts/figure_validation.py"


rule figure_low_rank:
    """Figure 2 (paper Fig. 6): singular values of the learned changes."""
    input:
        figure_inputs("low_rank"),
    output:
        pdf=FIGURE.format(figure="low_rank", ext="pdf"),
        png=report(
            FIGURE.format(figure="low_rank", ext="png"),
            caption="../report/fig_low_rank.rst",
            category="Figures",
            labels={"figure": "2 low rank"},
        ),
        meta=FIGURE.format(figure="low_rank", ext="meta.json"),
    log:
        LOG.format(name="figures/low_rank"),
    benchmark:
        BENCH.format(name="figures/low_rank")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=figure_slice("low_rank"),
        code=script_code("figure_low_rank"),
    script:
        "../../scripts/figure_low_rank.py"


rule figure_reliability:
    """Figure 3 (paper Supp. Fig. 10): convergence over seeds, final loss, effective rank."""
    input:
        figure_inputs("reliability"),
    output:
        pdf=FIGURE.format(figure="reliability", ext="pdf"),
        png=report(
            FIGURE.format(figure="reliability", ext="png"),
            caption="../report/fig_reliability.rst",
            category="Figures",
            labels={"figure": "3 reliability"},
        ),
        meta=FIGURE.format(figure="reliability", ext="meta.json"),
    log:
        LOG.format(name="figures/reliability"),
    benchmark:
        BENCH.format(name="figures/reliability")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=figure_slice("reliability"),
        code=script_code("figure_reliability"),
    script:
        "../../scripts/figure_reliability.py"


rule figure_sequence_loss:
    """Figure 4 (Appendix H): RNN vs ODE, RFLO rank and loss curves under the sequence loss."""
    input:
        figure_inputs("sequence_loss"),
    output:
        pdf=FIGURE.format(figure="sequence_loss", ext="pdf"),
        png=report(
            FIGURE.format(figure="sequence_loss", ext="png"),
            caption="../report/sequence_loss.rst",
            category="Figures",
            labels={"figure": "4 sequence loss"},
        ),
        meta=FIGURE.format(figure="sequence_loss", ext="meta.json"),
    log:
        LOG.format(name="figures/sequence_loss"),
    benchmark:
        BENCH.format(name="figures/sequence_loss")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=figure_slice("sequence_loss") if "sequence_loss" in config["figures"] else {},
        code=script_code("figure_sequence_loss"),
    script:
        "../../scripts/figure_sequence_loss.py"


rule figure_locality_map:
    """The locality map (docs/locality.md): every spatial × temporal credit cell on one experiment."""
    input:
        figure_inputs("locality_map"),
    output:
        pdf=FIGURE.format(figure="locality_map", ext="pdf"),
        png=report(
            FIGURE.format(figure="locality_map", ext="png"),
            caption="../report/fig_locality_map.rst",
            category="Figures",
            labels={"figure": "5 locality map"},
        ),
        meta=FIGURE.format(figure="locality_map", ext="meta.json"),
    log:
        LOG.format(name="figures/locality_map"),
    benchmark:
        BENCH.format(name="figures/locality_map")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        cfg=figure_slice("locality_map") if "locality_map" in config["figures"] else {},
        code=script_code("figure_locality_map"),
    script:
        "../../scripts/figure_locality_map.py"
