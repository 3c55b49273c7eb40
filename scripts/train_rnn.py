"""Rule train_rnn: train one student with one learning rule and estimator (linrnn.core.train.train)."""

import numpy as np

from linrnn.core.train import train
from linrnn.pipeline import experiment, inputs, io, seeding


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        wc = smk.wildcards
        cfg = smk.params.cfg
        tr = cfg["training"]
        key = ("train", wc.experiment, wc.learner, wc.estimator, int(wc.seed))
        rng = seeding.rng_for(smk.params.base_seed, *key)
        _, teacher_arrays, dims = inputs.load_teacher(smk.input.teacher)
        _, init = inputs.load_init(smk.input.init, dims)
        result = train(
            wc.learner,
            experiment.initial_student(init),
            experiment.teacher_rnn(teacher_arrays),
            opts=experiment.rule_options(cfg, init["R"]),
            eta=tr["eta"],
            steps=tr["steps"],
            estimator=wc.estimator,
            T=tr["T"] if wc.estimator == "sampled" else tr["T_expected"],
            batch=tr["batch"],
            rng=rng,
            record_every=tr["record_every"],
            loss_limit=tr["loss_limit"],
        )
        arrays = result.arrays()
        arrays.setdefault("R", np.asarray(init["R"]))
        io.save_npz(smk.output[0], arrays, io.job_provenance(smk, seed_key=list(key)))
        log.info(
            "%s: status %s %s; loss %.4g -> %.4g",
            smk.output[0],
            result.status,
            result.message,
            result.loss[0],
            result.loss[-1],
        )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
