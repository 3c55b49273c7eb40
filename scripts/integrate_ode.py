"""Rule integrate_ode: per-mode ODEs (linrnn.core.modes) from the student's initial mode values.

The student is read in the hidden basis of the reference run (config hidden_basis: the run's
final student basis, or the teacher's); RFLO's per-mode feedback is â_i = (U^T R P)_ii.
"""

import numpy as np

from linrnn.analysis import diagnostics
from linrnn.core import projection
from linrnn.core.model import RNN
from linrnn.core.modes import integrate_modes
from linrnn.pipeline import experiment, inputs, io


def main(smk) -> None:
    with io.job_log(smk.log[0]) as log:
        cfg = smk.params.cfg
        opts = cfg["options"]
        _, teacher_arrays, dims = inputs.load_teacher(smk.input.teacher)
        teacher = experiment.teacher_object(teacher_arrays)
        _, init = inputs.load_init(smk.input.init, dims)
        _, run = inputs.load_run(smk.input.run, dims)
        last = diagnostics.last_finite_index(run["W"])
        final = RNN(run["A"][last], run["W"][last], run["B"][last])
        start = projection.ode_initial_state(
            experiment.initial_student(init), final, teacher.bases, teacher.k, cfg["hidden_basis"], init["R"]
        )
        P, a0, b0, w0, a_hat = (start[k] for k in ("P", "a", "b", "w", "a_hat"))
        sol = integrate_modes(
            smk.wildcards.learner,
            a0,
            b0,
            w0,
            teacher.a,
            teacher.b,
            teacher.w,
            run["time"],
            tau=opts["tau"],
            a_hat=a_hat,
            w_hat=opts["w_hat"],
        )
        arrays = {
            "t": sol["t"],
            "a": sol["a"],
            "b": sol["b"],
            "w": sol["w"],
            "loss": sol["loss"],
            "status": np.array(sol["status"]),
            "message": np.array(str(sol["message"])),
            "a_hat": a_hat,
            "a0": a0,
            "b0": b0,
            "w0": w0,
            "P": P,
        }
        io.save_npz(smk.output[0], arrays, io.job_provenance(smk))
        log.info(
            "%s: ODE status %s, %d times, a_hat %s",
            smk.output[0],
            sol["status"],
            len(sol["t"]),
            np.round(a_hat, 3),
        )


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (injected by Snakemake)
