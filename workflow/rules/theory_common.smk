# Helpers of workflow/rules/theory.smk: validation of the `theory:` config block, output paths,
# per-job config slices and theory_targets() (used by `rule all` via common.smk all_targets()).
from snakemake.utils import validate

config.setdefault("theory", {})


validate(config["theory"], "../schemas/theory.schema.yaml")


THEORY_TABLES = ("rates", "fixed_points", "convergence")
THEORY_FIGURES = ("manifolds", "vector_fields", "rates", "detour", "stability")
THEORY_TABLE = "results/tables/theory_{name}.csv"


THEORY_KEYS = {
    "table_rates": ("rules", "table_rules", "rates"),
    "table_fixed_points": ("rules", "table_rules", "rates", "fixed_points"),
    "table_convergence": ("rules", "tau", "convergence"),
    "figure_manifolds": ("rules", "tau", "a_hat", "w_hat", "teacher", "manifolds"),
    "figure_vector_fields": ("rules", "tau", "a_hat", "w_hat", "teacher", "vector_fields"),
    "figure_rates": ("rules", "tau", "a_hat", "w_hat", "rate_figure"),
    "figure_detour": ("rules", "tau", "a_hat", "w_hat", "detour"),
    "figure_stability": ("rules", "tau", "a_hat", "w_hat", "stability_map"),
}


def theory_slice(job):
    """The part of the validated theory block a job reads (recorded as params: editing it
    reruns only the jobs that use it)."""
    return pick(config["theory"], *THEORY_KEYS[job])


def theory_targets():
    """Final outputs of this file (tables + their sidecars + figures), for `rule all`."""
    tables = [THEORY_TABLE.format(name=t) for t in THEORY_TABLES]
    figures = [FIGURE.format(figure=f"theory_{f}", ext=x) for f in THEORY_FIGURES for x in ("pdf", "png")]
    return tables + figures
