"""Check a pipeline config before any job runs: every problem at once, each naming its key.

Every message has one form, ``<key path> [(file:line)]: <problem>. Fix: <what to do>``, and the
check runs in four layers, all of them on every call so that one run lists every mistake:

1. **YAML source** (``sources``): the config files are re-read with a loader that reports syntax
   errors with file, line and column, rejects duplicate keys (plain YAML keeps the last one
   silently) and records the line of every key, which is then added to the messages.
2. **Schema** (JSON Schema 2020-12, ``workflow/schemas/config.schema.yaml`` and, for the
   ``theory:`` block, ``theory.schema.yaml``) with two corrections JSON Schema lacks: a number
   must be finite (``minimum``/``maximum`` are false for NaN and ``inf`` satisfies ``> 0``), and
   an integer must be written as one (JSON Schema counts ``8.0`` as an integer; numpy and
   Snakemake's paths do not).
3. **Cross-key checks**, on a copy with the schema defaults filled in, for every part whose
   schema layer passed: mode counts against the dimensions (k ≤ min(n, d, o)), one value
   per mode, kind-dependent keys (present when their kind needs them, absent when it ignores
   them), loss against sequence length, and every reference from ``figures:``
   into ``experiments:`` — the experiment exists and trains what the figure reads (seed, rules,
   estimator, aligned teacher with ODEs, loss kind, enough non-zero teacher modes).
   Rule names are not written in the schemas: ``registry_schema`` fills the registry's names
   (linrnn.core.rules) in as the enums of ``$defs.rule`` and ``$defs.ode_rule``, and
   ``theory.rules`` and ``theory.table_rules`` are checked against the rules with a per-mode ODE.
4. **Cost**: an estimate of the CPU time of all training jobs; a config that would run for days
   gets a warning (returned, and printed by the Snakefile) naming the experiment and its cost.

``python -m linrnn.pipeline.config_check FILE [FILE ...]`` runs the same check outside Snakemake (files
merged key by key, later files winning, as ``--configfile`` does).
"""

from __future__ import annotations

import copy
import difflib
import math
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from linrnn.core.rules import RULES, ode_rules

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT / "workflow/schemas/config.schema.yaml"
THEORY_SCHEMA = ROOT / "workflow/schemas/theory.schema.yaml"

# Warn when the training jobs of a config would take longer than this on one core.
LONG_RUN_SECONDS = 24 * 3600.0
# Refuse a job whose estimated memory exceeds this (stated limit; the machine has ~24 GB).
MEMORY_LIMIT_BYTES = 8 * 2**30


class ConfigError(ValueError):
    """An invalid configuration; the message lists every problem found, one per line."""


# --------------------------------------------------------------------------- the registry


def registered_rules() -> dict[str, bool]:
    """{rule name: has a per-mode ODE} from the learning-rule registry (never a fixed list)."""
    return {name: rule.has_ode for name, rule in RULES.items()}


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


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Problem:
    """One problem: the key path it is about, what is wrong, and how to fix it."""

    path: tuple
    problem: str
    fix: str
    place: str = ""  # "file:line:column" where no key path applies (a YAML syntax error)

    def text(self, lines: Mapping[tuple, str] | None = None) -> str:
        if self.place:
            return f"{self.place}: {self.problem}. Fix: {self.fix}"
        where = _path(self.path)
        loc = _location(self.path, lines or {})
        return f"{where}{f' ({loc})' if loc else ''}: {self.problem}. Fix: {self.fix}"


def _path(parts) -> str:
    return ".".join(str(p) for p in parts) or "(top level)"


def _location(path: tuple, lines: Mapping[tuple, str]) -> str:
    """file:line of the deepest prefix of ``path`` that a config file defines."""
    for cut in range(len(path), 0, -1):
        key = tuple(str(p) for p in path[:cut])
        if key in lines:
            return lines[key]
    return ""


# --------------------------------------------------------------------------- YAML sources


class _Loader(yaml.SafeLoader):
    """SafeLoader (what Snakemake reads config files with) that notes where each node is."""


