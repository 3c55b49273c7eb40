"""Check a pipeline config before any job runs, with messages that name the key and the fix.

Two layers: the JSON Schema (workflow/schemas/config.schema.yaml, 2020-12), whose errors are
rewritten as "<key path>: <problem>. Fix: <what the schema allows>", and the checks a schema
cannot express: the number of teacher modes (k ≤ min(n, d, o), SPEC §1.2), feedback mode values
(≤ k), aligned-student mode counts, and figures that reference experiments. Rule names are not
written in the schema: ``registry_schema`` fills the registry's names (linrnn.core.rules) in as
the enums of ``$defs.rule`` and ``$defs.ode_rule``, so a newly registered rule is accepted with no
schema edit, and the ``theory.rules`` list is checked against the rules with a per-mode ODE.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from linrnn.core.rules import RULES, ode_rules


class ConfigError(ValueError):
    """An invalid configuration; the message lists every problem found, one per line."""


def _path(parts) -> str:
    return ".".join(str(p) for p in parts) or "(top level)"


def _allowed(schema: Mapping) -> str:
    """What a schema node accepts, in words (for the 'Fix:' part)."""
    bits = []
    if "type" in schema:
        bits.append(
            f"a {schema['type']}" if isinstance(schema["type"], str) else "one of types " + "/".join(schema["type"])
        )
    if "enum" in schema:
        bits.append("one of " + ", ".join(repr(v) for v in schema["enum"]))
    for key, word in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in schema:
            bits.append(f"{word} {schema[key]}")
    if "minItems" in schema:
        bits.append(f"with at least {schema['minItems']} item(s)")
    text = ", ".join(bits) or "a value the schema accepts"
    if "description" in schema:
        text += f" ({' '.join(str(schema['description']).split())})"
    return text


def _schema_message(err: ValidationError) -> str:
    where = _path(err.absolute_path)
    if err.validator == "additionalProperties":
        known = sorted(err.schema.get("properties", {}))
        instance = err.instance if isinstance(err.instance, dict) else {}
        extra = [k for k in instance if k not in known]
        hints = []
        for key in extra:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(known)}"
            hints.append(f"{where}.{key}: unknown key. Fix: remove it or rename it ({hint})")
        return "\n".join(hints)
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        sub = err.schema.get("properties", {}).get(missing, {})
        return f"{where}.{missing}: required key is missing. Fix: add it, {_allowed(sub)}"
    if err.validator == "pattern" and err.validator_value and err.path == err.relative_path:
        return f"{where}: {err.message}. Fix: use a name matching {err.validator_value}"
    return f"{where}: {err.message}. Fix: set it to {_allowed(err.schema)}"


def registry_schema(schema: Mapping) -> dict:
    """A copy of the config schema with the registry's rule names as the enums of
    ``$defs.rule`` (every rule) and ``$defs.ode_rule`` (rules with a per-mode ODE)."""
    out = dict(schema)
    defs = {k: dict(v) for k, v in schema.get("$defs", {}).items()}
    if "rule" in defs:
        defs["rule"]["enum"] = list(RULES)
    if "ode_rule" in defs:
        defs["ode_rule"]["enum"] = list(ode_rules())
    out["$defs"] = defs
    return out


def schema_problems(config: Mapping, schema: Mapping) -> list[str]:
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    return [_schema_message(e) for e in errors]


def _mode_count(values) -> int:
    return len(values) if isinstance(values, list) else 1


def _referenced_experiments(node, where=("figures",)) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "experiment" and isinstance(value, str):
                yield _path((*where, key)), value
            elif key == "experiments" and isinstance(value, list):
                for i, name in enumerate(value):
                    if isinstance(name, str):
                        yield _path((*where, key, i)), name
            else:
                yield from _referenced_experiments(value, (*where, key))


def semantic_problems(config: Mapping) -> list[str]:
    """Cross-key checks (run only on a config that passed the schema)."""
    problems = []
    experiments = config.get("experiments", {})
    for name, exp in experiments.items():
        where = f"experiments.{name}"
        n, d, o = exp["n"], exp["d"], exp["o"]
        teacher, init, feedback = exp["teacher"], exp["init"], exp.get("feedback", {})
        bad_w = [w for w in teacher["w_star"] if abs(w) >= 1]
        if bad_w:
            problems.append(
                f"{where}.teacher.w_star: {bad_w} has |w*| ≥ 1, an unstable teacher (the T→∞"
                " limit needs |w*| < 1, SPEC §1.3). Fix: use values in the open interval (-1, 1)"
            )
        if teacher.get("kind") == "aligned":
            k = _mode_count(teacher["a_star"])
            if k > min(n, d, o):
                problems.append(
                    f"{where}.teacher.a_star: {k} teacher modes but min(n, d, o) = {min(n, d, o)}."
                    f" Fix: list at most {min(n, d, o)} mode values or raise n, d and o"
                )
            for key in ("b_star", "w_star"):
                if _mode_count(teacher[key]) != k:
                    problems.append(
                        f"{where}.teacher.{key}: {_mode_count(teacher[key])} values but a_star has"
                        f" {k}. Fix: give one value per teacher mode"
                    )
            if feedback.get("kind") == "aligned" and _mode_count(feedback.get("a_hat", [])) > k:
                problems.append(
                    f"{where}.feedback.a_hat: more feedback mode values than the {k} teacher modes."
                    f" Fix: list at most {k} values"
                )
            if init.get("kind") == "aligned":
                for key in ("a", "b", "w"):
                    if _mode_count(init.get(key, [])) > k:
                        problems.append(
                            f"{where}.init.{key}: more mode values than the {k} teacher modes."
                            f" Fix: list at most {k} values"
                        )
        elif feedback.get("kind") == "aligned" or init.get("kind") == "aligned":
            problems.append(
                f"{where}.teacher.kind: an aligned student or feedback needs an aligned teacher."
                " Fix: set teacher.kind: aligned, or init.kind/feedback.kind: random"
            )
    theory_rules = config.get("theory", {}).get("rules", [])
    for i, rule in enumerate(theory_rules if isinstance(theory_rules, list) else []):
        if rule not in ode_rules():
            problems.append(
                f"theory.rules.{i}: '{rule}' is not a registered rule with a per-mode ODE."
                f" Fix: use one of {', '.join(ode_rules())}"
            )
    for where, name in _referenced_experiments(config.get("figures", {})):
        if name not in experiments:
            close = difflib.get_close_matches(name, list(experiments), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"defined: {', '.join(experiments)}"
            problems.append(f"{where}: unknown experiment '{name}'. Fix: name a key of experiments ({hint})")
    return problems


def check_config(config: Mapping, schema_path: str | Path) -> None:
    """Raise ConfigError listing every problem; return None for a valid config."""
    # libyaml when available: the schema is read on every Snakemake start (rerun latency)
    schema = yaml.load(Path(schema_path).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    schema = registry_schema(schema)
    problems = schema_problems(config, schema)
    if not problems:
        problems = semantic_problems(config)
    if problems:
        raise ConfigError("invalid configuration (nothing was run):\n  " + "\n  ".join(problems))
