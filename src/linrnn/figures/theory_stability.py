"""RFLO stability on the optimal manifold over (s, â) and (s, ŵ) (paper Eqs. 28–29, docs/model.md §3.2).

Theory figure module: ``compute(cfg)`` and ``figure(data, cfg)`` (scripts/theory_figure.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from linrnn.core import theory
from linrnn.figures.style import (
    CLASS_COLORS,
    FULL_WIDTH,
    use_style,
)


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


def figure(data: Mapping, cfg: Mapping) -> Figure:
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
    return fig


def compute(cfg: Mapping) -> dict:
    """The figure's data from the validated theory config slice (theory_slice("figure_stability"))."""
    st = dict(cfg["stability_map"])
    return stability_map_data(st.pop("c"), st.pop("w_star"), **st)
