"""The five theory figures: data builders (``*_data``) and plotters (``plot_*``).

Each builder takes plain numbers (from config) and returns a dict of arrays computed with
``linrnn.core.theory`` and ``linrnn.core.modes``; each plotter takes that dict and the output paths and
draws one figure.  Colours: optimal manifold cyan, non-optimal red (docs/model.md §4); stable stretches
solid, unstable (saddle, unstable, marginal) dashed; one colour per rule for trajectories.

1. manifold structure in (a, b, w) per rule, with ODE trajectories   (poster panel A, docs/model.md §3.1)
2. vector fields on 2-D slices per rule                              (poster panel B)
3. convergence rates along M* against s, small and large |w*|        (docs/model.md §3.2)
4. the RFLO detour from (1, 1, 0.6) (paper Fig. 4)                   (docs/model.md §4)
5. RFLO stability over (s, â) and (s, ŵ) (paper Eqs. 28–29)          (docs/model.md §3.2)
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from linrnn.core import modes, theory
from linrnn.core.rules import get_rule
from linrnn.figures.style import (
    FULL_WIDTH,
    NONOPTIMAL_COLOR,
    OPTIMAL_COLOR,
    rule_color,
    rule_label,
    save_figure,
    setting_label,
    use_style,
)

STABLE = ("stable node", "stable spiral")
CLASS_COLORS = {
    "stable node": "#b9dcf2",
    "stable spiral": "#3b7dd8",
    "saddle": "#f4b183",
    "unstable": "#d9534f",
    "marginal": "0.6",
}


def _rule_kw(rule, settings):
    """The keyword arguments of one rule from a settings dict (tau, a_hat, w_hat): the options
    the rule reads (``Rule.mode_params``)."""
    return get_rule(rule).mode_params(**settings)


def _s_grid(s_min, s_max, n):
    """Both branches: n log-spaced |s| values in [s_min, s_max] on each side of 0."""
    pos = np.geomspace(s_min, s_max, n)
    return np.concatenate([-pos[::-1], pos])


def _runs(mask):
    """Start/stop indices of the contiguous runs of a boolean array (both values)."""
    edges = np.flatnonzero(np.diff(mask.astype(int))) + 1
    bounds = np.concatenate([[0], edges, [mask.size]])
    return [(int(i), int(j), bool(mask[i])) for i, j in zip(bounds[:-1], bounds[1:], strict=True)]


def _draw_stretches(ax, xs, stable, color, lw=2.0, label=None, zorder=2):
    """Draw xs (tuple of coordinate arrays) as solid where stable, dashed elsewhere; the
    optimal branches are split at s = 0 by the caller (xs holds one branch)."""
    for i, j, st in _runs(np.asarray(stable)):
        seg = [x[max(i - 1, 0) : j] for x in xs]
        ax.plot(
            *seg,
            color=color,
            lw=lw,
            ls="-" if st else "--",
            label=label,
            zorder=zorder,
        )
        label = None


# ---------------------------------------------------------------- 1. manifold structure


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
    s = _s_grid(s_min, s_max, n_s)
    s = s[np.abs(c / s) <= b_max]
    w_line = np.linspace(-0.95, 0.95, 101)
    t = np.linspace(0.0, t_end, n_t)
    out = {"teacher": tuple(teacher), "rules": list(rules), "settings": dict(settings)}
    for rule in rules:
        kw = _rule_kw(rule, settings)
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


def plot_manifold_structure(data, paths):
    """Figure 1: 3-D (a, b, w) per rule; M* cyan, M0 red; solid stable, dashed unstable."""
    use_style()
    rules = data["rules"]
    fig = plt.figure(figsize=(FULL_WIDTH * 1.2, FULL_WIDTH * 1.2 / len(rules) + 0.6))
    for k, rule in enumerate(rules):
        ax = fig.add_subplot(1, len(rules), k + 1, projection="3d")
        d = data[rule]
        for i, br in enumerate(d["optimal"]):
            _draw_stretches(
                ax,
                (br["a"], br["b"], br["w"]),
                br["stable"],
                OPTIMAL_COLOR,
                label="optimal" if i == 0 else None,
            )
        if d["nonoptimal"] is not None:
            n = d["nonoptimal"]
            _draw_stretches(ax, (n["a"], n["b"], n["w"]), n["stable"], NONOPTIMAL_COLOR, label="non-optimal")
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
    save_figure(fig, paths)


# ---------------------------------------------------------------- 2. vector fields


def vector_field_data(teacher, rules, settings, *, ab_lim=2.5, n_grid=41, w_lim=0.95, s_min=0.15, n_s=200):
    """Field slices per rule: the (a, b) plane at w = w* and the diagonal plane (u, w)
    through M0 (u along (1, ±1, 0)/√2, sign of c), with M* / M0 stability for overlays."""
    a_star, b_star, w_star = teacher
    c = a_star * b_star
    u = np.linspace(-ab_lim, ab_lim, n_grid)
    wv = np.linspace(-w_lim, w_lim, n_grid)
    s = _s_grid(s_min, ab_lim, n_s)
    s = s[np.abs(c / s) <= ab_lim]
    balanced = np.array([-1.0, 1.0]) * math.sqrt(abs(c))
    out = {"teacher": tuple(teacher), "rules": list(rules), "settings": dict(settings)}
    for rule in rules:
        kw = _rule_kw(rule, settings)
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


def plot_vector_fields(data, paths):
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
            _draw_stretches(ax, (d["opt_a"][m], d["opt_b"][m]), d["opt_stable"][m], OPTIMAL_COLOR, zorder=3)
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
    save_figure(fig, paths)


# ---------------------------------------------------------------- 3. convergence rates


def rates_data(c, w_stars, settings, *, s_min=0.05, s_max=5.0, n_s=400, rules=("bptt", "tbptt", "rflo")):
    """Rate −max Re λ along M* against s for each rule and each w* (docs/model.md §3.2)."""
    s = _s_grid(s_min, s_max, n_s)
    out = {
        "c": c,
        "w_stars": list(w_stars),
        "rules": list(rules),
        "s": s,
        "settings": dict(settings),
    }
    for ws in w_stars:
        for rule in rules:
            spec = theory.manifold_spectrum(rule, s, c, 1.0, ws, **_rule_kw(rule, settings))
            out[(rule, ws)] = dict(rate=spec["rate"], classification=spec["classification"])
    return out


def plot_rates(data, paths):
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
                _draw_stretches(
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
    save_figure(fig, paths)


# ---------------------------------------------------------------- 4. RFLO detour


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
        r = modes.integrate_modes(rule, *init, a_star, b_star, w_star, t, **_rule_kw(rule, settings))
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


def plot_detour(data, paths):
    """Figure 4: (a, b) projection with M*, w(t), and loss(t) for the three rules."""
    use_style()
    a_s, b_s, w_s = data["teacher"]
    c = a_s * b_s
    fig, axes = plt.subplots(1, 3, figsize=(FULL_WIDTH, 2.4))
    lim = 1.2 * max(max(np.max(np.abs(data[r]["a"])), np.max(np.abs(data[r]["b"]))) for r in data["rules"])
    s = _s_grid(0.05, lim, 200)
    s = s[np.abs(c / s) <= lim]
    kw = _rule_kw("rflo", data["settings"])
    st = np.isin(theory.manifold_spectrum("rflo", s, a_s, b_s, w_s, **kw)["classification"], STABLE)
    for m in (s < 0, s > 0):
        _draw_stretches(
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
    save_figure(fig, paths)


# ---------------------------------------------------------------- 5. RFLO stability map


def stability_map_data(
    c,
    w_star,
    *,
    s_lim=4.0,
    n_s=241,
    a_hat_lim=2.0,
    n_a_hat=161,
    w_hat_fixed=0.0,
    a_hat_fixed=1.0,
    n_w_hat=161,
    w_hat_lim=0.95,
):
    """RFLO's classification and rate on M* over (s, â) at ŵ = w_hat_fixed and over (s, ŵ)
    at â = a_hat_fixed (paper Eqs. 28–29), teacher c = a*b*, w*."""
    s = np.linspace(-s_lim, s_lim, n_s)
    s = s[s != 0]
    a_hat = np.linspace(-a_hat_lim, a_hat_lim, n_a_hat)
    a_hat = a_hat[a_hat != 0]
    w_hat = np.linspace(-w_hat_lim, w_hat_lim, n_w_hat)
    return dict(
        c=c,
        w_star=w_star,
        w_hat_fixed=w_hat_fixed,
        a_hat_fixed=a_hat_fixed,
        by_a_hat=theory.rflo_stability_map(s, c, 1.0, w_star, a_hat=a_hat, w_hat=w_hat_fixed),
        by_w_hat=theory.rflo_stability_map(s, c, 1.0, w_star, a_hat=a_hat_fixed, w_hat=w_hat),
    )


def _class_mesh(ax, x, y, code):
    cmap = ListedColormap([CLASS_COLORS[n] for n in theory.CLASSES])
    ax.pcolormesh(
        x,
        y,
        code,
        cmap=cmap,
        vmin=-0.5,
        vmax=len(theory.CLASSES) - 0.5,
        shading="nearest",
        rasterized=True,
    )


def plot_stability_map(data, paths):
    """Figure 5: RFLO classification on M* over (s, â) and (s, ŵ); sign condition â s = 0
    (black), det = 0 curve c² + â s³ = 0 (dashed), stable-rate contours."""
    use_style()
    c, ws = data["c"], data["w_star"]
    fig, axes = plt.subplots(1, 2, figsize=(FULL_WIDTH, 2.8))
    ma = data["by_a_hat"]
    _class_mesh(axes[0], ma["s"], ma["a_hat"], ma["code"])
    axes[0].axvline(0, color="k", lw=0.8)
    axes[0].axhline(0, color="k", lw=0.8)
    s = ma["s"]
    with np.errstate(divide="ignore"):
        ah_det = -(c**2) / s**3
    ok = np.abs(ah_det) <= np.max(np.abs(ma["a_hat"]))
    axes[0].plot(s[ok & (s > 0)], ah_det[ok & (s > 0)], "k--", lw=0.8)
    axes[0].plot(s[ok & (s < 0)], ah_det[ok & (s < 0)], "k--", lw=0.8, label="det = 0: c² + â s³ = 0")
    axes[0].set(xlabel="s = a on M*", ylabel="feedback â", title=f"(s, â) at ŵ = {data['w_hat_fixed']:g}")
    axes[0].legend(frameon=False, loc="lower left", fontsize=6)
    mw = data["by_w_hat"]
    _class_mesh(axes[1], mw["s"], mw["w_hat"], mw["code"])
    axes[1].axvline(0, color="k", lw=0.8)
    axes[1].set(xlabel="s = a on M*", ylabel="trace decay ŵ", title=f"(s, ŵ) at â = {data['a_hat_fixed']:g}")
    for ax, m, y in ((axes[0], ma, ma["a_hat"]), (axes[1], mw, mw["w_hat"])):
        rate = np.where(m["rate"] > 0, m["rate"], np.nan)
        if np.isfinite(rate).any():
            cs = ax.contour(
                m["s"],
                y,
                np.log10(rate),
                levels=[-1, 0, 1],
                colors="0.25",
                linewidths=0.4,
            )
            ax.clabel(cs, fmt=lambda v: f"{10**v:.2g}", fontsize=5)
    handles = [plt.Rectangle((0, 0), 1, 1, color=CLASS_COLORS[n]) for n in theory.CLASSES]
    fig.legend(
        handles,
        theory.CLASSES,
        loc="lower center",
        ncol=len(theory.CLASSES),
        frameon=False,
        bbox_to_anchor=(0.5, -0.04),
    )
    fig.suptitle(
        f"RFLO stability on the optimal manifold (a*b* = {c:g}, w* = {ws:g})\n"
        "stable where â s > 0 and in small pockets; contours: rate −max Re λ"
    )
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    save_figure(fig, paths)


# ---------------------------------------------------------------- config → figure

FIGURES = ("manifolds", "vector_fields", "rates", "detour", "stability")


def _teacher(t):
    return (t["a_star"], t["b_star"], t["w_star"])


def figure_data(name, cfg):
    """Data of figure `name` from the validated `theory:` config block (theory.schema.yaml)."""
    settings = {"tau": cfg["tau"], "a_hat": cfg["a_hat"], "w_hat": cfg["w_hat"]}
    rules = cfg["rules"]
    if name == "manifolds":
        m = cfg["manifolds"]
        inits = [tuple(x) for x in m["inits"]]
        kw = {k: m[k] for k in ("s_min", "s_max", "n_s", "t_end", "n_t")}
        return manifold_structure_data(_teacher(cfg["teacher"]), rules, settings, inits, **kw)
    if name == "vector_fields":
        v = cfg["vector_fields"]
        return vector_field_data(_teacher(cfg["teacher"]), rules, settings, **v)
    if name == "rates":
        r = dict(cfg["rate_figure"])
        return rates_data(r.pop("c"), r.pop("w_stars"), settings, rules=tuple(rules), **r)
    if name == "detour":
        d = cfg["detour"]
        fb = {"tau": cfg["tau"], "a_hat": d["a_hat"], "w_hat": d["w_hat"]}
        kw = {k: d[k] for k in ("t_end", "n_t", "loss_tol")}
        return detour_data(_teacher(d["teacher"]), tuple(d["init"]), fb, rules=tuple(rules), **kw)
    if name == "stability":
        st = dict(cfg["stability_map"])
        return stability_map_data(st.pop("c"), st.pop("w_star"), **st)
    raise ValueError(f"figure must be one of {FIGURES}, got {name!r}")


def draw(name, data, paths):
    """Draw figure `name` from figure_data(name, ...) into paths (.pdf/.png)."""
    plotters = {
        "manifolds": plot_manifold_structure,
        "vector_fields": plot_vector_fields,
        "rates": plot_rates,
        "detour": plot_detour,
        "stability": plot_stability_map,
    }
    if name not in plotters:
        raise ValueError(f"figure must be one of {FIGURES}, got {name!r}")
    plotters[name](data, paths)
