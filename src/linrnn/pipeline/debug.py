"""Run one job of the workflow outside Snakemake, for debugging (the mock-``snakemake`` pattern).

From the repository root::

    python -m linrnn.pipeline.debug train_rnn_seeds0 experiment=validation learner=rflo estimator=sampled \\
        --configfile config/test.yaml

builds that one job as Snakemake itself would (Snakemake's API with ``--target-jobs``: the
workflow is loaded with the same config, checks and input functions, so input, output, params,
wildcards, log and resources are the job's own), then runs the rule's script in *this* Python
process with a ``snakemake`` object holding them. Breakpoints, ``print`` and
``python -m pdb -m linrnn.pipeline.debug ...`` work; the job's inputs must exist (run Snakemake
up to them first, e.g. ``snakemake --cores 2 <input file>``) and its outputs are written where
Snakemake would write them. In Python or IPython::

    from linrnn.pipeline.debug import mock_snakemake, run_job
    smk = mock_snakemake("train_rnn_seeds0", configfile="config/test.yaml", experiment="validation",
                         learner="rflo", estimator="sampled")   # the training job of the block of seed 0
    smk.input, smk.params.cfg          # look at what the script will get
    run_job("train_rnn_seeds0", configfile="config/test.yaml", ...)   # or run it

Same idea as PyPSA-Eur's ``scripts/_helpers.py: mock_snakemake``. It uses two private methods of
``snakemake.workflow.Workflow`` (``_prepare_dag``, ``_build_dag``; Snakemake 9 is pinned);
tests/test_debug_job.py runs one job this way and compares its output with Snakemake's, byte for
byte.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository (Snakefile, scripts/, config/)


def _job(rule: str, configfiles, wildcards: dict[str, str], workdir: Path):
    """The Snakemake Job `rule` with `wildcards`, built by Snakemake from the workflow in `workdir`."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings
    from snakemake.target_jobs import TargetSpec

    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=[Path(f).resolve() for f in configfiles]),
            snakefile=workdir / "Snakefile",
            workdir=workdir,
        )
        names = {r.name for r in workflow_api._workflow.rules}
        if rule not in names:
            raise SystemExit(f"unknown rule {rule!r}; rules of this workflow: {', '.join(sorted(names))}")
        dag_api = workflow_api.dag(DAGSettings(target_jobs=[TargetSpec(rule, dict(wildcards))]))
        workflow = dag_api.workflow_api._workflow
        workflow._prepare_dag(forceall=False, ignore_incomplete=True, lock_warn_only=True, nolock=True)
        workflow._build_dag()
        (job,) = [j for j in workflow.dag.targetjobs if j.rule.name == rule]
        script = Path(job.rule.basedir.get_path_or_uri(secret_free=True)) / job.rule.script
        return job, script.resolve(), workflow.config


def mock_snakemake(rule: str, *, configfile=None, workdir=ROOT, **wildcards):
    """The ``snakemake`` object Snakemake would pass to the script of one job (see module docstring).

    `configfile`: a path or a list of paths (None: the workflow's default, config/config.yaml);
    `wildcards`: every wildcard of the rule, as strings. The object's ``script`` attribute is the
    path of the rule's script.
    """
    from snakemake.iocontainers import Snakemake

    configfiles = [] if configfile is None else [configfile] if isinstance(configfile, str | Path) else configfile
    workdir = Path(workdir).resolve()
    job, script, config = _job(rule, configfiles, {k: str(v) for k, v in wildcards.items()}, workdir)
    smk = Snakemake(
        job.input,
        job.output,
        job.params,
        job.wildcards,
        job.threads,
        job.resources,
        job.log,
        config,
        job.rule.name,
        None,
        scriptdir=str(script.parent),
    )
    smk.script = str(script)
    return smk


def run_job(rule: str, *, configfile=None, workdir=ROOT, **wildcards):
    """Run the script of one job in this process (in `workdir`, as Snakemake does); returns its object."""
    workdir = Path(workdir).resolve()
    smk = mock_snakemake(rule, configfile=configfile, workdir=workdir, **wildcards)
    missing = [f for f in smk.input if not (workdir / f).exists()]
    if missing:
        raise SystemExit(f"{rule}: missing inputs (run snakemake up to them first): {', '.join(missing)}")
    previous = Path.cwd()
    os.chdir(workdir)
    try:
        for path in [*smk.output, *smk.log]:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        runpy.run_path(smk.script, init_globals={"snakemake": smk}, run_name="__main__")
    finally:
        os.chdir(previous)
    return smk


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m linrnn.pipeline.debug",
        description="Run the script of one workflow job outside Snakemake (for debugging).",
    )
    parser.add_argument("rule", help="rule name, e.g. train_rnn_seeds0 (training of the seed block (0,))")
    parser.add_argument("wildcards", nargs="*", metavar="NAME=VALUE", help="every wildcard of the rule")
    parser.add_argument("--configfile", action="append", help="as for snakemake (default: config/config.yaml)")
    parser.add_argument("--directory", default=str(ROOT), help="the workflow's directory (default: this repository)")
    parser.add_argument("--show", action="store_true", help="print the job's input, output, params and exit")
    args = parser.parse_args(argv)
    wildcards = {}
    for item in args.wildcards:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"wildcard {item!r}: write NAME=VALUE")
        wildcards[name] = value
    kw = dict(configfile=args.configfile, workdir=args.directory, **wildcards)
    if args.show:
        smk = mock_snakemake(args.rule, **kw)
        for name in ("input", "output", "log"):
            print(f"{name}: {list(getattr(smk, name))}")
        print(f"params: {dict(smk.params.items())}")
        print(f"script: {smk.script}")
        return
    smk = run_job(args.rule, **kw)
    print(f"{args.rule}: wrote {', '.join(smk.output)} (log: {', '.join(smk.log)})", file=sys.stderr)


if __name__ == "__main__":
    main()