def _key_lines(node, path, fname, lines, problems) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        (*path, key),
                        f"key given twice ({fname} lines {seen[key]} and {line}); YAML would keep the second silently",
                        "keep one of them (rename the other if both are meant)",
                    )
                )
            seen[key] = line
            lines[(*path, key)] = f"{fname}:{line}"
            _key_lines(value_node, (*path, key), fname, lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, str(i))] = f"{fname}:{item.start_mark.line + 1}"
            _key_lines(item, (*path, str(i)), fname, lines, problems)


def read_sources(paths: Sequence) -> tuple[dict, dict[tuple, str], list[Problem]]:
    """Merged config of ``paths`` (later files win key by key), ``{key path: "file:line"}`` and
    the problems found in the files themselves (syntax errors, duplicate keys, not a mapping)."""
    merged: dict = {}
    lines: dict[tuple, str] = {}
    problems: list[Problem] = []
    for path in map(Path, paths):
        fname = str(path)
        try:
            text = path.read_text(encoding="utf-8")
            node = yaml.compose(text, Loader=_Loader)
            data = yaml.load(text, Loader=_Loader)
        except OSError as err:
            problems.append(Problem((), f"cannot be read ({err.strerror})", "check the path", place=fname))
            continue
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
            loc = f"{fname}:{mark.line + 1}:{mark.column + 1}" if mark else fname
            what = " ".join(str(getattr(err, "problem", None) or err).split())
            context = getattr(err, "context", None)
            what = f"{context}: {what}" if context else what
            problems.append(
                Problem(
                    (),
                    f"YAML syntax error ({what})",
                    "correct the YAML there (indent with spaces only, close every bracket and quote)",
                    place=loc,
                )
            )
            continue
        if data is None:
            data = {}
        if not isinstance(data, dict):
            problems.append(Problem((), "not a mapping of keys", "start the file with `key: value` lines", place=fname))
            continue
        file_lines: dict[tuple, str] = {}
        _key_lines(node, (), fname, file_lines, problems)
        lines.update(file_lines)
        _update(merged, data)
    return merged, lines, problems


def _update(config: dict, overwrite: Mapping) -> None:
    """Snakemake's merge of several config files: nested mappings key by key, the rest replaced."""
    for key, value in overwrite.items():
        if isinstance(value, Mapping) and isinstance(config.get(key), dict):
            _update(config[key], value)
        else:
            config[key] = copy.deepcopy(value)


# --------------------------------------------------------------------------- schema layer


