# Reproduction pipeline for Williams, Payeur & Lajoie (ICML 2026).
#   snakemake --cores 2                          # the paper (config/config.yaml)
#   snakemake --cores 2 --configfile config/test.yaml   # tiny CI version
#   snakemake --report results/report.html       # HTML report after a run
# Layout and conventions: docs/pipeline.md. The top level stays cheap: no simulation here.
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

from linrnn.core.rules import RULES, ode_rules as registered_ode_rules
from linrnn.pipeline.config_check import check_config, check_files

min_version("9.0")


# The paper config is the default; `--configfile X` replaces it (instead of being merged into it,
# which would leave the paper's experiments in a test run). Snakemake parses --configfile files
# itself before this file runs; the default one is read here first, so that a YAML error in it
# names the file and the line (docs/config_checks.md).
CONFIG_FILES = [str(f) for f in workflow.config_settings.configfiles]
if not CONFIG_FILES:
    CONFIG_FILES = ["config/config.yaml"]
    check_files(CONFIG_FILES, syntax_only=True)

    configfile: "config/config.yaml"


# Every check before any job (main and theory block, all problems at once, each naming its key,
# file:line and the fix); warnings (e.g. work that would run for days) are printed.
for warning in check_config(
    config,
    workflow.source_path("workflow/schemas/config.schema.yaml"),
    workflow.source_path("workflow/schemas/theory.schema.yaml"),
    sources=CONFIG_FILES,
):
    print(f"linrnn config warning: {warning}", file=sys.stderr)
validate(config, "workflow/schemas/config.schema.yaml")  # fills in the schema defaults


include: "workflow/rules/common.smk"


wildcard_constraints:
    experiment="[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*",
    learner="|".join(RULES),
    estimator="expected|sampled",
    seed="[0-9]+",


include: "workflow/rules/data.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/diagnostics.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


if Path(workflow.basedir, "workflow/rules/theory.smk").exists():

    include: "workflow/rules/theory.smk"


report: "workflow/report/workflow.rst"


# A failed job's outputs are removed by Snakemake; the figures and claims made from them in an
# earlier run are removed here, so that no stale product looks current.
onerror:
    remove_stale_products()


rule all:
    default_target: True
    input:
        all_targets(),
