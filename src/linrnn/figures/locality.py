"""The locality-map figure (docs/locality.md): rows spatial credit, columns temporal credit.

(a) median effective rank of W_K − W_0, (b) fraction of runs that converge, (c) median final
loss relative to the initial loss, from the rank experiment's runs and spectra tables; cells
whose change is rank-bounded by the theory (docs/locality.md §6) are outlined. (d) the
asymptotic rate along the optimal manifold (closed forms 5.1) of every cell with a per-mode ODE,
and (e) the same relative to BPTT.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from linrnn.analysis import locality as lc
from linrnn.core.rules import RuleOptions, get_rule
from linrnn.core.rules import credit as cr
from linrnn.figures.style import FULL_WIDTH, use_style
from linrnn.pipeline.io import select

ROW_LABELS = {"readout": "F = A\n(true readout)", "random": "F = R\n(random)"}
COLUMN_LABELS = {
    "full": "full\n$W^m$",
    "truncated": "cut\n$W^m, m<{tau}$",
    "diagonal": "diagonal\n$W_{{ii}}^m$",
    "scalar": "scalar\n$\\hat w^m$, $\\hat w={w_hat:g}$",
}


def map_grid(summary: list[dict], key: str) -> np.ndarray:
    """A (spatial × temporal) array of one summary column (NaN where a cell is absent)."""
    grid = np.full((len(cr.SPATIAL), len(cr.TEMPORAL)), np.nan)
    for row in summary:
        i = [s.name for s in cr.SPATIAL].index(row["spatial"])
        j = [t.name for t in cr.TEMPORAL].index(row["temporal"])
        grid[i, j] = row[key]
    return grid


def _heatmap(ax, grid, title, fmt, cmap, vmin, vmax, columns, outline=None, log=False):
    shown = np.log10(grid) if log else grid
    colours = plt.get_cmap(cmap)
    ax.imshow(shown, cmap=colours, vmin=vmin, vmax=vmax, aspect="auto")
    for (i, j), v in np.ndenumerate(grid):
        text = "n/a" if not np.isfinite(v) else fmt.format(v)
        level = (shown[i, j] - vmin) / (vmax - vmin) if np.isfinite(shown[i, j]) else 0.0
        r, g, b, _ = colours(float(np.clip(level, 0.0, 1.0)))
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5  # luminance of the cell colour
        ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
        if outline is not None and outline[i, j]:
            ax.add_patch(Rectangle((j - 0.47, i - 0.47), 0.94, 0.94, fill=False, lw=1.4, ec="k"))
    ax.set_xticks(range(len(cr.TEMPORAL)), columns, fontsize=6.5)
    ax.set_yticks(range(len(cr.SPATIAL)), [ROW_LABELS[s.name] for s in cr.SPATIAL], fontsize=6.5)
    ax.set_title(title)
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)


def figure_locality_map(tables: Mapping, cfg: Mapping):
    """cfg: the config ``figures.locality_map`` block (experiment, estimator, rules, rates) plus
    the experiment's ``options`` (tau, w_hat) and ``rank_rtol`` (workflow figure_slice)."""
    use_style()
    exp = tables[cfg["experiment"]]
    runs = select(exp["runs"], estimator=cfg["estimator"])
    spectra = select(exp["spectra"], estimator=cfg["estimator"])
    summary = lc.map_summary(runs, spectra, cfg["rules"])
    tau, w_hat = int(cfg["options"]["tau"]), float(cfg["options"]["w_hat"])
    opts = RuleOptions(tau=tau, w_hat=w_hat)
    bounded = np.zeros((len(cr.SPATIAL), len(cr.TEMPORAL)), dtype=bool)
    for i, sp in enumerate(cr.SPATIAL):
        for j, tc in enumerate(cr.TEMPORAL):
            bounded[i, j] = cr.rank_bounded(sp, tc, opts)
    fig = plt.figure(figsize=(FULL_WIDTH, 4.6), constrained_layout=True)
    grid = fig.add_gridspec(2, 6)
    axes = [fig.add_subplot(grid[0, 2 * k : 2 * k + 2]) for k in range(3)]
    columns = [COLUMN_LABELS[t.name].format(tau=tau, w_hat=w_hat) for t in cr.TEMPORAL]
    rank = map_grid(summary, "effective_rank_W")
    _heatmap(
        axes[0],
        rank,
        "effective rank of $W_K-W_0$",
        "{:.2f}",
        "viridis",
        1.0,
        max(2.0, np.nanmax(rank)),
        columns,
        bounded,
    )
    frac = map_grid(summary, "fraction_converged")
    _heatmap(axes[1], frac, "fraction converged", "{:.2f}", "Greens", 0.0, 1.0, columns)
    loss = map_grid(summary, "relative_loss")
    finite = np.log10(loss[np.isfinite(loss) & (loss > 0)])
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-3.0, 0.0)
    _heatmap(axes[2], loss, "final loss / initial loss", "{:.1e}", "YlOrRd", lo, max(hi, lo + 1e-9), columns, log=True)
    for ax in axes[1:]:
        ax.set_yticklabels([])
    # rates along M* (closed forms 5.1)
    r = cfg["rates"]
    s = np.concatenate(
        [-np.geomspace(r["s_max"], r["s_min"], r["n_s"]), np.geomspace(r["s_min"], r["s_max"], r["n_s"])]
    )
    ode_cells = [n for n in cfg["rules"] if cr.CELLS_BY_NAME[n].temporal.reducible]
    rate_opts = RuleOptions(tau=tau, w_hat=float(r["w_hat"]), a_hat=float(r["a_hat"]))
    rates = lc.rate_curves(ode_cells, s, r["c"], r["w_star"], rate_opts)
    ax_r = fig.add_subplot(grid[1, :3])
    ax_q = fig.add_subplot(grid[1, 3:])
    ref = next(n for n in ode_cells if get_rule(n).gradient)  # the exact gradient: BPTT
    for name in ode_cells:
        cell = cr.CELLS_BY_NAME[name]
        style = dict(color=cell.colour, lw=2.2 if name == ref else 1.2, ls="-" if cell.spatial.varies else "--")
        ax_r.plot(s, rates[name], label=cell.label, **style)
        if name != ref:
            ax_q.plot(s, rates[name] / rates[ref], **style)
    for ax in (ax_r, ax_q):
        ax.set_yscale("log")
        ax.set_xlabel("$s = a$ on the optimal manifold $(s, c/s, w^*)$")
        ax.axvline(0.0, color="0.6", lw=0.6)
    ax_q.axhline(1.0, color=cr.CELLS_BY_NAME[ref].colour, lw=1.0)
    ax_r.set_ylabel("rate $-\\max\\,\\mathrm{Re}\\,\\lambda$")
    ax_q.set_ylabel("rate / BPTT rate")
    ax_r.set_title("asymptotic rate along $M^*$ (gaps: unstable)")
    ax_r.text(
        0.02,
        0.97,
        f"$c={r['c']:g}$, $w^*={r['w_star']:g}$, $\\hat a={r['a_hat']:g}$, $\\hat w={r['w_hat']:g}$, $\\tau={tau}$",
        transform=ax_r.transAxes,
        va="top",
        fontsize=6.5,
    )
    ax_q.set_title("relative to BPTT (dashed: random feedback)")
    ax_r.legend(frameon=False, fontsize=6, ncol=2, loc="lower left")
    for ax, label in zip(axes + [ax_r, ax_q], "abcde", strict=True):
        ax.text(-0.02, 1.02, label, transform=ax.transAxes, fontweight="bold", ha="right", va="bottom")
    return fig