def _is_number(_checker, value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_integer(_checker, value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_TYPES = Draft202012Validator.TYPE_CHECKER.redefine_many({"number": _is_number, "integer": _is_integer})
_Strict = validators.extend(Draft202012Validator, type_checker=_TYPES)


def _fill_defaults(validator_class):
    """A validator that also writes each schema ``default`` into the instance (jsonschema FAQ)."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for name, sub in props.items():
                if "default" in sub and name not in instance:
                    instance[name] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, props, instance, schema)

    return validators.extend(validator_class, {"properties": properties})


_Filling = _fill_defaults(_Strict)


def _allowed(schema: Mapping) -> str:
    """What a schema node accepts, in words (for the 'Fix:' part)."""
    bits = []
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        words = {"number": "a finite number", "integer": "an integer (no decimal point)", "null": "null"}
        bits.append(" or ".join(words.get(k, f"a {k}") for k in kinds))
    if "enum" in schema:
        bits.append("one of " + ", ".join(repr(v) for v in schema["enum"]))
    for key, word in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in schema:
            bits.append(f"{word} {schema[key]}")
    if "minItems" in schema:
        bits.append(f"with at least {schema['minItems']} item(s)")
    if "maxItems" in schema:
        bits.append(f"with at most {schema['maxItems']} item(s)")
    text = ", ".join(bits) or "a value the schema accepts"
    if "description" in schema:
        text += f" ({' '.join(str(schema['description']).split())})"
    return text


_NUMBER_TEXT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _type_problem(path, err: ValidationError) -> Problem:
    value, wanted = err.instance, err.validator_value
    wanted = wanted if isinstance(wanted, list) else [wanted]
    if isinstance(value, float) and not math.isfinite(value):
        return Problem(path, f"{value!r} is not a finite number", f"set it to {_allowed(err.schema)}")
    if isinstance(value, float) and value.is_integer() and "integer" in wanted:
        return Problem(path, f"{value!r} is a float, not an integer", f"write {int(value)} (no decimal point)")
    if isinstance(value, str) and _NUMBER_TEXT.match(value) and {"number", "integer"} & set(wanted):
        return Problem(
            path,
            f"{value!r} is text (YAML reads a number like 1e6 without a decimal point as a string)",
            f"write it as a number, e.g. {float(value):.1e}" if "number" in wanted else "write it as an integer",
        )
    return Problem(
        path, f"{value!r} is not {_allowed({'type': err.validator_value})}", f"set it to {_allowed(err.schema)}"
    )


def _schema_problem(err: ValidationError, prefix: tuple) -> list[Problem]:
    where = (*prefix, *err.absolute_path)
    if err.validator == "type":
        return [_type_problem(where, err)]
    if err.validator == "additionalProperties":
        known = sorted(err.schema.get("properties", {}))
        instance = err.instance if isinstance(err.instance, dict) else {}
        out = []
        for key in [k for k in instance if k not in known]:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(known)}"
            out.append(Problem((*where, key), "unknown key", f"remove it or rename it ({hint})"))
        return out
    if err.validator == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        sub = err.schema.get("properties", {}).get(missing, {})
        return [Problem((*where, missing), "required key is missing", f"add it, {_allowed(sub)}")]
    if err.validator == "pattern" and err.validator_value and err.path == err.relative_path:
        return [Problem(where, err.message, f"use a name matching {err.validator_value}")]
    return [Problem(where, err.message, f"set it to {_allowed(err.schema)}")]


def _schema_problems(instance, schema: Mapping, prefix: tuple = ()) -> list[Problem]:
    errors = sorted(_Strict(schema).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    return [p for e in errors for p in _schema_problem(e, prefix)]


def _non_finite(node, path=()) -> Iterator[Problem]:
    """NaN and ±inf anywhere (also where the schema leaves a value untyped)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _non_finite(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _non_finite(value, (*path, i))
    elif isinstance(node, float) and not math.isfinite(node):
        yield Problem(path, f"{node!r} is not a finite number", "set it to a finite number")


def with_defaults(instance, schema: Mapping):
    """A copy of ``instance`` with the schema's defaults filled in (errors are ignored here)."""
    filled = copy.deepcopy(instance)
    for _ in _Filling(schema).iter_errors(filled):
        pass
    return filled


# --------------------------------------------------------------------------- cross-key layer


def _count(values) -> int:
    return len(values) if isinstance(values, list) else 1


def _as_list(values) -> list:
    return values if isinstance(values, list) else [values]


def _estimators(exp: Mapping) -> list:
    return list(exp.get("estimators", ["expected"]))


def _teacher_modes(exp: Mapping) -> list[tuple[float, float, float]]:
    """(a*, b*, w*) of an aligned teacher's modes, [] for a dense teacher."""
    t = exp["teacher"]
    if t["kind"] != "aligned":
        return []
    return list(zip(_as_list(t["a_star"]), _as_list(t["b_star"]), _as_list(t["w_star"]), strict=False))


# keys each kind needs, and keys it ignores (a value there is a mistake: it changes nothing)
KIND_KEYS = {
    "teacher": {
        "aligned": (("a_star", "b_star", "w_star"), ("a_scale", "b_scale")),
        "dense": (("w_star",), ("a_star", "b_star")),
    },
    "init": {"aligned": (("a", "b", "w"), ("scale",)), "random": ((), ("a", "b", "w"))},
    "feedback": {"aligned": (("a_hat",), ("scale",)), "random": ((), ("a_hat",))},
}


def _kind_problems(name: str, raw: Mapping, exp: Mapping) -> list[Problem]:
    out = []
    for block, kinds in KIND_KEYS.items():
        kind = exp.get(block, {}).get("kind")
        if kind not in kinds:
            continue
        needed, ignored = kinds[kind]
        given = raw.get(block, {}) if isinstance(raw.get(block), Mapping) else {}
        for key in needed:
            if key not in exp[block]:
                out.append(
                    Problem(
                        ("experiments", name, block, key),
                        f"{block}.kind {kind} needs {key}, which is missing",
                        f"add {key}: a list with one value per mode",
                    )
                )
        for key in ignored:
            if key in given and given[key] is not None:
                out.append(
                    Problem(
                        ("experiments", name, block, key),
                        f"ignored when {block}.kind is {kind}",
                        f"remove it, or set {block}.kind to the kind that uses it",
                    )
                )
    return out


def _experiment_problems(name: str, raw: Mapping, exp: Mapping, rules: Mapping[str, bool]) -> list[Problem]:
    """Cross-key checks of one experiment (defaults filled in, schema passed)."""
    where = ("experiments", name)
    out = _kind_problems(name, raw, exp)
    n, d, o = exp["n"], exp["d"], exp["o"]
    teacher, init, feedback = exp["teacher"], exp["init"], exp["feedback"]
    for i, rule in enumerate(exp["rules"]):
        if rule not in rules:
            out.append(Problem((*where, "rules", i), f"unknown rule {rule!r}", f"use one of {', '.join(rules)}"))
    bad_w = [w for w in _as_list(teacher["w_star"]) if abs(w) >= 1]
    if bad_w:
        out.append(
            Problem(
                (*where, "teacher", "w_star"),
                f"{bad_w} has |w*| ≥ 1, an unstable teacher (the T→∞ limit needs |w*| < 1)",
                "use values in the open interval (-1, 1)",
            )
        )
    if teacher["kind"] == "dense" and _count(teacher["w_star"]) > n:
        out.append(
            Problem(
                (*where, "teacher", "w_star"),
                f"{_count(teacher['w_star'])} eigenvalues for an n = {n} teacher",
                f"list at most n = {n} eigenvalues or raise n",
            )
        )
    k = None
    if teacher["kind"] == "aligned" and "a_star" in teacher:
        k = _count(teacher["a_star"])
        if k > min(n, d, o):
            out.append(
                Problem(
                    (*where, "teacher", "a_star"),
                    f"{k} teacher modes but min(n, d, o) = {min(n, d, o)}",
                    f"list at most {min(n, d, o)} mode values or raise n, d and o",
                )
            )
        for key in ("b_star", "w_star"):
            if key in teacher and _count(teacher[key]) != k:
                out.append(
                    Problem(
                        (*where, "teacher", key),
                        f"{_count(teacher[key])} values but a_star has {k}",
                        "give one value per teacher mode",
                    )
                )
    for block, keys in (("init", ("a", "b", "w")), ("feedback", ("a_hat",))):
        node = exp[block]
        if node.get("kind") != "aligned":
            continue
        if teacher["kind"] != "aligned":
            out.append(
                Problem(
                    (*where, block, "kind"),
                    f"an aligned {block} needs an aligned teacher (it is built in the teacher's bases)",
                    f"set teacher.kind: aligned, or {block}.kind: random",
                )
            )
            continue
        counts = {key: _count(node[key]) for key in keys if key in node}
        for key, c in counts.items():
            if k is not None and c > k:
                out.append(
                    Problem(
                        (*where, block, key),
                        f"{c} mode values but the teacher has {k} modes",
                        f"list at most {k} values",
                    )
                )
        if len(set(counts.values())) > 1:
            out.append(
                Problem(
                    (*where, block, keys[0]),
                    f"{', '.join(f'{key} has {c}' for key, c in counts.items())} values",
                    "give a, b and w the same number of mode values",
                )
            )
    if init.get("kind") == "aligned" and "w" in init:
        bad = [w for w in _as_list(init["w"]) if abs(w) >= 1]
        if bad:
            out.append(
                Problem(
                    (*where, "init", "w"),
                    f"{bad} has |w| ≥ 1: the initial student is unstable (spectral radius ≥ 1)",
                    "use values in the open interval (-1, 1)",
                )
            )
    if feedback.get("kind") == "random" and feedback.get("scale") is not None and feedback["scale"] <= 0:
        out.append(
            Problem(
                (*where, "feedback", "scale"),
                f"{feedback['scale']} is not a positive standard deviation",
                "set a positive number, or null for 1/sqrt(n)",
            )
        )
    training, options = exp["training"], exp["options"]
    estimators = _estimators(exp)
    if options.get("loss") == "sequence" and "expected" in estimators and training["T_expected"] is None:
        out.append(
            Problem(
                (*where, "training", "T_expected"),
                "the sequence loss needs a finite T for the expected estimator (with T_expected: null,"
                " T → ∞, it equals the final-step loss)",
                "set T_expected to an integer ≥ 1, or options.loss: final",
            )
        )
    if exp.get("ode"):
        if teacher["kind"] != "aligned":
            out.append(
                Problem(
                    (*where, "ode"),
                    "the per-mode ODEs need an aligned teacher (a dense teacher has no modes)",
                    "set ode: false, or teacher.kind: aligned",
                )
            )
        elif not any(rules.get(r, False) for r in exp["rules"]):
            out.append(
                Problem(
                    (*where, "ode"),
                    f"none of the rules {exp['rules']} has a per-mode ODE",
                    f"set ode: false, or train one of {', '.join(r for r, has in rules.items() if has)}",
                )
            )
    return out


@dataclass(frozen=True)
class Needs:
    """What a figure reads from the experiment(s) one of its keys names.

    key: the figure key naming the experiment(s) (a name or a list of names);
    seed: the figure's ``seed`` must be one of the experiment's seeds;
    rules: figure keys whose rule names must be trained there (``rules`` or ``rank_rule``);
    estimator: the estimator that must be trained ("expected") or the figure key naming it;
    ode: aligned teacher with ``ode: true`` and the dominant modes (``dominant_modes``) present;
    loss: the training loss the experiment must use (options.loss), or None for any.
    """

    key: str
    seed: bool = False
    rules: tuple[str, ...] = ()
    estimator: tuple[str, ...] = ()
    ode: bool = False
    loss: str | None = None


FIGURE_NEEDS: dict[str, tuple[Needs, ...]] = {
    "validation": (Needs("experiment", seed=True, rules=("rules",), estimator=("expected",), ode=True),),
    "low_rank": (
        Needs("experiment", seed=True, rules=("rules", "rank_rule"), estimator=("@estimator",)),
        Needs("rank_experiments", rules=("rank_rule",), estimator=("@estimator",)),
    ),
    "reliability": (Needs("experiment", rules=("rules",), estimator=("@estimator",)),),
    "sequence_loss": (
        Needs("experiment", seed=True, rules=("rules",), estimator=("expected",), ode=True, loss="sequence"),
        Needs("reference", seed=True, rules=("rules",), estimator=("expected",), loss="final"),
        Needs("rank_experiments", seed=True, rules=("rank_rule",), loss="sequence"),
    ),
    "locality_map": (Needs("experiment", rules=("rules",), estimator=("@estimator",)),),
}


def _figure_estimator(fig: Mapping) -> str:
    return fig.get("estimator", "expected")


def _figure_problems(
    fig_name: str, fig: Mapping, experiments: Mapping, usable: set, rules: Mapping[str, bool]
) -> list[Problem]:
    where = ("figures", fig_name)
    out = []
    for key in ("rules", "rank_rule"):
        for i, rule in enumerate(_as_list(fig.get(key, []))):
            path = (*where, key, i) if isinstance(fig[key], list) else (*where, key)
            if rule not in rules:
                out.append(Problem(path, f"unknown rule {rule!r}", f"use one of {', '.join(rules)}"))
    for rule in fig.get("paper_converged", {}):
        if rule not in rules:
            out.append(
                Problem((*where, "paper_converged", rule), f"unknown rule {rule!r}", f"use one of {', '.join(rules)}")
            )
    for needs in FIGURE_NEEDS.get(fig_name, ()):
        if needs.key not in fig:
            continue
        names = fig[needs.key]
        listed = isinstance(names, list)
        for j, name in enumerate(_as_list(names)):
            path = (*where, needs.key, j) if listed else (*where, needs.key)
            if name not in experiments:
                close = difflib.get_close_matches(str(name), list(experiments), n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"defined: {', '.join(experiments)}"
                out.append(Problem(path, f"unknown experiment {name!r}", f"name a key of experiments ({hint})"))
                continue
            if name not in usable:
                continue  # its own problems are reported under experiments.<name>
            out += _needs_problems(where, path, name, experiments[name], fig, needs, rules)
    return out


def _needs_problems(where, path, name, exp, fig, needs: Needs, rules) -> list[Problem]:
    out = []
    what = f"experiment {name!r}"
    if needs.seed and "seed" in fig and fig["seed"] not in exp["seeds"]:
        out.append(
            Problem(
                (*where, "seed"),
                f"seed {fig['seed']} is not configured in {what} (seeds {exp['seeds']})",
                f"use one of {exp['seeds']}, or add {fig['seed']} to experiments.{name}.seeds",
            )
        )
    for key in needs.rules:
        missing = [r for r in _as_list(fig.get(key, [])) if r in rules and r not in exp["rules"]]
        if missing:
            out.append(
                Problem(
                    (*where, key),
                    f"{missing} not trained in {what} (rules {exp['rules']})",
                    f"show only trained rules, or add {missing} to experiments.{name}.rules",
                )
            )
    for est in needs.estimator:
        est_key = est[1:] if est.startswith("@") else None
        value = _figure_estimator(fig) if est_key else est
        if value not in _estimators(exp):
            out.append(
                Problem(
                    (*where, "estimator") if est_key and "estimator" in fig else path,
                    f"the figure reads the {value!r} estimator, which {what} does not train"
                    f" (estimators {_estimators(exp)})",
                    f"add {value} to experiments.{name}'s estimators" + (", or pick a trained one" if est_key else ""),
                )
            )
    if needs.loss and exp["options"].get("loss", "final") != needs.loss:
        out.append(
            Problem(
                path,
                f"the figure needs the {needs.loss!r} loss but {what} trains on the"
                f" {exp['options'].get('loss', 'final')!r} loss",
                f"name an experiment with options.loss: {needs.loss}",
            )
        )
    if needs.ode:
        if exp["teacher"]["kind"] != "aligned" or not exp.get("ode"):
            out.append(
                Problem(
                    path,
                    f"the figure compares runs with the per-mode ODEs, but {what} has a"
                    f" {exp['teacher']['kind']} teacher and ode: {bool(exp.get('ode'))}",
                    "name an experiment with teacher.kind: aligned and ode: true",
                )
            )
        else:
            no_ode = [r for r in _as_list(fig.get("rules", [])) if r in rules and not rules[r]]
            if no_ode:
                out.append(
                    Problem(
                        (*where, "rules"),
                        f"{no_ode} have no per-mode ODE",
                        f"show only rules with one ({', '.join(r for r, has in rules.items() if has)})",
                    )
                )
            strong = [m for m in _teacher_modes(exp) if m[0] * m[1] != 0]
            if "dominant_modes" in fig and fig["dominant_modes"] > len(strong):
                out.append(
                    Problem(
                        (*where, "dominant_modes"),
                        f"{fig['dominant_modes']} dominant modes but {what}'s teacher has {len(strong)}"
                        " modes with a* b* ≠ 0",
                        f"set at most {len(strong)}",
                    )
                )
    return out


def _theory_problems(theory: Mapping, rules: Mapping[str, bool]) -> list[Problem]:
    """Cross-key checks of the (schema-valid, defaults filled) ``theory:`` block."""
    where = ("theory",)
    out = []
    for key in ("rules", "table_rules"):
        for i, rule in enumerate(theory.get(key, [])):
            if not rules.get(rule, False):
                out.append(
                    Problem(
                        (*where, key, i),
                        f"{rule!r} has no per-mode ODE" if rule in rules else f"unknown rule {rule!r}",
                        f"use rules with one: {', '.join(r for r, has in rules.items() if has)}",
                    )
                )
    for block in ("manifolds", "rate_figure"):
        node = theory.get(block, {})
        if "s_min" in node and "s_max" in node and node["s_min"] >= node["s_max"]:
            out.append(
                Problem(
                    (*where, block, "s_min"),
                    f"s_min {node['s_min']} is not below s_max {node['s_max']}",
                    "make s_min < s_max",
                )
            )
    names = [c.get("name") for c in theory.get("convergence", {}).get("cases", [])]
    for i, name in enumerate(names):
        if names.index(name) != i:
            out.append(
                Problem(
                    (*where, "convergence", "cases", i, "name"),
                    f"case name {name!r} used twice (table rows would be ambiguous)",
                    "give every case its own name",
                )
            )
    return out


# --------------------------------------------------------------------------- cost layer


def step_seconds(exp: Mapping, estimator: str) -> float:
    """Rough single-core seconds of one learning step (benchmarks/RESULTS.md, matmul-bound).

    expected, T → ∞: Stein solves, ~1e-8 s · n³; expected, finite T: ~4e-9 s · T n²;
    sampled: ~2e-10 s · T · batch · n²; plus 1 ms of Python overhead per step.
    """
    n, tr = exp["n"], exp["training"]
    if estimator == "sampled":
        work = 2e-10 * tr["T"] * tr["batch"] * n**2
    elif tr.get("T_expected") is None:
        work = 1e-8 * n**3
    else:
        work = 4e-9 * tr["T_expected"] * n**2
    return 1e-3 + work


def training_seconds(exp: Mapping) -> float:
    """Estimated single-core seconds of all training jobs of an experiment."""
    runs = len(exp["rules"]) * len(exp["seeds"])
    return sum(runs * exp["training"]["steps"] * step_seconds(exp, est) for est in _estimators(exp))


def job_bytes(exp: Mapping) -> float:
    """Rough peak memory of one training job: the recorded weights (records × (n² + n d + o n)
    floats), ~20 n×n work arrays, and a sampled minibatch's states (batch × T × (n + d + o))."""
    n, d, o, tr = exp["n"], exp["d"], exp["o"], exp["training"]
    records = tr["steps"] // tr["record_every"] + 2
    floats = records * (n * n + n * d + o * n) + 20 * n * n
    if "sampled" in _estimators(exp):
        floats += 4 * tr["batch"] * tr["T"] * (n + d + o)
    return 8.0 * floats


def _memory_problems(name: str, exp: Mapping) -> list[Problem]:
    need = job_bytes(exp)
    if need <= MEMORY_LIMIT_BYTES:
        return []
    return [
        Problem(
            ("experiments", name, "n"),
            f"a training job would need about {need / 2**30:.3g} GiB (n = {exp['n']},"
            f" {exp['training']['steps'] // exp['training']['record_every'] + 2} records), above the"
            f" {MEMORY_LIMIT_BYTES / 2**30:.0f} GiB this pipeline allows per job",
            "lower n, or raise training.record_every / lower training.steps",
        )
    ]


def _cost_warnings(experiments: Mapping, usable: set) -> list[str]:
    out = []
    total = sum(training_seconds(experiments[name]) for name in usable)
    if total <= LONG_RUN_SECONDS:
        return out
    for name in sorted(usable, key=lambda e: -training_seconds(experiments[e])):
        sec = training_seconds(experiments[name])
        if sec > 0.1 * total:
            out.append(
                f"experiments.{name}.training.steps: the training jobs would take about {sec / 86400:.1f}"
                f" CPU-days (steps × seeds × rules × estimators × cost of a step at n ="
                f" {experiments[name]['n']}). Fix: lower steps, seeds or n if this is not intended"
            )
    out.insert(0, f"(top level): the whole config would need about {total / 86400:.1f} CPU-days of training")
    return out


# --------------------------------------------------------------------------- entry points


def _read_schema(path) -> dict:
    # libyaml when available: the schema is read on every Snakemake start (rerun latency)
    return yaml.load(Path(path).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _has_problem_under(problems: Sequence[Problem], prefix: tuple) -> bool:
    n = len(prefix)
    return any(tuple(map(str, p.path[:n])) == tuple(map(str, prefix)) for p in problems)


def config_problems(
    config: Mapping,
    schema_path: str | Path = SCHEMA,
    theory_schema_path: str | Path | None = THEORY_SCHEMA,
    sources: Sequence = (),
) -> tuple[list[str], list[str]]:
    """(problems, warnings) of a config, as message lines (module docstring)."""
    problems: list[Problem] = []
    lines: dict[tuple, str] = {}
    if sources:
        _, lines, problems = read_sources(sources)
    schema = registry_schema(_read_schema(schema_path))
    found = _schema_problems(config, schema)
    theory = config.get("theory", {}) if isinstance(config, Mapping) else {}
    if theory_schema_path is not None and isinstance(theory, Mapping):
        found += _schema_problems(theory, _read_schema(theory_schema_path), ("theory",))
    reported = {tuple(map(str, p.path)) for p in found}
    found += [p for p in _non_finite(config) if tuple(map(str, p.path)) not in reported]
    problems += found
    warnings: list[str] = []
    if not isinstance(config, Mapping):
        return [p.text(lines) for p in problems], warnings
    rules = registered_rules()
    filled = with_defaults(config, schema)
    experiments = filled.get("experiments") if isinstance(filled.get("experiments"), Mapping) else {}
    raw_experiments = config.get("experiments") or {}
    usable = set()
    for name, exp in experiments.items():
        if _has_problem_under(found, ("experiments", name)) or not isinstance(exp, Mapping):
            continue
        mine = _experiment_problems(name, raw_experiments[name], exp, rules) + _memory_problems(name, exp)
        problems += mine
        if not mine:
            usable.add(name)
    figures = filled.get("figures") if isinstance(filled.get("figures"), Mapping) else {}
    for fig_name, fig in figures.items():
        if isinstance(fig, Mapping) and not _has_problem_under(found, ("figures", fig_name)):
            problems += _figure_problems(fig_name, fig, experiments, usable, rules)
    if theory_schema_path is not None and isinstance(theory, Mapping) and not _has_problem_under(found, ("theory",)):
        problems += _theory_problems(with_defaults(theory, _read_schema(theory_schema_path)), rules)
    warnings += _cost_warnings(experiments, usable)
    unique = list(dict.fromkeys(p.text(lines) for p in problems))
    return unique, warnings


def check_config(
    config: Mapping,
    schema_path: str | Path = SCHEMA,
    theory_schema_path: str | Path | None = THEORY_SCHEMA,
    sources: Sequence = (),
) -> list[str]:
    """Raise ConfigError listing every problem; return the warnings of a valid config."""
    problems, warnings = config_problems(config, schema_path, theory_schema_path, sources)
    if problems:
        raise ConfigError("invalid configuration (nothing was run):\n  " + "\n  ".join(problems))
    return warnings


def check_files(paths: Sequence, syntax_only: bool = False) -> list[str]:
    """check_config on the merge of config files; YAML errors and duplicate keys name the file
    and line. ``syntax_only``: only that layer (for a file Snakemake is about to read itself)."""
    config, lines, problems = read_sources(paths)
    if problems and (syntax_only or any(p.place for p in problems)):
        raise ConfigError("invalid configuration (nothing was run):\n  " + "\n  ".join(p.text(lines) for p in problems))
    return [] if syntax_only else check_config(config, sources=paths)


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m linrnn.pipeline.config_check CONFIG.yaml [OVERLAY.yaml ...]", file=sys.stderr)
        return 2
    try:
        warnings = check_files(paths)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 1
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    print(f"config OK: {' + '.join(paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
