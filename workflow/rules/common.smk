# Helper functions shared by the workflow files (kept apart from rules, as the linter asks).
# Paths are built with str.format on fixed templates, never by concatenating a central outdir.
import json
import sys

from linrnn.pipeline.codehash import code_hash

TABLES = ("loss", "modes", "ode_match", "alignment", "spectra", "runs")
FIGURES = ("validation", "low_rank", "reliability")
OPTIONAL_FIGURES = ("sequence_loss", "locality_map")
CONDA_ENV = "../envs/linrnn.yaml"

TEACHER = "results/teachers/{experiment}.npz"
INIT = "results/inits/{experiment}/seed{seed}.npz"
RUN = "results/runs/{experiment}/{learner}/{estimator}/seed{seed}.npz"
ODE = "results/ode/{experiment}/{learner}/seed{seed}.npz"
TABLE = "results/tables/{experiment}/{table}.csv"
TABLE_META = "results/tables/{experiment}/{table}.meta.json"
DECOUPLING = "results/tables/{experiment}/decoupling.csv"
FIGURE = "results/figures/{figure}.{ext}"
CLAIMS = "results/tables/claims.csv"
CLAIMS_HTML = "results/tables/claims.html"
LOG = "results/logs/{name}.log"
BENCH = "results/benchmarks/{name}.tsv"


def script_code(name, modules=()):
    """Rerun trigger for package edits: hash of the linrnn code scripts/<name>.py imports (plus
    the dotted `modules` it imports by name at run time, and what those import)."""
    return code_hash(workflow.source_path(f"../../scripts/{name}.py"), modules)


def experiment(name):
    return config["experiments"][name]


def pick(d, *keys):
    """A plain-dict slice of a config block (recorded as params and in provenance)."""
    return json.loads(json.dumps({k: d[k] for k in keys if k in d}))


# ------------------------------------------------------------------ config slices (params)


def teacher_slice(wildcards):
    return pick(experiment(wildcards.experiment), "n", "d", "o", "teacher")


def init_slice(wildcards):
    return pick(experiment(wildcards.experiment), "n", "d", "o", "init", "feedback")


def train_slice(wildcards):
    """options, training and the convergence criterion analysis.rel_loss (training ends a run
    there when training.stop.early is set)."""
    exp = experiment(wildcards.experiment)
    return {**pick(exp, "options", "training"), "rel_loss": exp["analysis"]["rel_loss"]}


def ode_slice(wildcards):
    return pick(experiment(wildcards.experiment), "options", "training", "hidden_basis")


def ode_reference_estimator(name):
    """The estimator whose run fixes the hidden basis the ODE is read in (expected first)."""
    estimators = experiment(name)["estimators"]
    return "expected" if "expected" in estimators else estimators[0]


def ode_run(wildcards):
    fields = dict(wildcards.items())
    fields["estimator"] = ode_reference_estimator(wildcards.experiment)
    return RUN.format(**fields)


def diagnostics_slice(wildcards):
    return pick(
        experiment(wildcards.experiment),
        "rules",
        "estimators",
        "seeds",
        "ode",
        "hidden_basis",
        "analysis",
    )


def figure_slice(name):
    cfg = json.loads(json.dumps(config["figures"][name]))
    if name == "locality_map":  # the cells' settings and rank threshold are the experiment's
        exp = experiment(cfg["experiment"])
        cfg["options"] = {key: exp["options"][key] for key in ("tau", "w_hat")}
        cfg["rank_rtol"] = exp["analysis"]["rank_rtol"]
    return cfg


# ------------------------------------------------------------------ experiment contents


def decoupling_slice(wildcards):
    """The experiment's rules with a data-aligned reduction (the decoupling check, claim C1)."""
    return {"rules": [r for r in experiment(wildcards.experiment)["rules"] if r in registered_ode_rules()]}


def ode_learners(name):
    """Rules with a per-mode ODE, when the experiment asks for it (aligned teacher only)."""
    exp = experiment(name)
    if not exp.get("ode") or exp["teacher"]["kind"] != "aligned":
        return []
    return [r for r in exp["rules"] if r in registered_ode_rules()]


def run_files(name):
    exp = experiment(name)
    return [
        RUN.format(experiment=name, learner=r, estimator=m, seed=s)
        for r in exp["rules"]
        for m in exp["estimators"]
        for s in exp["seeds"]
    ]


