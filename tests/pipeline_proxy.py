"""Run every job of the pipeline in-process, without Snakemake: a cheap, faithful stand-in for
`snakemake --cores 1` used by the property-based config tests.

Faithful: the job list, file paths and per-job config slices come from the workflow's own helper
functions (workflow/rules/common.smk and theory_common.smk, executed here with this config),
each job runs its real script's ``main(smk)`` on a mock ``snakemake`` object, and the config is
filled with the schema defaults exactly as the Snakefile does. Cheap: training is cut to a few
steps (``max_steps``) and figures are built but not rendered (``save_figure`` writes a stub).
``RULES`` mirrors the rule definitions of workflow/rules/*.smk; ``test_proxy_plans_the_jobs_
snakemake_plans`` keeps the two equal.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import importlib.util
import pkgutil
import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Named(list):
    """A list whose items can also be reached by name (Snakemake's Namedlist, minimal)."""

    def __init__(self, items=(), names=None):
        super().__init__(items)
        self._names = dict(names or {})

    def __getattr__(self, name):
        try:
            return self._names[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name, default=None):
        return self._names.get(name, default)

    def items(self):
        return self._names.items()

    def keys(self):
        return self._names.keys()

    def __getitem__(self, key):
        if isinstance(key, str):
            return self._names[key]
        return super().__getitem__(key)


def named(mapping: dict) -> Named:
    flat = []
    for value in mapping.values():
        flat += value if isinstance(value, list) else [value]
    return Named(flat, mapping)


class Job:
    def __init__(self, rule, script, wildcards, inputs, outputs, params, log):
        self.rule = rule
        self.script = script
        self.wildcards = Named(names=wildcards)
        self.input = (
            inputs if isinstance(inputs, Named) else named(inputs) if isinstance(inputs, dict) else Named(inputs)
        )
        self.output = named(outputs) if isinstance(outputs, dict) else Named(outputs)
        self.params = Named(names=params)
        self.log = Named([log])

    def __repr__(self) -> str:
        return f"Job({self.rule}: {', '.join(map(str, self.output))})"


class _Workflow:
    """The few `workflow` attributes the helper files use."""

    def __init__(self, root: Path):
        self.basedir = str(root)
        # snakemake.utils.validate skips when asked: the config was validated (and filled) before
        self.modifier = type("Modifier", (), {"skip_validation": True})()

    def source_path(self, rel):
        return str(ROOT / "workflow/rules" / rel)


def workflow_namespace(config: dict) -> dict:
    """Globals of common.smk (+ theory_common.smk) evaluated with ``config``."""
    from linrnn.core.rules import RULES, ode_rules

    # the names the Snakefile defines before it includes the helper files
    ns = {"config": config, "workflow": _Workflow(ROOT), "__name__": "common_smk"}
    ns.update(RULES=RULES, registered_ode_rules=ode_rules)
    for name in ("common.smk", "theory_common.smk"):
        path = ROOT / "workflow/rules" / name
        if path.exists():
            source = path.read_text()
            exec(compile(source, str(path), "exec"), ns)
    ns["script_code"] = lambda name: ""
    return ns


def filled(config: dict) -> dict:
    """The config as the Snakefile sees it: schema defaults filled in (snakemake.utils.validate)."""
    from snakemake.utils import validate

    config = copy.deepcopy(config)
    validate(config, str(ROOT / "workflow/schemas/config.schema.yaml"))
    config.setdefault("theory", {})
    validate(config["theory"], str(ROOT / "workflow/schemas/theory.schema.yaml"))
    return config


def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+?)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


def wildcards_of(template: str, path: str) -> dict:
    m = _pattern(template).match(path)
    if not m:
        raise ValueError(f"{path} does not match {template}")
    return m.groupdict()


class _WC(dict):
    """Wildcards as the helper functions receive them (attributes + items())."""

    __getattr__ = dict.__getitem__


