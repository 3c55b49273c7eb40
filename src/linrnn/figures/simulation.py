"""The three simulation figures, drawn from the tidy diagnostics tables only.

Each ``figure_*`` function takes ``{experiment: {table: DataFrame}}`` (linrnn.pipeline.io.read_table) and
its config ``figures.<name>`` block and returns a matplotlib Figure; rows are picked with
``linrnn.pipeline.io.select`` (column arrays to plot). Diverged runs are drawn
with their last finite state and marked (× marker, dashed line, legend note); no NaN is
plotted silently.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import LogLocator, NullFormatter

from linrnn.analysis.diagnostics import (
    BUDGET_EXHAUSTED,
    CONVERGED,
    DIVERGED,
    FAILED,
    NOT_CONVERGED,
    STALLED,
    relative_loss_paths,
)
from linrnn.figures.style import (
    COLUMN_WIDTH,
    FULL_WIDTH,
    SV_FLOOR,
    normalised,
    panel_label,
    rule_color,
    rule_label,
    save_figure,
    spectrum,
    use_style,
)
from linrnn.pipeline import io
from linrnn.pipeline.io import select

MODE_COLORS = ("#3b0f70", "#1f78b4", "#33a02c", "#d08c00", "#b2182b", "#555555")
OUTCOME_MARKERS = {CONVERGED: "o", STALLED: "s", BUDGET_EXHAUSTED: "^", DIVERGED: "X", NOT_CONVERGED: "v"}
OUTCOME_LABELS = {
    CONVERGED: "converged",
    STALLED: "stalled",
    BUDGET_EXHAUSTED: "budget exhausted",
    DIVERGED: "diverged",
    NOT_CONVERGED: "not converged",
}
# the end-state bars of the reliability figure: (alpha of the rule colour, hatch); diverged in black
OUTCOME_BARS = {
    CONVERGED: (1.0, ""),
    STALLED: (0.45, "////"),
    BUDGET_EXHAUSTED: (0.15, "...."),
    NOT_CONVERGED: (0.15, ""),
}
ALIGN_STYLES = {"recurrent": "-", "input": "--", "output": ":", "feedback": "-."}


def save(fig, paths, meta_path, prov: Mapping) -> None:
    """Deterministic PDF/PNG (linrnn.figures.style.save_figure) plus a ``.meta.json`` provenance file."""
    save_figure(fig, paths)
    io.write_json(meta_path, {"files": [str(p) for p in paths], "provenance": prov})


def _mark_divergence(ax, x, y, color) -> None:
    ax.plot([x], [y], marker="X", color=color, markersize=6, markeredgecolor="k", zorder=5)


def _log_ticks(axis) -> None:
    """Decade ticks only (no crowded minor labels)."""
    axis.set_major_locator(LogLocator(base=10))
    axis.set_minor_formatter(NullFormatter())


def _threshold(runs: Mapping) -> float | None:
    values = np.unique(runs["rel_loss_threshold"]) if len(runs.get("rel_loss_threshold", [])) else []
    return float(values[0]) if len(values) == 1 else None


def _mark_criterion(ax, threshold: float | None, vertical: bool = False) -> None:
    """Dotted line at the convergence criterion (final loss / initial loss), if one is set."""
    if threshold is not None:
        (ax.axvline if vertical else ax.axhline)(threshold, color="0.4", lw=0.7, ls=":")


def _finite(x, y):
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


# --------------------------------------------------------------------------- Figure 1


def figure_validation(tables: Mapping, cfg: Mapping):
    """Rows: rules. Columns: a, b, w per mode (full RNN vs ODE), alignment, loss."""
    use_style()
    t = tables[cfg["experiment"]]
    modes, align, loss, runs = t["modes"], t["alignment"], t["loss"], t["runs"]
    seed = cfg["seed"]
    rules = list(cfg["rules"])
    fig, axes = plt.subplots(
        len(rules),
        5,
        figsize=(FULL_WIDTH, 1.45 * len(rules) + 0.6),
        squeeze=False,
        constrained_layout=True,
    )
    sel = select(modes, seed=seed)
    k = int(sel["mode_index"].max()) + 1 if len(sel["mode_index"]) else 0
    notes = []
    for r, rule in enumerate(rules):
        for c, var in enumerate(("a", "b", "w")):
            ax = axes[r, c]
            for i in range(k):
                color = MODE_COLORS[i % len(MODE_COLORS)]
                for estimator, kw in (
                    ("sampled", {"lw": 0.7, "alpha": 0.55, "ls": "-"}),
                    ("expected", {"lw": 1.3, "ls": "-"}),
                    ("ode", {"lw": 0.9, "ls": (0, (3, 2)), "color": "k"}),
                ):
                    m = select(sel, rule=rule, estimator=estimator, mode_index=i)
                    if not len(m["time"]):
                        continue
                    x, y = _finite(m["time"], m[var])
                    ax.plot(x, y, **({"color": color} | kw))
                    if m["status"][0] in FAILED and len(x):
                        _mark_divergence(ax, x[-1], y[-1], color)
                        notes.append(f"{rule_label(rule)} {estimator}: {m['status'][0]}")
                if var == "w":
                    w_star = select(sel, rule=rule, mode_index=i)["w_star"]
                    if len(w_star):
                        ax.axhline(w_star[0], color=color, lw=0.6, ls=":", alpha=0.8)
            if r == 0:
                ax.set_title(
                    {
                        "a": "readout mode $a_i$",
                        "b": "input mode $b_i$",
                        "w": "recurrent mode $w_i$",
                    }[var]
                )
            if r == len(rules) - 1:
                ax.set_xlabel("learning time $\\eta k$")
            if c == 0:
                ax.set_ylabel(rule_label(rule), color=rule_color(rule), fontweight="bold")
        # alignment
        ax = axes[r, 3]
        for metric, ls in ALIGN_STYLES.items():
            for estimator, lw, alpha in (("sampled", 0.7, 0.5), ("expected", 1.3, 1.0)):
                a = select(align, rule=rule, seed=seed, estimator=estimator, metric=metric)
                if len(a["time"]):
                    x, y = _finite(a["time"], a["value"])
                    ax.plot(x, y, ls=ls, lw=lw, alpha=alpha, color=rule_color(rule))
        ax.set_ylim(-0.35, 1.05)
        if r == 0:
            ax.set_title("alignment")
        if r == len(rules) - 1:
            ax.set_xlabel("learning time $\\eta k$")
        # loss
        ax = axes[r, 4]
        for estimator, lw, alpha in (("sampled", 0.7, 0.5), ("expected", 1.3, 1.0)):
            lo = select(loss, rule=rule, seed=seed, estimator=estimator)
            if len(lo["time"]):
                x, y = _finite(lo["time"], lo["loss"])
                ax.plot(x, y, lw=lw, alpha=alpha, color=rule_color(rule))
                run = select(runs, rule=rule, seed=seed, estimator=estimator)
                if len(run["outcome"]) and run["outcome"][0] == DIVERGED:
                    _mark_divergence(ax, x[-1], y[-1], rule_color(rule))
                    notes.append(f"{rule_label(rule)} {estimator}: diverged at step {run['diverged_step'][0]}")
        ax.set_yscale("log")
        if r == 0:
            ax.set_title("loss $L$")
        if r == len(rules) - 1:
            ax.set_xlabel("learning time $\\eta k$")
    # legends (top row)
    strengths = []
    for i in range(k):
        m = select(sel, mode_index=i)
        strengths.append(abs(m["a_star"][0] * m["b_star"][0]) if len(m["a_star"]) else np.nan)
    mode_handles = [
        Line2D(
            [],
            [],
            color=MODE_COLORS[i % len(MODE_COLORS)],
            lw=1.3,
            label=f"mode {i + 1} ($|a^*b^*|$={strengths[i]:.2g})",
        )
        for i in range(k)
    ]
    src_handles = [
        Line2D([], [], color="0.3", lw=1.3, label="full RNN, expected"),
        Line2D([], [], color="0.3", lw=0.7, alpha=0.55, label="full RNN, sampled"),
        Line2D([], [], color="k", lw=0.9, ls=(0, (3, 2)), label="per-mode ODE"),
        Line2D([], [], color="0.3", lw=0.6, ls=":", label="teacher $w^*_i$"),
    ]
    align_handles = [Line2D([], [], color="0.3", ls=ls, label=f"{m} alignment") for m, ls in ALIGN_STYLES.items()]
    if notes:
        src_handles.append(Line2D([], [], color="0.3", marker="X", ls="none", label="diverged"))
    fig.legend(
        handles=mode_handles + src_handles + align_handles,
        loc="outside lower center",
        ncol=4,
        frameon=False,
    )
    return fig


# --------------------------------------------------------------------------- Figure 2


def figure_low_rank(tables: Mapping, cfg: Mapping):
    """σ_i/σ_1 of W_K − W_0 and B_K − B_0 per rule (o = 1), and of RFLO over o."""
    use_style()
    spectra = tables[cfg["experiment"]]["spectra"]
    runs = tables[cfg["experiment"]]["runs"]
    n_show, estimator, seed = cfg["n_show"], cfg["estimator"], cfg["seed"]
    fig, axes = plt.subplots(1, 3, figsize=(FULL_WIDTH, 2.3), constrained_layout=True)
    for ax, matrix, title in (
        (axes[0], "W", "recurrent change $W_K-W_0$"),
        (axes[1], "B", "input change $B_K-B_0$"),
    ):
        longest = 1
        for rule in cfg["rules"]:
            color = rule_color(rule)
            seeds = np.unique(select(spectra, rule=rule, estimator=estimator, matrix=matrix)["seed"])
            for s in seeds:
                sv, outcome = spectrum(spectra, rule=rule, estimator=estimator, matrix=matrix, seed=s)
                y = normalised(sv)[:n_show]
                x = np.arange(1, len(y) + 1)
                longest = max(longest, len(y))
                ls = "--" if outcome == DIVERGED else "-"
                if s == seed:
                    ax.plot(
                        x,
                        y,
                        ls=ls,
                        marker="o",
                        ms=3,
                        lw=1.3,
                        color=color,
                        zorder=4,
                        label=rule_label(rule),
                    )
                else:
                    ax.plot(x, y, ls=ls, lw=0.5, alpha=0.35, color=color)
        ax.set_yscale("log")
        ax.set_ylim(SV_FLOOR / 3, 3)
        ax.set_xlabel("index $i$")
        ax.set_title(title)
        ax.set_xticks(np.arange(1, longest + 1, max(1, longest // 5)))
    axes[0].set_ylabel("$\\sigma_i/\\sigma_1$")
    o1 = select(runs, estimator=estimator)
    o_value = int(o1["o"][0]) if len(o1["o"]) else 1
    handles, labels = axes[0].get_legend_handles_labels()
    axes[1].legend(
        handles,
        labels,
        title=f"o = {o_value}; bold: seed {seed}",
        title_fontsize=7,
        frameon=False,
        loc="center right",
    )
    # RFLO across output dimensions
    ax = axes[2]
    rule = cfg["rank_rule"]
    cmap = plt.get_cmap("Greens")
    names = list(cfg["rank_experiments"])
    for j, name in enumerate(names):
        sp = select(tables[name]["spectra"], rule=rule, estimator=estimator, matrix="W")
        r = select(tables[name]["runs"], rule=rule, estimator=estimator)
        if not len(r["o"]):
            continue
        o = int(r["o"][0])
        color = cmap(0.45 + 0.55 * j / max(1, len(names) - 1))
        for s in np.unique(sp["seed"]):
            sv, outcome = spectrum(sp, seed=s)
            y = normalised(sv)[:n_show]
            ax.plot(
                np.arange(1, len(y) + 1),
                y,
                marker="o",
                ms=3,
                lw=1.1,
                color=color,
                ls="--" if outcome == DIVERGED else "-",
                label=f"o = {o}" if s == np.unique(sp["seed"])[0] else None,
            )
        ax.axvline(o + 0.5, color=color, lw=0.7, ls=":")
    ax.set_yscale("log")
    ax.set_ylim(SV_FLOOR / 3, 3)
    ax.set_xlabel("index $i$")
    ax.set_title(f"{rule_label(rule)}: rank($W_K-W_0$) $\\leq o$")
    ax.set_xticks(np.arange(1, n_show + 1, max(1, n_show // 5)))
    ax.legend(frameon=False, loc="upper right")
    for ax, label in zip(axes, "abc", strict=True):
        panel_label(ax, label)
    if np.any(select(runs, estimator=estimator)["outcome"] == DIVERGED):
        fig.text(
            0.5,
            -0.02,
            "dashed: diverged run (spectrum of its last finite state)",
            ha="center",
            fontsize=7,
        )
    return fig


# --------------------------------------------------------------------------- Figure 3


def reliability_paths(tables: Mapping, cfg: Mapping) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{rule: (learning time, relative loss of each seed)} from the experiment's loss and runs
    tables (`diagnostics.relative_loss_paths`)."""
    runs = select(tables[cfg["experiment"]]["runs"], estimator=cfg["estimator"])
    loss = select(tables[cfg["experiment"]]["loss"], estimator=cfg["estimator"])
    out = {}
    for rule in cfg["rules"]:
        r, lr = select(runs, rule=rule), select(loss, rule=rule)
        curves = []
        for seed, status in zip(r["seed"], r["train_status"], strict=True):
            one = select(lr, seed=seed)
            order = np.argsort(one["time"])
            curves.append((one["time"][order], one["loss"][order], status in FAILED))
        out[rule] = relative_loss_paths(curves)
    return out


