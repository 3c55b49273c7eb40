"""House style and deterministic figure files (PDF + PNG) for every figure.

Colours: one per rule, shared by all figures; the optimal manifold is cyan and the
non-optimal manifold red, as in the paper (docs/model.md §4).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from linrnn.core.rules import get_rule  # noqa: E402
from linrnn.pipeline.io import atomic_target, select  # noqa: E402

OPTIMAL_COLOR = "cyan"
NONOPTIMAL_COLOR = "red"

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.2,
    "svg.hashsalt": "linrnn",
    "pdf.compression": 6,
}

COLUMN_WIDTH = 3.35  # inches, one ICML column
FULL_WIDTH = 6.9


def use_style() -> None:
    plt.rcParams.update(STYLE)


def rule_color(rule: str) -> str:
    """The registered rule's colour (``Rule.color``)."""
    return get_rule(rule).color


def rule_label(rule: str) -> str:
    """The registered rule's name in figures (``Rule.label``)."""
    return get_rule(rule).label


SV_FLOOR = 1e-17  # normalised singular values below this are drawn at it (log axes)


def panel_label(ax, text: str) -> None:
    """The bold panel letter at the top left of an axis."""
    ax.text(-0.02, 1.02, text, transform=ax.transAxes, fontweight="bold", ha="right", va="bottom")


def spectrum(spectra, **where) -> tuple[np.ndarray, str]:
    """Singular values (largest first) and outcome of the ``spectra`` rows matching ``where``."""
    s = select(spectra, **where)
    order = np.argsort(s["index"])
    sv = s["singular_value"][order]
    outcome = str(s["outcome"][0]) if len(s["outcome"]) else ""
    return sv, outcome


def normalised(sv: np.ndarray) -> np.ndarray:
    """σ_i/σ_1 floored at SV_FLOOR (NaN for an empty, non-finite or zero spectrum)."""
    if not len(sv) or not np.isfinite(sv).all() or sv[0] <= 0:
        return np.full(len(sv), np.nan)
    return np.maximum(sv / sv[0], SV_FLOOR)


SETTING_SYMBOLS = {"tau": "τ", "a_hat": "â", "w_hat": "ŵ"}


def setting_label(rule: str, settings) -> str:
    """The per-mode options a rule reads, as figure text: "τ=1", "â=1, ŵ=0.5" ("" if none)."""
    r = get_rule(rule)
    params = r.mode_params(**settings) if r.has_ode else {}
    return ", ".join(f"{SETTING_SYMBOLS[p]}={v:g}" for p, v in params.items())


def save_figure(fig, paths) -> None:
    """Save to each path (.pdf/.png) byte-reproducibly, atomically (temp name, then rename)."""
    for path in paths:
        fmt = Path(path).suffix.lstrip(".")
        metadata = {"CreationDate": None} if fmt == "pdf" else {"Software": None} if fmt == "png" else None
        with atomic_target(path) as tmp:
            fig.savefig(tmp, format=fmt, metadata=metadata, bbox_inches="tight")
    plt.close(fig)


# ---------------------------------------------------------------- theory-figure helpers

STABLE = ("stable node", "stable spiral")  # classifications drawn solid (linrnn.core.theory.classify)
CLASS_COLORS = {
    "stable node": "#b9dcf2",
    "stable spiral": "#3b7dd8",
    "saddle": "#f4b183",
    "unstable": "#d9534f",
    "marginal": "0.6",
}


def rule_kw(rule: str, settings) -> dict:
    """The keyword arguments of one rule from a settings dict (tau, a_hat, w_hat): the options
    the rule reads (``Rule.mode_params``)."""
    return get_rule(rule).mode_params(**settings)


def s_grid(s_min: float, s_max: float, n: int) -> np.ndarray:
    """Both branches of M*: n log-spaced |s| values in [s_min, s_max] on each side of 0."""
    pos = np.geomspace(s_min, s_max, n)
    return np.concatenate([-pos[::-1], pos])


def runs(mask) -> list[tuple[int, int, bool]]:
    """Start/stop indices of the contiguous runs of a boolean array (both values)."""
    edges = np.flatnonzero(np.diff(mask.astype(int))) + 1
    bounds = np.concatenate([[0], edges, [mask.size]])
    return [(int(i), int(j), bool(mask[i])) for i, j in zip(bounds[:-1], bounds[1:], strict=True)]


def draw_stretches(ax, xs, stable, color, lw=2.0, label=None, zorder=2) -> None:
    """Draw xs (tuple of coordinate arrays) as solid where stable, dashed elsewhere; the
    optimal branches are split at s = 0 by the caller (xs holds one branch)."""
    for i, j, st in runs(np.asarray(stable)):
        seg = [x[max(i - 1, 0) : j] for x in xs]
        ax.plot(*seg, color=color, lw=lw, ls="-" if st else "--", label=label, zorder=zorder)
        label = None


def teacher_tuple(t) -> tuple[float, float, float]:
    """(a*, b*, w*) of a config teacher block {a_star, b_star, w_star}."""
    return (t["a_star"], t["b_star"], t["w_star"])


def theory_settings(cfg) -> dict:
    """The per-mode options (tau, a_hat, w_hat) of the theory config block."""
    return {"tau": cfg["tau"], "a_hat": cfg["a_hat"], "w_hat": cfg["w_hat"]}
