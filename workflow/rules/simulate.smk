# Training of the full RNN and integration of the per-mode ODEs.


rule train_rnn:
    """Train one student with one learning rule with one estimator (expected / sampled) for one seed."""
    input:
        teacher=TEACHER,
        init=INIT,
    output:
        RUN,
    log:
        LOG.format(name="train_rnn/{experiment}/{learner}/{estimator}/seed{seed}"),
    benchmark:
        BENCH.format(name="train_rnn/{experiment}/{learner}/{estimator}/seed{seed}")
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        cfg=train_slice,
        base_seed=config["base_seed"],
        code=script_code("train_rnn"),
    script:
        "../../scripts/train_rnn.py"


rule integrate_ode:
    """Per-mode ODE (docs/model.md §2.2) from the student's initial mode values (hidden basis of `run`)."""
    input:
        teacher=TEACHER,
        init=INIT,
        run=ode_run,
    output:
        ODE,
    log:
        LOG.format(name="integrate_ode/{experiment}/{learner}/seed{seed}"),
    benchmark:
        BENCH.format(name="integrate_ode/{experiment}/{learner}/seed{seed}")
    wildcard_constraints:
        learner="|".join(registered_ode_rules()),
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        cfg=ode_slice,
        code=script_code("integrate_ode"),
    script:
        "../../scripts/integrate_ode.py"