def plan(config: dict) -> list[Job]:
    """Every job of `rule all`, in an order where inputs come first."""
    ns = workflow_namespace(config)
    jobs: list[Job] = []
    for name in config["experiments"]:
        wc = _WC(experiment=name)
        jobs.append(
            Job(
                "make_teacher",
                "make_teacher",
                dict(wc),
                {},
                [ns["TEACHER"].format(**wc)],
                {"cfg": ns["teacher_slice"](wc), "base_seed": config["base_seed"], "code": ""},
                ns["LOG"].format(name=f"make_teacher/{name}"),
            )
        )
        for path in ns["init_files"](name):
            w = _WC(wildcards_of(ns["INIT"], path))
            jobs.append(
                Job(
                    "make_init",
                    "make_init",
                    dict(w),
                    {"teacher": ns["TEACHER"].format(**w)},
                    [path],
                    {"cfg": ns["init_slice"](w), "base_seed": config["base_seed"], "code": ""},
                    ns["LOG"].format(name=f"make_init/{path}"),
                )
            )
        exp = config["experiments"][name]
        for learner in exp["rules"]:
            for estimator in exp["estimators"]:
                for block in ns["seed_blocks"](name):
                    w = _WC({"experiment": name, "learner": learner, "estimator": estimator})
                    runs = [ns["RUN"].format(**w, seed=s) for s in block]
                    label = ns["block_label"](block)
                    jobs.append(
                        Job(
                            ns["train_rule_name"](block),
                            "train_rnn",
                            dict(w),
                            {
                                "teacher": ns["TEACHER"].format(**w),
                                "inits": [ns["INIT"].format(experiment=name, seed=s) for s in block],
                            },
                            runs,
                            {
                                "cfg": ns["train_slice"](w),
                                "base_seed": config["base_seed"],
                                "code": "",
                                "seeds": list(block),
                            },
                            ns["LOG"].format(name=f"train_rnn/{name}/{learner}/{estimator}/{label}"),
                        )
                    )
        for path in ns["ode_files"](name):
            w = _WC(wildcards_of(ns["ODE"], path))
            jobs.append(
                Job(
                    "integrate_ode",
                    "integrate_ode",
                    dict(w),
                    {"teacher": ns["TEACHER"].format(**w), "init": ns["INIT"].format(**w), "run": ns["ode_run"](w)},
                    [path],
                    {"cfg": ns["ode_slice"](w), "code": ""},
                    ns["LOG"].format(name=f"integrate_ode/{path}"),
                )
            )
        outputs = {t: ns["TABLE"].format(experiment=name, table=t) for t in ns["TABLES"]}
        outputs.update({f"{t}_meta": ns["TABLE_META"].format(experiment=name, table=t) for t in ns["TABLES"]})
        jobs.append(
            Job(
                "diagnostics",
                "diagnostics",
                dict(wc),
                ns["diagnostics_inputs"](wc),
                outputs,
                {"cfg": ns["diagnostics_slice"](wc), "code": ""},
                ns["LOG"].format(name=f"diagnostics/{name}"),
            )
        )
    for fig in ns["simulation_figures"]():
        outputs = {x: ns["FIGURE"].format(figure=fig, ext=x) for x in ("pdf", "png", "meta.json")}
        outputs["meta"] = outputs.pop("meta.json")
        jobs.append(
            Job(
                f"figure_{fig}",
                f"figure_{fig}",
                {},
                ns["figure_inputs"](fig)(_WC()),
                outputs,
                {"cfg": ns["figure_slice"](fig), "code": ""},
                ns["LOG"].format(name=f"figures/{fig}"),
            )
        )
    if "theory_targets" in ns:
        for table in ns["THEORY_TABLES"]:
            csv = ns["THEORY_TABLE"].format(name=table)
            jobs.append(
                Job(
                    f"theory_table_{table}",
                    f"theory_table_{table}",
                    {},
                    [],
                    {"csv": csv, "meta": csv.replace(".csv", ".meta.json")},
                    {"cfg": ns["theory_slice"](f"table_{table}"), "code": ""},
                    ns["LOG"].format(name=f"theory/table_{table}"),
                )
            )
        for fig in ns["THEORY_FIGURES"]:  # theory.smk generates one rule per entry
            outputs = {x: ns["FIGURE"].format(figure=f"theory_{fig}", ext=x) for x in ("pdf", "png", "meta.json")}
            outputs["meta"] = outputs.pop("meta.json")
            jobs.append(
                Job(
                    f"theory_figure_{fig}",
                    "theory_figure",
                    {},
                    [],
                    outputs,
                    {"cfg": ns["theory_slice"](f"figure_{fig}"), "figure": fig, "code": ""},
                    ns["LOG"].format(name=f"theory/figure_{fig}"),
                )
            )
    val = _WC({"experiment": config["figures"]["validation"]["experiment"]})
    decoupling = ns["DECOUPLING"].format(**val)
    jobs.append(
        Job(
            "decoupling",
            "decoupling",
            dict(val),
            {"teacher": ns["TEACHER"].format(**val)},
            {"csv": decoupling, "meta": decoupling.replace(".csv", ".meta.json")},
            {"cfg": ns["decoupling_slice"](val), "code": ""},
            ns["LOG"].format(name=f"decoupling/{val.experiment}"),
        )
    )
    claims_params = {"cfg": {f: ns["figure_slice"](f) for f in ns["simulation_figures"]()}, "code": ""}
    jobs.append(
        Job(
            "claims",
            "claims",
            {},
            ns["claims_inputs"](_WC()),
            {"csv": ns["CLAIMS"], "meta": "results/tables/claims.meta.json"},
            claims_params,
            ns["LOG"].format(name="claims"),
        )
    )
    if "CLAIMS_HTML" in ns:
        jobs.append(
            Job(
                "claims_html",
                "claims_html",
                {},
                {"csv": ns["CLAIMS"]},
                {"html": ns["CLAIMS_HTML"]},
                {"code": ""},
                ns["LOG"].format(name="claims_html"),
            )
        )
    return jobs


