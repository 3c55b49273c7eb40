# Teachers and initial students: the random draws every run of an experiment shares.


rule make_teacher:
    """Teacher network of one experiment (aligned or dense, config `teacher`)."""
    output:
        TEACHER,
    log:
        LOG.format(name="make_teacher/{experiment}"),
    benchmark:
        BENCH.format(name="make_teacher/{experiment}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    params:
        cfg=teacher_slice,
        base_seed=config["base_seed"],
        code=script_code("make_teacher"),
    script:
        "../../scripts/make_teacher.py"


rule make_init:
    """Initial student (A0, W0, B0) and fixed feedback R of one seed."""
    input:
        teacher=TEACHER,
    output:
        INIT,
    log:
        LOG.format(name="make_init/{experiment}/seed{seed}"),
    benchmark:
        BENCH.format(name="make_init/{experiment}/seed{seed}")
    conda:
        CONDA_ENV
    resources:
        mem_mb=500,
        runtime=5,
    params:
        cfg=init_slice,
        base_seed=config["base_seed"],
        code=script_code("make_init"),
    script:
        "../../scripts/make_init.py"
