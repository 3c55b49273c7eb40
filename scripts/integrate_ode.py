"""Rule integrate_ode: per-mode ODEs from the student's initial projection (linrnn.modes)."""

import numpy as np

from linrnn import experiment, io
from linrnn.model import mode_projection
from linrnn.modes import integrate_modes


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        cfg = smk.params.cfg
        tr, opts = cfg["training"], cfg["options"]
        teacher = experiment.teacher_object(io.load_npz(smk.input.teacher))
        init = io.load_npz(smk.input.init)
        a0, b0, w0 = mode_projection(experiment.initial_student(init), teacher.bases, teacher.k)
        a_hat = experiment.feedback_modes(init["R"], teacher.bases, teacher.k)
        steps = np.unique(np.r_[np.arange(0, tr["steps"] + 1, tr["record_every"]), tr["steps"]])
        sol = integrate_modes(
            smk.wildcards.rule, a0, b0, w0, teacher.a, teacher.b, teacher.w, tr["eta"] * steps,
            tau=opts["tau"], a_hat=a_hat, w_hat=opts["w_hat"],
        )
        arrays = {
            "t": sol["t"], "a": sol["a"], "b": sol["b"], "w": sol["w"], "loss": sol["loss"],
            "status": np.array(sol["status"]), "message": np.array(str(sol["message"])),
            "a_hat": a_hat, "a0": a0, "b0": b0, "w0": w0,
        }
        io.save_npz(smk.output[0], arrays, io.job_provenance(smk))
        log.info("%s: ODE status %s, %d times", smk.output[0], sol["status"], len(sol["t"]))


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
