"""Rule train_rnn_<block>: train one block of seeds of one experiment with one learning rule and
estimator as a single stack of students (linrnn.core.train.train).

Each seed keeps its own initial student, feedback R and (sampled estimator) its own random
stream, derived from its identity exactly as a one-seed job would, so a seed's run file does
not depend on the block it was trained in. Progress (step, loss, elapsed, estimated remaining)
goes to the job's log every `PROGRESS_EVERY` seconds.
"""

import os

import numpy as np

from linrnn.core.model import RNN
from linrnn.core.train import StopRule, train
from linrnn.pipeline import experiment, inputs, io, seeding

PROGRESS_EVERY = 10.0  # seconds of wall time between progress lines in the log


def stop_rule(cfg: dict) -> StopRule:
    """The end-state criteria of a training slice (config/README.md, `training.stop`):
    converged = loss ≤ `rel_loss` × initial loss (the experiment's `analysis.rel_loss`);
    stalled = relative loss decrease below `stall_decrease` over `stall_window` of learning
    time; `early` stops a run at either (otherwise they are applied to its last record)."""
    stop = cfg["training"]["stop"]
    return StopRule(
        rel_loss=float(cfg["rel_loss"]),
        stall_window=stop["stall_window"],
        stall_decrease=float(stop["stall_decrease"]),
        early=bool(stop["early"]),
    )


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        wc = smk.wildcards
        cfg, seeds = smk.params.cfg, [int(s) for s in smk.params.seeds]
        tr = cfg["training"]
        keys = [("train", wc.experiment, wc.learner, wc.estimator, seed) for seed in seeds]
        rngs = [seeding.rng_for(smk.params.base_seed, *key) for key in keys]
        _, teacher_arrays, dims = inputs.load_teacher(smk.input.teacher)
        teacher = experiment.teacher_rnn(teacher_arrays)
        inits = [inputs.load_init(path, dims)[1] for path in smk.input.inits]
        R = np.stack([np.asarray(init["R"]) for init in inits])
        log.info("training seeds %s of %s/%s/%s as one stack", seeds, wc.experiment, wc.learner, wc.estimator)
        results = train(
            wc.learner,
            RNN.stacked([experiment.initial_student(init) for init in inits]),
            teacher,
            opts=experiment.rule_options(cfg, R),
            eta=tr["eta"],
            steps=tr["steps"],
            estimator=wc.estimator,
            T=tr["T"] if wc.estimator == "sampled" else tr["T_expected"],
            batch=tr["batch"],
            rng=rngs,
            record_every=tr["record_every"],
            loss_limit=tr["loss_limit"],
            stop=stop_rule(cfg),
            progress=log.info,
            progress_every=PROGRESS_EVERY,
        )
        for seed, key, result, init, path in zip(seeds, keys, results, inits, smk.output, strict=True):
            arrays = result.arrays()
            arrays.setdefault("R", np.asarray(init["R"]))
            prov = io.job_provenance(smk, seed_key=list(key))
            prov["wildcards"]["seed"] = str(seed)  # as a one-seed job records it
            prov["outputs"] = [os.path.normpath(str(path))]  # this file only
            io.save_npz(path, arrays, prov)
            log.info(
                "%s: %s at step %d %s; loss %.4g -> %.4g",
                path,
                result.status,
                int(result.steps[-1]),
                result.message,
                result.loss[0],
                result.loss[-1],
            )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