def _script(name: str):
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_proxy_script_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stub_save(fig, paths) -> None:
    import matplotlib.pyplot as plt

    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(b"figure built, not rendered (tests/pipeline_proxy.py)")
    plt.close(fig)


@contextlib.contextmanager
def _no_rendering() -> Iterator[None]:
    """Figures are built (every data path runs) but not rasterised: save_figure writes a stub."""
    patched = []
    for name, module in list(sys.modules.items()):
        if name.startswith("linrnn") and hasattr(module, "save_figure"):
            patched.append((module, module.save_figure))
            module.save_figure = _stub_save
    try:
        yield
    finally:
        for module, original in patched:
            module.save_figure = original


def short(config: dict, max_steps: int) -> dict:
    """The config with every experiment's training cut to at most ``max_steps`` steps."""
    config = copy.deepcopy(config)
    for exp in config["experiments"].values():
        exp["training"]["steps"] = min(exp["training"]["steps"], max_steps)
    return config


def run(config: dict, workdir: Path, *, max_steps: int = 4, baseline: tuple | None = None) -> list[Job]:
    """Run the jobs of ``config`` (already checked) in ``workdir``; returns the jobs run.

    ``baseline = (jobs, results_dir)`` of an earlier run: its results are copied first and only
    the jobs whose parameters changed (or whose inputs were remade) run again, as Snakemake's
    params rerun trigger does.
    """
    import os
    import shutil

    import linrnn.figures

    for info in pkgutil.iter_modules(linrnn.figures.__path__):  # imported so save_figure is patched
        importlib.import_module(f"linrnn.figures.{info.name}")

    config = short(filled(config), max_steps)
    jobs = plan(config)
    if baseline is not None:
        before = {tuple(j.output): dict(j.params.items()) for j in baseline[0]}
        shutil.copytree(baseline[1] / "results", workdir / "results", dirs_exist_ok=True)
        remade: set[str] = set()
        todo = []
        for job in jobs:
            if before.get(tuple(job.output)) != dict(job.params.items()) or remade & set(map(str, job.input)):
                todo.append(job)
                remade |= set(map(str, job.output))
        jobs = todo
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        # warnings as a script job sees them (printed, not raised as under pytest's -W error)
        with _no_rendering(), warnings.catch_warnings():
            warnings.simplefilter("default")
            scripts = {}
            for job in jobs:
                if job.script not in scripts:
                    scripts[job.script] = _script(job.script)
                scripts[job.script].main(job)
    finally:
        os.chdir(cwd)
    return jobs
