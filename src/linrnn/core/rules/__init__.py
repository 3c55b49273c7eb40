"""Registry of learning rules. Adding a rule: one module defining RULE, one line below."""

from __future__ import annotations

from linrnn.core.rules import bptt, eprop, rflo, tbptt
from linrnn.core.rules.base import Rule, RuleOptions

RULES: dict[str, Rule] = {r.name: r for r in (bptt.RULE, tbptt.RULE, rflo.RULE, eprop.RULE)}


def get_rule(name: str) -> Rule:
    try:
        return RULES[name]
    except KeyError:
        raise ValueError(f"unknown rule {name!r}; valid rules: {sorted(RULES)}") from None


__all__ = ["RULES", "Rule", "RuleOptions", "get_rule"]
