"""The RFLO detour to the opposite branch from (1, 1, 0.6) (paper Fig. 4, docs/model.md §4).

Theory figure module: ``compute(cfg)`` and ``figure(data, cfg)`` (scripts/theory_figure.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from linrnn.core import modes, theory
from linrnn.figures.style import (
    FULL_WIDTH,
    OPTIMAL_COLOR,
    STABLE,
    draw_stretches,
    rule_color,
    rule_kw,
    rule_label,
    s_grid,
    setting_label,
    teacher_tuple,
    use_style,
)


def detour_data(
    teacher,
    init,
    settings,
    *,
    t_end=100.0,
    n_t=2001,
    loss_tol=1e-6,
    rules=("bptt", "tbptt", "rflo"),
):
    """Trajectories and losses from one initial condition for each rule (paper Fig. 4),
    with convergence times (loss < loss_tol) and the end branch sign(a)."""
    a_star, b_star, w_star = teacher
    t = np.linspace(0.0, t_end, n_t)
    out = {
        "teacher": tuple(teacher),
        "init": tuple(init),
        "rules": list(rules),
        "loss_tol": loss_tol,
        "settings": dict(settings),
    }
    for rule in rules:
        r = modes.integrate_modes(rule, *init, a_star, b_star, w_star, t, **rule_kw(rule, settings))
        out[rule] = dict(
            t=r["t"],
            a=r["a"][:, 0],
            b=r["b"][:, 0],
            w=r["w"][:, 0],
            loss=r["loss"],
            status=r["status"],
            t_conv=theory.convergence_time(r["t"], r["loss"], loss_tol),
        )
    return out


def figure(data: Mapping, cfg: Mapping) -> Figure:
    """Figure 4: (a, b) projection with M*, w(t), and loss(t) for the three rules."""
    use_style()
    a_s, b_s, w_s = data["teacher"]
    c = a_s * b_s
    fig, axes = plt.subplots(1, 3, figsize=(FULL_WIDTH, 2.4))
    lim = 1.2 * max(max(np.max(np.abs(data[r]["a"])), np.max(np.abs(data[r]["b"]))) for r in data["rules"])
    s = s_grid(0.05, lim, 200)
    s = s[np.abs(c / s) <= lim]
    kw = rule_kw("rflo", data["settings"])
    st = np.isin(theory.manifold_spectrum("rflo", s, a_s, b_s, w_s, **kw)["classification"], STABLE)
    for m in (s < 0, s > 0):
        draw_stretches(
            axes[0],
            (s[m], c / s[m]),
            st[m],
            OPTIMAL_COLOR,
            label="M* (RFLO stability)" if m[-1] else None,
        )
    for rule in data["rules"]:
        d = data[rule]
        lab = rule_label(rule) + (f"  t={d['t_conv']:.1f}" if math.isfinite(d["t_conv"]) else "  no conv.")
        axes[0].plot(d["a"], d["b"], color=rule_color(rule), label=rule_label(rule))
        axes[1].plot(d["t"], d["w"], color=rule_color(rule))
        axes[2].semilogy(d["t"], d["loss"], color=rule_color(rule), label=lab)
        if math.isfinite(d["t_conv"]):
            axes[2].axvline(d["t_conv"], color=rule_color(rule), ls=":", lw=0.8)
    a0, b0, w0 = data["init"]
    axes[0].plot([a0], [b0], "ko", ms=3)
    axes[0].set(
        xlabel="a",
        ylabel="b",
        xlim=(-lim, lim),
        ylim=(-lim, lim),
        title=f"from (a, b, w) = ({a0:g}, {b0:g}, {w0:g})",
    )
    axes[1].axhline(w_s, color=OPTIMAL_COLOR, lw=1.5)
    axes[1].set(xlabel="learning time ηk", ylabel="w", title="recurrent mode")
    axes[2].axhline(data["loss_tol"], color="0.5", lw=0.6)
    axes[2].set(xlabel="learning time ηk", ylabel="loss", title="loss (dotted: convergence time)")
    axes[2].set_ylim(bottom=data["loss_tol"] * 1e-6)
    axes[2].legend(frameon=False)
    fb = setting_label("rflo", data["settings"])
    fig.suptitle(f"RFLO detour (a*={a_s:g}, b*={b_s:g}, w*={w_s:g}, {fb}); M* dashed where RFLO-unstable")
    fig.tight_layout()
    return fig


def compute(cfg: Mapping) -> dict:
    """The figure's data from the validated theory config slice (theory_slice("figure_detour"))."""
    d = cfg["detour"]
    fb = {"tau": cfg["tau"], "a_hat": d["a_hat"], "w_hat": d["w_hat"]}
    kw = {k: d[k] for k in ("t_end", "n_t", "loss_tol")}
    return detour_data(teacher_tuple(d["teacher"]), tuple(d["init"]), fb, rules=tuple(cfg["rules"]), **kw)
