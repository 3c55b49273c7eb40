"""Registry of learning rules. Adding a rule: one module defining RULE, one line below.

The paper's four rules have their own modules; the other cells of the locality map
(docs/locality.md) are compositions of a spatial and a temporal credit (`rules.credit`).
"""

from __future__ import annotations

from linrnn.core.rules import bptt, credit, eprop, rflo, tbptt
from linrnn.core.rules.base import Rule, RuleOptions

PAPER_RULES = (bptt.RULE, tbptt.RULE, rflo.RULE, eprop.RULE)
MAP_RULES = tuple(credit.compose(credit.CELLS_BY_NAME[name]) for name in ("fa_bptt", "fa_tbptt", "rflo_a", "snap1"))
RULES: dict[str, Rule] = {r.name: r for r in PAPER_RULES + MAP_RULES}


def get_rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unknown rule {name!r}; valid rules: {sorted(RULES)}") from None


__all__ = ["RULES", "Rule", "RuleOptions", "get_rule"]
