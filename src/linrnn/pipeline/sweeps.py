"""Sweeps: many experiments generated from one config block (``sweeps:``).

A sweep starts from a base experiment of ``experiments:`` (``base``), applies the changes
``set`` to every point, and varies ``axes``. Each axis has a ``name`` and ``levels``; a level is
``{label: ..., set: {dotted.key: value, ...}}`` (the keys are paths into an experiment block,
e.g. ``training.eta`` or ``teacher.w_star``), or the shorthand ``key: dotted.key`` with
``values: [...]`` (label = value). ``design`` chooses the points:

- ``grid``: every combination of the axes' levels (the timescales experiment: k × o × σ0);
- ``star``: the base alone, then each axis's levels one at a time with the other axes at the
  base (the protocol map: one protocol choice changed at a time).

Every point becomes an ordinary experiment named ``<sweep>_<index>`` (index three digits), so the
existing rules (teacher, init, training, diagnostics) run it unchanged. The pseudo-key
``teacher_per_seed: true`` draws a new teacher for every seed: the point is split into one
experiment per seed, ``<sweep>_<index>_s<seed>``, each with its own teacher stream.
``rules: all`` stands for every registered rule.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Mapping

PER_SEED = "teacher_per_seed"
DESIGNS = ("grid", "star")


def _set_path(block: dict, path: str, value, where: str) -> None:
    keys = path.split(".")
    node = block
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            raise ValueError(f"{where}: key {path!r} does not name a block of the experiment (no {key!r} mapping)")
        node = node[key]
    node[keys[-1]] = copy.deepcopy(value)


def axis_levels(axis: Mapping, where: str) -> list[dict]:
    """[{label, set}] of one axis (either form of the module docstring)."""
    if "name" not in axis:
        raise ValueError(f"{where}: every axis needs a 'name'")
    if "levels" in axis:
        levels = []
        for i, level in enumerate(axis["levels"]):
            if not isinstance(level, Mapping) or "label" not in level or "set" not in level:
                raise ValueError(f"{where}.levels[{i}]: a level is {{label: ..., set: {{key: value}}}}")
            levels.append({"label": level["label"], "set": dict(level["set"])})
    elif "key" in axis and "values" in axis:
        levels = [{"label": v, "set": {axis["key"]: v}} for v in axis["values"]]
    else:
        raise ValueError(f"{where}: give 'levels' or 'key' and 'values'")
    if not levels:
        raise ValueError(f"{where}: an axis needs at least one level")
    return levels


def sweep_points(sweep: Mapping, where: str = "sweep") -> list[dict]:
    """The points of a sweep: [{labels: {axis: label}, set: {key: value}}] in a fixed order.

    star design: point 0 is the base (every axis labelled ``base``), then the levels of each
    axis in turn (the other axes labelled ``base``).
    """
    design = sweep.get("design", "grid")
    if design not in DESIGNS:
        raise ValueError(f"{where}.design must be one of {DESIGNS}, got {design!r}")
    axes = [(a["name"], axis_levels(a, f"{where}.axes[{i}]")) for i, a in enumerate(sweep.get("axes", []))]
    names = [n for n, _ in axes]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}.axes: axis names must differ, got {names}")
    points = []
    if design == "grid":
        for combo in itertools.product(*(levels for _, levels in axes)):
            changes = {}
            for level in combo:
                changes.update(level["set"])
            points.append({"labels": {n: lv["label"] for n, lv in zip(names, combo, strict=True)}, "set": changes})
    else:
        points.append({"labels": dict.fromkeys(names, "base"), "set": {}})
        for name, levels in axes:
            for level in levels:
                labels = dict.fromkeys(names, "base")
                labels[name] = level["label"]
                points.append({"labels": labels, "set": dict(level["set"])})
    return points


def expand_sweep(name: str, sweep: Mapping, experiments: Mapping, rule_names) -> dict[str, dict]:
    """{experiment name: experiment block} of one sweep (module docstring)."""
    where = f"sweeps.{name}"
    base_name = sweep.get("base")
    if base_name not in experiments:
        raise ValueError(f"{where}.base: {base_name!r} is not an experiment of 'experiments:' ({sorted(experiments)})")
    base = copy.deepcopy(dict(experiments[base_name]))
    for key, value in sweep.get("set", {}).items():
        _set_path(base, key, value, f"{where}.set")
    out = {}
    for index, point in enumerate(sweep_points(sweep, where)):
        exp = copy.deepcopy(base)
        per_seed = False
        for key, value in point["set"].items():
            if key == PER_SEED:
                per_seed = bool(value)
                continue
            _set_path(exp, key, value, f"{where} point {index}")
        if exp.get("rules") == "all":
            exp["rules"] = list(rule_names)
        exp["description"] = f"sweep {name}, point {index}: " + ", ".join(
            f"{k} = {v}" for k, v in point["labels"].items()
        )
        exp["sweep"] = {"name": name, "point": index, "labels": json.loads(json.dumps(point["labels"]))}
        label = f"{name}_{index:03d}"
        if per_seed:
            for seed in exp["seeds"]:
                one = copy.deepcopy(exp)
                one["seeds"] = [seed]
                out[f"{label}_s{seed}"] = one
        else:
            out[label] = exp
    return out


def expand_sweeps(config: Mapping, rule_names) -> dict[str, dict]:
    """Every generated experiment of ``config['sweeps']`` (empty without sweeps); a generated
    name that collides with an experiment of ``experiments:`` is an error."""
    out = {}
    for name, sweep in (config.get("sweeps") or {}).items():
        for exp_name, exp in expand_sweep(name, sweep, config["experiments"], rule_names).items():
            if exp_name in config["experiments"] or exp_name in out:
                raise ValueError(f"sweeps.{name}: generated experiment {exp_name!r} already exists; rename the sweep")
            out[exp_name] = exp
    return out


def sweep_experiments(experiments: Mapping, sweep: str) -> list[str]:
    """Names of the generated experiments of one sweep, in point order."""
    names = [n for n, e in experiments.items() if isinstance(e.get("sweep"), Mapping) and e["sweep"]["name"] == sweep]
    return sorted(names, key=lambda n: (experiments[n]["sweep"]["point"], n))
