# Training of the full RNN and integration of the per-mode ODEs.


# One training rule per distinct block of seeds (config `seed_block`): a job trains the block's
# seeds of one experiment x learning rule x estimator as one stack and writes each seed's own
# run file (RUN), as a one-seed job would. The rule for a block serves only the experiments
# that have that block (wildcard constraint), so every run file has exactly one producer.
for _block in distinct_seed_blocks():

    rule:
        name:
            train_rule_name(_block)
        input:
            teacher=TEACHER,
            inits=[INIT.replace("{seed}", str(s)) for s in _block],
        output:
            [RUN.replace("{seed}", str(s)) for s in _block],
        log:
            LOG.format(name=f"train_rnn/{{experiment}}/{{learner}}/{{estimator}}/{block_label(_block)}"),
        benchmark:
            BENCH.format(name=f"train_rnn/{{experiment}}/{{learner}}/{{estimator}}/{block_label(_block)}")
        wildcard_constraints:
            experiment="|".join(block_experiments(_block)),
        conda:
            CONDA_ENV
        threads: 1
        resources:
            mem_mb=lambda wildcards, attempt: 1000 * attempt,
            runtime=lambda wildcards, attempt: 10 * attempt,
        params:
            cfg=train_slice,
            base_seed=config["base_seed"],
            code=script_code("train_rnn"),
            seeds=list(_block),
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
