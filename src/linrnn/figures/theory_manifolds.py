"""Stationary manifolds in (a, b, w) per rule, with stability and ODE trajectories (poster panel A,
docs/model.md §3.1).

Theory figure module: ``compute(cfg)`` and ``figure(data, cfg)`` (scripts/theory_figure.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from linrnn.core import modes, theory
from linrnn.figures.style import (
    FULL_WIDTH,
    NONOPTIMAL_COLOR,
    OPTIMAL_COLOR,
    STABLE,
    draw_stretches,
    rule_color,
    rule_kw,
    rule_label,
    s_grid,
    setting_label,
    teacher_tuple,
    theory_settings,
    use_style,
)


def manifold_structure_data(
    teacher,
    rules,
    settings,
    inits,
    *,
    s_min=0.2,
    s_max=3.0,
    n_s=200,
    b_max=3.0,
    t_end=40.0,
    n_t=800,
):
    """Manifolds (with stability) and ODE trajectories per rule.

    teacher: (a*, b*, w*); settings: dict(tau, a_hat, w_hat); inits: list of (a0, b0, w0).
    Returns dict(teacher, rules, per rule: dict(optimal (branch list of dict a, b, w, stable),
    nonoptimal (dict or None), trajectories (list of dict a, b, w, status))).
    """
    a_star, b_star, w_star = teacher
    c = a_star * b_star
    s = s_grid(s_min, s_max, n_s)
    s = s[np.abs(c / s) <= b_max]
    w_line = np.linspace(-0.95, 0.95, 101)
    t = np.linspace(0.0, t_end, n_t)
    out = {"teacher": tuple(teacher), "rules": list(rules), "settings": dict(settings)}
    for rule in rules:
        kw = rule_kw(rule, settings)
        spec = theory.manifold_spectrum(rule, s, a_star, b_star, w_star, **kw)
        stable = np.isin(spec["classification"], STABLE)
        branches = [dict(a=spec["a"][m], b=spec["b"][m], w=spec["w"][m], stable=stable[m]) for m in (s < 0, s > 0)]
        non = None
        if theory.has_nonoptimal_manifold(rule):
            ns = theory.manifold_spectrum(rule, w_line, a_star, b_star, w_star, manifold="nonoptimal", **kw)
            non = dict(a=ns["a"], b=ns["b"], w=ns["w"], stable=np.isin(ns["classification"], STABLE))
        trajs = []
        for a0, b0, w0 in inits:
            r = modes.integrate_modes(rule, a0, b0, w0, a_star, b_star, w_star, t, **kw)
            trajs.append(dict(a=r["a"][:, 0], b=r["b"][:, 0], w=r["w"][:, 0], status=r["status"]))
        out[rule] = dict(optimal=branches, nonoptimal=non, trajectories=trajs, kw=kw)
    return out


def figure(data: Mapping, cfg: Mapping) -> Figure:
    """Figure 1: 3-D (a, b, w) per rule; M* cyan, M0 red; solid stable, dashed unstable."""
    use_style()
    rules = data["rules"]
    fig = plt.figure(figsize=(FULL_WIDTH * 1.2, FULL_WIDTH * 1.2 / len(rules) + 0.6))
    for k, rule in enumerate(rules):
        ax = fig.add_subplot(1, len(rules), k + 1, projection="3d")
        d = data[rule]
        for i, br in enumerate(d["optimal"]):
            draw_stretches(
                ax,
                (br["a"], br["b"], br["w"]),
                br["stable"],
                OPTIMAL_COLOR,
                label="optimal" if i == 0 else None,
            )
        if d["nonoptimal"] is not None:
            n = d["nonoptimal"]
            draw_stretches(ax, (n["a"], n["b"], n["w"]), n["stable"], NONOPTIMAL_COLOR, label="non-optimal")
        for tr in d["trajectories"]:
            ax.plot(tr["a"], tr["b"], tr["w"], color=rule_color(rule), lw=0.9)
            ax.scatter(tr["a"][:1], tr["b"][:1], tr["w"][:1], color=rule_color(rule), s=8, marker="o")
            left = tr["status"] != "ok"
            marker, size = ("*", 14) if left else ("x", 8)
            ax.scatter(tr["a"][-1:], tr["b"][-1:], tr["w"][-1:], color="k", s=size, marker=marker)
        ax.set_xlabel("a")
        ax.set_ylabel("b")
        ax.set_zlabel("w")
        ax.set_zlim(-1, 1)
        ax.view_init(elev=22, azim=-55)
        setting = setting_label(rule, d["kw"])
        ax.set_title(rule_label(rule) + (f" ({setting})" if setting else ""))
        if k == 0:
            ax.plot([], [], color="0.3", ls="--", label="unstable stretch")
            ax.plot([], [], "kx", ls="none", label="trajectory end")
            ax.plot([], [], "k*", ls="none", label="left |w| < 1")
            ax.legend(loc="upper left", frameon=False, fontsize=6)
    a_s, b_s, w_s = data["teacher"]
    fig.suptitle(f"Stationary manifolds and ODE trajectories (a*={a_s:g}, b*={b_s:g}, w*={w_s:g})")
    return fig


def compute(cfg: Mapping) -> dict:
    """The figure's data from the validated theory config slice (theory_slice("figure_manifolds"))."""
    m = cfg["manifolds"]
    inits = [tuple(x) for x in m["inits"]]
    kw = {k: m[k] for k in ("s_min", "s_max", "n_s", "t_end", "n_t")}
    return manifold_structure_data(teacher_tuple(cfg["teacher"]), cfg["rules"], theory_settings(cfg), inits, **kw)