def ode_files(name):
    seeds = experiment(name)["seeds"]
    return [ODE.format(experiment=name, learner=r, seed=s) for r in ode_learners(name) for s in seeds]


def init_files(name):
    return [INIT.format(experiment=name, seed=s) for s in experiment(name)["seeds"]]


def diagnostics_inputs(wildcards):
    name = wildcards.experiment
    return {
        "teacher": TEACHER.format(experiment=name),
        "inits": init_files(name),
        "runs": run_files(name),
        "odes": ode_files(name),
    }


def table_files(name, tables=TABLES):
    return [TABLE.format(experiment=name, table=t) for t in tables]


def simulation_figures():
    """FIGURES plus the optional sequence-loss figure (config figures.sequence_loss)."""
    return FIGURES + tuple(f for f in OPTIONAL_FIGURES if f in config["figures"])


def figure_experiments(name):
    fig = config["figures"][name]
    names = [fig["experiment"]]
    if "reference" in fig and fig["reference"] not in names:
        names.append(fig["reference"])
    names += [e for e in fig.get("rank_experiments", []) if e not in names]
    return names


def figure_inputs(name):
    """Tables a figure reads (all tables of the experiments it shows)."""

    def inputs(wildcards):
        return [f for e in figure_experiments(name) for f in table_files(e)]

    return inputs


def claims_inputs(wildcards):
    """Tables of every figure's experiments, plus the theory tables (claims C3-C9) if present."""
    names = []
    for fig in simulation_figures():
        names += [e for e in figure_experiments(fig) if e not in names]
    inputs = {"tables": [f for e in names for f in table_files(e)]}
    inputs["tables"].append(DECOUPLING.format(experiment=config["figures"]["validation"]["experiment"]))
    if "THEORY_TABLE" in globals():
        inputs["theory"] = [THEORY_TABLE.format(name=t) for t in THEORY_TABLES]
    return inputs


def figure_targets():
    return [FIGURE.format(figure=f, ext=x) for f in simulation_figures() for x in ("pdf", "png")]


def all_targets():
    targets = list(figure_targets())
    for name in config["experiments"]:
        targets += table_files(name)
    targets += [CLAIMS, CLAIMS_HTML]
    if "theory_targets" in globals():
        targets += theory_targets()
    return targets


# ------------------------------------------------------------------ after a failed run


def table_readers():
    """(outputs, inputs) of every job that reads tables: the figures, claims.csv, claims.html."""
    readers = []
    for fig in simulation_figures():
        outputs = [FIGURE.format(figure=fig, ext=x) for x in ("pdf", "png", "meta.json")]
        readers.append((outputs, figure_inputs(fig)(None)))
    claims = claims_inputs(None)
    readers.append(([CLAIMS, "results/tables/claims.meta.json"], claims["tables"] + claims.get("theory", [])))
    readers.append(([CLAIMS_HTML], [CLAIMS]))
    return readers


def remove_stale_products():
    """Snakemake removes a failed job's outputs (e.g. an experiment's tables) but leaves the
    figures and claims made from them earlier; remove those too, so that nothing on disk looks
    current that the failed inputs no longer back (linrnn.pipeline.io.remove_stale)."""
    from linrnn.pipeline.io import remove_stale

    for path in remove_stale(table_readers()):
        print(f"removed stale {path} (an input of it failed or is missing)", file=sys.stderr)


# ------------------------------------------------------------------ seed blocks (train jobs)


def seed_blocks(name):
    """The experiment's seeds cut into blocks of config `seed_block` seeds, in config order
    (null: one block of all seeds). Adding seeds at the end leaves the earlier blocks as they
    are, so only the blocks that change are retrained."""
    seeds = [int(s) for s in experiment(name)["seeds"]]
    size = config.get("seed_block") or len(seeds)
    return [tuple(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def distinct_seed_blocks():
    return sorted({block for name in config["experiments"] for block in seed_blocks(name)})


def block_experiments(block):
    return [name for name in config["experiments"] if block in seed_blocks(name)]


def block_label(block):
    """seeds0to19 for a run of consecutive seeds, else seeds0_3_7."""
    if len(block) > 1 and list(block) == list(range(block[0], block[-1] + 1)):
        return f"seeds{block[0]}to{block[-1]}"
    return "seeds" + "_".join(map(str, block))


def train_rule_name(block):
    return f"train_rnn_{block_label(block)}"
