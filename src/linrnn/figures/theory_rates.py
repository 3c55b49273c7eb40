"""Asymptotic convergence rate along the optimal manifold M* against s, small and large |w*|
(docs/model.md §3.2).

Theory figure module: ``compute(cfg)`` and ``figure(data, cfg)`` (scripts/theory_figure.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from linrnn.core import theory
from linrnn.figures.style import (
    FULL_WIDTH,
    STABLE,
    draw_stretches,
    rule_color,
    rule_kw,
    rule_label,
    s_grid,
    setting_label,
    theory_settings,
    use_style,
)


def rates_data(c, w_stars, settings, *, s_min=0.05, s_max=5.0, n_s=400, rules=("bptt", "tbptt", "rflo")):
    """Rate −max Re λ along M* against s for each rule and each w* (docs/model.md §3.2)."""
    s = s_grid(s_min, s_max, n_s)
    out = {
        "c": c,
        "w_stars": list(w_stars),
        "rules": list(rules),
        "s": s,
        "settings": dict(settings),
    }
    for ws in w_stars:
        for rule in rules:
            spec = theory.manifold_spectrum(rule, s, c, 1.0, ws, **rule_kw(rule, settings))
            out[(rule, ws)] = dict(rate=spec["rate"], classification=spec["classification"])
    return out


def figure(data: Mapping, cfg: Mapping) -> Figure:
    """Figure 3: convergence rate along M* against s, one panel per w*; unstable dashed
    (rate < 0 is a growth rate); dotted lines at s = ±√|c| (BPTT's slowest points)."""
    use_style()
    s, c = data["s"], data["c"]
    n = len(data["w_stars"])
    fig, axes = plt.subplots(1, n, figsize=(FULL_WIDTH, 2.6), squeeze=False, sharey=True)
    for ax, ws in zip(axes[0], data["w_stars"], strict=True):
        for rule in data["rules"]:
            d = data[(rule, ws)]
            stable = np.isin(d["classification"], STABLE)
            for m in (s < 0, s > 0):
                draw_stretches(
                    ax,
                    (s[m], d["rate"][m]),
                    stable[m],
                    rule_color(rule),
                    lw=1.3,
                    label=rule_label(rule) if m[-1] else None,
                )
        for x in (-math.sqrt(abs(c)), math.sqrt(abs(c))):
            ax.axvline(x, color="0.5", ls=":", lw=0.8)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_yscale("symlog", linthresh=0.1)
        ax.set_xlabel("s = a on the optimal manifold")
        ax.set_title(f"w* = {ws:g}, a*b* = {c:g}")
    axes[0, 0].set_ylabel("rate  −max Re λ")
    axes[0, 0].plot([], [], color="0.3", ls="--", label="unstable")
    axes[0, 0].legend(frameon=False)
    settings = [
        f"{rule_label(r)} {setting_label(r, data['settings'])}"
        for r in data["rules"]
        if setting_label(r, data["settings"])
    ]
    fig.suptitle(f"Asymptotic convergence rates along M* ({', '.join(settings)})")
    fig.tight_layout()
    return fig


def compute(cfg: Mapping) -> dict:
    """The figure's data from the validated theory config slice (theory_slice("figure_rates"))."""
    r = dict(cfg["rate_figure"])
    return rates_data(r.pop("c"), r.pop("w_stars"), theory_settings(cfg), rules=tuple(cfg["rules"]), **r)
