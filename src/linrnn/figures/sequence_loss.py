"""Sequence-loss figure (docs/model.md §1.1, Appendix H; checklist 14), drawn from tidy tables only.

(a) the two dominant modes' a·b and w of the full RNN trained on the sequence loss
(1/2T) Σ_t ‖y_t − y*_t‖² at finite T, expected (solid) and sampled (dotted) estimator, against the
per-mode ODE (dashed; the T → ∞ ODE is the same for both losses); (b) singular values of
W_K − W_0 for RFLO under the sequence loss with o = 1, 2, ... (Prop. 3.1: rank ≤ o) and BPTT
for contrast; (c) relative loss L/L_0 against learning time for the sequence-loss experiment
and its final-step-loss reference.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from linrnn.analysis.diagnostics import dominant_modes
from linrnn.figures.style import (
    FULL_WIDTH,
    SV_FLOOR,
    normalised,
    panel_label,
    rule_color,
    rule_label,
    spectrum,
    use_style,
)
from linrnn.pipeline.io import select

MODE_STYLES = {"expected": "-", "sampled": ":", "ode": "--"}


def _dominant(modes: Mapping, k: int) -> list[int]:
    strength = {}
    for i, a, b in zip(modes["mode_index"], modes["a_star"], modes["b_star"], strict=True):
        strength[int(i)] = abs(a * b)
    return dominant_modes(strength, k)


def figure_sequence_loss(tables: Mapping, cfg: Mapping):
    """Three panels (see module docstring); ``cfg`` is the config ``figures.sequence_loss``."""
    use_style()
    seed = cfg["seed"]
    exp = tables[cfg["experiment"]]
    fig, axes = plt.subplots(1, 3, figsize=(FULL_WIDTH, 2.4), constrained_layout=True)
    # (a) full RNN vs ODE, dominant modes
    ax = axes[0]
    modes = select(exp["modes"], seed=seed)
    top = _dominant(modes, cfg["dominant_modes"]) if len(modes["mode_index"]) else []
    for rule in cfg["rules"]:
        color = rule_color(rule)
        for m, ls in MODE_STYLES.items():
            for j, i in enumerate(top):
                r = select(modes, rule=rule, estimator=m, mode_index=i)
                if not len(r["time"]):
                    continue
                ax.plot(
                    r["time"],
                    r["a"] * r["b"] / (r["a_star"] * r["b_star"]),
                    ls=ls,
                    lw=1.0,
                    color=color,
                    alpha=1.0 if j == 0 else 0.55,
                    label=rule_label(rule) if (m == "expected" and j == 0) else None,
                )
    ax.axhline(1.0, color="0.6", lw=0.6)
    ax.set_xlabel("learning time $\\eta k$")
    ax.set_ylabel("$ab/(a_\\star b_\\star)$, dominant modes")
    ax.set_title("sequence loss: RNN vs ODE")
    ax.legend(frameon=False, loc="lower right", title="— exp., ⋯ sampled, -- ODE", title_fontsize=6)
    # (b) RFLO rank bound under the sequence loss
    ax = axes[1]
    n_show, rank_rule = cfg["n_show"], cfg["rank_rule"]
    cmap = plt.get_cmap("Greens")
    names = list(cfg["rank_experiments"])
    for j, name in enumerate(names):
        spectra, runs = tables[name]["spectra"], tables[name]["runs"]
        for rule in np.unique(runs["rule"]):
            r = select(runs, rule=rule, seed=seed)
            if not len(r["o"]):
                continue
            o = int(r["o"][0])
            estimator = str(r["estimator"][0])
            sv, _ = spectrum(spectra, rule=rule, estimator=estimator, matrix="W", seed=seed)
            y = normalised(sv)[:n_show]
            if rule == rank_rule:
                color = cmap(0.45 + 0.55 * j / max(1, len(names) - 1))
                label = f"{rule_label(rule)}, o = {o}"
                ax.axvline(o + 0.5, color=color, lw=0.7, ls=":")
            else:
                color, label = rule_color(rule), f"{rule_label(rule)}, o = {o}"
            ax.plot(np.arange(1, len(y) + 1), y, marker="o", ms=3, lw=1.0, color=color, label=label)
    ax.set_yscale("log")
    ax.set_ylim(SV_FLOOR / 3, 3)
    ax.set_xlabel("index $i$")
    ax.set_ylabel("$\\sigma_i/\\sigma_1$ of $W_K-W_0$")
    ax.set_title("sequence loss: rank $\\leq o$ (RFLO)")
    ax.legend(frameon=False, fontsize=6, loc="lower left")
    # (c) final-step vs sequence loss curves
    ax = axes[2]
    for name, lw, tag in (
        (cfg["reference"], 0.8, "final-step"),
        (cfg["experiment"], 1.4, "sequence"),
    ):
        loss = select(tables[name]["loss"], seed=seed, estimator="expected")
        for rule in cfg["rules"]:
            r = select(loss, rule=rule)
            if not len(r["time"]) or not np.isfinite(r["loss"][0]) or r["loss"][0] <= 0:
                continue
            ax.plot(
                r["time"],
                r["loss"] / r["loss"][0],
                lw=lw,
                ls="-" if tag == "sequence" else "--",
                color=rule_color(rule),
                label=f"{rule_label(rule)}, {tag}",
            )
    ax.set_yscale("log")
    ax.set_xlabel("learning time $\\eta k$")
    ax.set_ylabel("$L/L_0$ (expected mode)")
    ax.set_title("final-step vs sequence loss")
    ax.legend(frameon=False, fontsize=6, ncol=1, loc="lower left")
    for ax, label in zip(axes, "abc", strict=True):
        panel_label(ax, label)
    return fig
