"""The registry of learning rules: the one place that knows which rules exist.

Adding a rule: one module defining ``RULE`` (a ``linrnn.core.rules.base.Rule``) and one line in
``RULES`` below. Training, the per-mode ODEs, theory, figures, claims, the config checks and the
Snakefile's wildcard constraints all read this dict; tests/test_registry.py runs the generic
checks over every entry. Every rule is a cell of the locality map (docs/locality.md), a
composition of a spatial and a temporal credit (``rules.credit.compose``); the paper's four rules
have their own modules, which add their names' options and hand-derived per-mode ODEs.
"""

from __future__ import annotations

from linrnn.core.rules import bptt, credit, eprop, rflo, tbptt
from linrnn.core.rules.base import ModeDynamics, Rule, RuleOptions

PAPER_RULES = (bptt.RULE, tbptt.RULE, rflo.RULE, eprop.RULE)
MAP_RULES = (
    *(credit.compose(credit.CELLS_BY_NAME[name]) for name in ("fa_bptt", "fa_tbptt", "rflo_a")),
    eprop.SYMMETRIC,  # snap1, also e-prop with eprop_feedback: symmetric
)
RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        *PAPER_RULES,
        *MAP_RULES,
    )
}


def get_rule(name: str) -> Rule:
    """The registered rule called ``name`` (ValueError naming the valid rules otherwise)."""
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unknown rule {name!r}; valid rules: {sorted(RULES)}") from None


def ode_rules() -> dict[str, Rule]:
    """The registered rules with a per-mode ODE (data-aligned reduction), in registry order."""
    return {name: rule for name, rule in RULES.items() if rule.has_ode}


__all__ = ["RULES", "ModeDynamics", "Rule", "RuleOptions", "get_rule", "ode_rules"]
