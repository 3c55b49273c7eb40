"""tools/slurm_submissions.py: grouping of a job graph into sbatch submissions (hand counts)."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location(
    "slurm_submissions", Path(__file__).parents[1] / "tools/slurm_submissions.py"
)
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)

PROFILE = {
    "groups": {"train_rnn": "train", "integrate_ode": "train", "make_teacher": "setup", "make_init": "setup"},
    "group-components": {"train": 20, "setup": 1},
}


def test_groups_bundle_connected_components():
    # 2 experiments: teacher -> 3 inits each; 45 trainings (one with an ODE after it); diagnostics; all
    nodes, edges, j = {}, [], 0

    def add(rule):
        nonlocal j
        nodes[j] = rule
        j += 1
        return j - 1

    for _ in range(2):
        t = add("make_teacher")
        for _ in range(3):
            edges.append((t, add("make_init")))
    runs = [add("train_rnn") for _ in range(45)]
    edges.append((runs[0], add("integrate_ode")))
    d = add("diagnostics")
    edges += [(r, d) for r in runs]
    edges.append((d, add("all")))
    counts = tool.submissions(nodes, edges, PROFILE)
    # setup: one submission per experiment (teacher + its inits connected, 1 component each);
    # train: 45 components (the ODE joins its run) in bundles of 20 -> 3; diagnostics 1; all is local
    assert counts == {"group setup": 2, "group train": 3, "diagnostics": 1}