def figure_reliability(tables: Mapping, cfg: Mapping):
    """Converged fraction per rule (vs the paper) at the end and over learning time, final
    relative loss, rank vs loss."""
    use_style()
    runs = select(tables[cfg["experiment"]]["runs"], estimator=cfg["estimator"])
    rules = list(cfg["rules"])
    threshold = _threshold(runs)
    fig, grid = plt.subplots(2, 2, figsize=(FULL_WIDTH, 4.4), constrained_layout=True)
    axes = grid.ravel()
    # (a) end states: converged, stalled, budget exhausted, diverged (stacked, bottom up)
    ax = axes[0]
    x = np.arange(len(rules))
    for j, rule in enumerate(rules):
        r = select(runs, rule=rule)
        n = len(r["seed"])
        bottom = 0.0
        for outcome in (CONVERGED, STALLED, BUDGET_EXHAUSTED, NOT_CONVERGED, DIVERGED):
            k = int(np.sum(r["outcome"] == outcome))
            if not (k and n):
                continue
            alpha, hatch = OUTCOME_BARS.get(outcome, (1.0, ""))
            color = "0.15" if outcome == DIVERGED else rule_color(rule)
            ax.bar(j, k / n, bottom=bottom, color=color, alpha=alpha, hatch=hatch, edgecolor=rule_color(rule), lw=0.4)
            bottom += k / n
        k = int(np.sum(r["outcome"] == CONVERGED))
        ax.text(j, (k / n if n else 0) + 0.02, f"{k}/{n}", ha="center", va="bottom", fontsize=7)
        paper = cfg["paper_converged"].get(rule)
        if paper is not None:
            ax.plot(j, paper / cfg["paper_runs"], marker="D", color="k", ms=4, ls="none")
    ax.set_xticks(x, [rule_label(r) for r in rules])
    ax.set_ylim(0, 1.18)
    ax.set_ylabel("fraction of runs")
    ax.set_title(
        "end states: converged (solid; \u25c6 paper), stalled (///), budget (...), diverged (black)", fontsize=6
    )
    # (b) relative loss over learning time (median and range over seeds): the counts in (a)
    # are read at the end of a budget the paper does not state
    ax = axes[1]
    for rule, (times, paths) in reliability_paths(tables, cfg).items():
        if not paths.size:
            continue
        with np.errstate(all="ignore"):
            live = np.isfinite(paths).any(axis=0)
            lo, mid, hi = (np.nanquantile(paths[:, live], q, axis=0) for q in (0.0, 0.5, 1.0))
        ax.fill_between(times[live], lo, hi, color=rule_color(rule), alpha=0.18, lw=0)
        ax.plot(times[live], mid, color=rule_color(rule), label=rule_label(rule))
    ax.set_yscale("log")
    _log_ticks(ax.yaxis)
    _mark_criterion(ax, threshold)
    ax.set_xlabel("learning time $\\eta k$")
    ax.set_ylabel("loss / initial loss")
    ax.set_title("loss over training (median, range)")
    ax.legend(frameon=False, fontsize=6, loc="best")
    # (c) final relative loss per run
    ax = axes[2]
    rng_jitter = np.linspace(-0.25, 0.25, 41)
    for j, rule in enumerate(rules):
        r = select(runs, rule=rule)
        for idx in range(len(r["seed"])):
            outcome = str(r["outcome"][idx])
            y = r["relative_loss"][idx]
            if not np.isfinite(y):
                continue
            ax.plot(
                j + rng_jitter[int(r["seed"][idx]) % len(rng_jitter)],
                y,
                marker=OUTCOME_MARKERS[outcome],
                color=rule_color(rule),
                ms=4,
                ls="none",
                alpha=0.85,
                mec="k" if outcome == DIVERGED else "none",
                mew=0.5,
            )
    ax.set_yscale("log")
    _log_ticks(ax.yaxis)
    ax.set_xticks(x, [rule_label(r) for r in rules])
    ax.set_ylabel("final loss / initial loss")
    _mark_criterion(ax, threshold)
    ax.set_title("final loss (dotted: criterion)")
    # (d) effective rank vs relative loss
    ax = axes[3]
    for rule in rules:
        r = select(runs, rule=rule)
        for outcome, marker in OUTCOME_MARKERS.items():
            m = r["outcome"] == outcome
            xs, ys = r["relative_loss"][m], r["effective_rank_W"][m]
            ok = np.isfinite(xs) & np.isfinite(ys)
            ax.plot(
                xs[ok],
                ys[ok],
                marker=marker,
                ls="none",
                ms=4,
                color=rule_color(rule),
                alpha=0.85,
                mec="k" if outcome == DIVERGED else "none",
                mew=0.5,
            )
    ax.set_xscale("log")
    _log_ticks(ax.xaxis)
    _mark_criterion(ax, threshold, vertical=True)
    ax.set_xlabel("final loss / initial loss")
    ax.set_ylabel("effective rank of $W_K-W_0$")
    ax.set_title("rank of the learned change")
    handles = [Line2D([], [], color=rule_color(r), marker="s", ls="none", label=rule_label(r)) for r in rules]
    present = set(runs["outcome"]) if len(runs["outcome"]) else set()
    handles += [
        Line2D([], [], color="0.4", marker=m, ls="none", label=OUTCOME_LABELS[o])
        for o, m in OUTCOME_MARKERS.items()
        if o in present
    ]
    ax.legend(handles=handles, frameon=False, fontsize=6, loc="best")
    for ax, label in zip(axes, "abcd", strict=True):
        panel_label(ax, label)
    return fig


__all__ = ["COLUMN_WIDTH", "figure_low_rank", "figure_reliability", "figure_validation", "reliability_paths", "save"]
