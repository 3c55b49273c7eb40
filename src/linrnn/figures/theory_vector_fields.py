"""Vector fields of the per-mode ODE on 2-D slices per rule, with manifold stability (poster panel B,
docs/model.md §3.1).

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
    NONOPTIMAL_COLOR,
    OPTIMAL_COLOR,
    STABLE,
    draw_stretches,
    rule_kw,
    rule_label,
    s_grid,
    teacher_tuple,
    theory_settings,
    use_style,
)


def vector_field_data(teacher, rules, settings, *, ab_lim=2.5, n_grid=41, w_lim=0.95, s_min=0.15, n_s=200):
    """Field slices per rule: the (a, b) plane at w = w* and the diagonal plane (u, w)
    through M0 (u along (1, ±1, 0)/√2, sign of c), with M* / M0 stability for overlays."""
    a_star, b_star, w_star = teacher
    c = a_star * b_star
    u = np.linspace(-ab_lim, ab_lim, n_grid)
    wv = np.linspace(-w_lim, w_lim, n_grid)
    s = s_grid(s_min, ab_lim, n_s)
    s = s[np.abs(c / s) <= ab_lim]
    balanced = np.array([-1.0, 1.0]) * math.sqrt(abs(c))
    out = {"teacher": tuple(teacher), "rules": list(rules), "settings": dict(settings)}
    for rule in rules:
        kw = rule_kw(rule, settings)
        spec = theory.manifold_spectrum(rule, s, a_star, b_star, w_star, **kw)
        bal = theory.manifold_spectrum(rule, balanced, a_star, b_star, w_star, **kw)
        out[rule] = dict(
            ab=theory.ab_plane_slice(rule, u, u, a_star, b_star, w_star, **kw),
            diag=theory.diagonal_plane_slice(rule, u * math.sqrt(2), wv, a_star, b_star, w_star, **kw),
            s=s,
            opt_a=spec["a"],
            opt_b=spec["b"],
            opt_stable=np.isin(spec["classification"], STABLE),
            bal_u=np.sign(balanced) * math.sqrt(2) * math.sqrt(abs(c)),
            bal_stable=np.isin(bal["classification"], STABLE),
            kw=kw,
        )
    return out


def _stream(ax, sl, x, y):
    logspeed = np.log10(np.hypot(sl["Fu"], sl["Fv"]) + 1e-12)
    lo, hi = np.nanmin(logspeed), np.nanmax(logspeed)
    ax.streamplot(
        x,
        y,
        sl["Fu"],
        sl["Fv"],
        color=logspeed,
        cmap="Greys",
        norm=plt.Normalize(lo - 0.6 * (hi - lo), hi),
        density=0.9,
        linewidth=0.5,
        arrowsize=0.6,
    )


def figure(data: Mapping, cfg: Mapping) -> Figure:
    """Figure 2: streamlines on the (a, b) plane at w = w* (left) and the diagonal (u, w)
    plane (right) per rule; manifold crossings solid (stable) or dashed/open (unstable)."""
    use_style()
    rules = data["rules"]
    a_s, b_s, w_s = data["teacher"]
    fig, axes = plt.subplots(len(rules), 2, figsize=(FULL_WIDTH * 0.75, 2.3 * len(rules)), squeeze=False)
    for k, rule in enumerate(rules):
        d = data[rule]
        ax = axes[k, 0]
        _stream(ax, d["ab"], d["ab"]["U"][0], d["ab"]["V"][:, 0])
        for m in (d["s"] < 0, d["s"] > 0):
            draw_stretches(ax, (d["opt_a"][m], d["opt_b"][m]), d["opt_stable"][m], OPTIMAL_COLOR, zorder=3)
        if theory.has_nonoptimal_manifold(rule):
            ax.plot([0], [0], "o", color=NONOPTIMAL_COLOR, ms=4, mfc="white", zorder=4)
        ax.set_xlabel("a")
        ax.set_ylabel(f"{rule_label(rule)}\nb")
        ax.set_title(f"(a, b) plane at w = w* = {w_s:g}")
        ax.set_aspect("equal")
        ax = axes[k, 1]
        _stream(ax, d["diag"], d["diag"]["U"][0], d["diag"]["V"][:, 0])
        if theory.has_nonoptimal_manifold(rule):
            ax.axvline(0, color=NONOPTIMAL_COLOR, ls="--", lw=2, zorder=3)
        for u, st in zip(d["bal_u"], d["bal_stable"], strict=True):
            ax.plot(
                [u],
                [w_s],
                "o",
                color=OPTIMAL_COLOR,
                mec="k",
                mew=0.5,
                ms=6,
                mfc=OPTIMAL_COLOR if st else "white",
                zorder=4,
            )
        sign = "+" if a_s * b_s > 0 else "−"
        ax.set_xlabel(f"u  (a = u/√2, b = {sign}u/√2)")
        ax.set_ylabel("w")
        ax.set_title("plane through M0 and balanced M* points")
    fig.suptitle(
        f"Vector fields (a*={a_s:g}, b*={b_s:g}, w*={w_s:g})\n"
        "cyan M*, red M0; solid/filled stable, dashed/open unstable; darker = faster"
    )
    fig.tight_layout()
    return fig


def compute(cfg: Mapping) -> dict:
    """The figure's data from the validated theory config slice (theory_slice("figure_vector_fields"))."""
    return vector_field_data(teacher_tuple(cfg["teacher"]), cfg["rules"], theory_settings(cfg), **cfg["vector_fields"])
