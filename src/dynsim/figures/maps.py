"""Where networks lie and whether metrics agree: an MDS map per metric coloured by each varied
factor, the metrics' rank agreement, and distance against accuracy difference."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from scipy.stats import spearmanr

from dynsim.figures.common import factor_colours, save_figure, text_width
from dynsim.figures.data import (
    accuracy_pairs,
    classical_mds,
    factor_levels,
    metric_agreement,
    network_order,
    pair_distances_aligned,
    varied_factors,
)
from dynsim.figures.heatmap import checkpoint_phrase

__all__ = ["accuracy_figure", "agreement_figure", "mds_map"]

_MARKERS = "osD^vP*Xph"
_FONT = 8  # legend font size (points)
_MAP = 3.6  # inches of map per panel
_LEGEND_PAD = 0.6  # inches of legend marker, gaps and frame besides the text


def mds_map(matrix: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Networks placed by classical MDS of one metric's distances
    (:func:`~dynsim.figures.data.classical_mds`), one panel per varied factor with the points
    coloured by its levels (the same coordinates in every panel); the axes give each
    component's share of the variance. Each panel is a 3.6 in map plus its legend's measured
    width, so long level names widen the file rather than squeeze the map. Returns the path.
    Raises ValueError when the matrix is not square over one set of networks."""
    order = network_order(matrix)  # checks squareness; models in stored order
    models = list(order.models)
    d = matrix["distance"].sel(model_a=models, model_b=models).values
    coords, explained = classical_mds(d)
    factors = varied_factors(matrix) or ["task"]
    factors = [f for f in factors if f"{f}_a" in matrix.coords] or []
    # each panel: a 3.6 in map plus its legend's measured width, so that long level names
    # (e.g. curricula's regimes) widen the figure instead of squeezing the map
    legends = [
        text_width([*dict.fromkeys(factor_levels(matrix, f)), f], _FONT) + _LEGEND_PAD
        for f in factors
    ] or [0.0]
    widths = [_MAP + w for w in legends]
    fig = Figure(figsize=(sum(widths), _MAP + 0.8), layout="constrained")
    axes = np.atleast_1d(
        fig.subplots(1, len(widths), squeeze=False, gridspec_kw={"width_ratios": widths})
    ).ravel()
    for ax, factor in zip(axes, factors or [None], strict=True):
        if factor is None:
            ax.scatter(coords[:, 0], coords[:, 1], s=40, color="tab:blue", edgecolor="k", lw=0.5)
        else:
            levels = factor_levels(matrix.sel(model_a=models), factor)
            colours = factor_colours(factor, list(dict.fromkeys(levels)))
            for k, (level, colour) in enumerate(colours.items()):
                at = levels == level
                ax.scatter(
                    coords[at, 0],
                    coords[at, 1],
                    s=45,
                    color=colour,
                    edgecolor="k",
                    lw=0.5,
                    marker=_MARKERS[k % len(_MARKERS)],
                    label=level,
                )
            ax.legend(
                title=factor,
                fontsize=_FONT,
                title_fontsize=_FONT,
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
            )
            ax.set_title(f"coloured by {factor}", fontsize=10)
        ax.set_xlabel(f"MDS 1 ({100 * explained[0]:.0f} % of variance)")
        ax.set_ylabel(f"MDS 2 ({100 * explained[1]:.0f} % of variance)")
        ax.set_aspect("equal", adjustable="datalim")
        ax.grid(alpha=0.3)
    metric = str(matrix.attrs.get("metric", ""))
    phrase = checkpoint_phrase(matrix.attrs)
    fig.suptitle(
        f"{metric}: classical MDS of {len(models)} networks" + (f" ({phrase})" if phrase else ""),
        fontsize=10,
    )
    return save_figure(fig, path, dpi=150, bbox_inches="tight", pad_inches=0.1)


def agreement_figure(matrices: Mapping[str, xr.Dataset], path: str | os.PathLike[str]) -> Path:
    """Do the metrics agree? Left: Spearman's ρ between every two metrics' distances over
    network pairs (:func:`~dynsim.figures.data.metric_agreement`), each cell annotated with ρ
    and the number of pairs. Right: each pair of metrics' pair ranks against each other.
    Returns the path. Raises ValueError with fewer than two metrics."""
    agreement = metric_agreement(matrices)
    names = list(matrices)
    k = len(names)
    rho, count = agreement["rho"].values, agreement["n"].values
    side = max(3.2, 0.9 * k + 1.6)
    fig = Figure(figsize=(2 * side + 1.2, side), layout="constrained")
    ax, scatter_ax = fig.subplots(1, 2)
    image = ax.imshow(np.ma.masked_invalid(rho), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    for i in range(k):
        for j in range(k):
            text = "n/a" if not np.isfinite(rho[i, j]) else f"{rho[i, j]:.2f}"
            ax.text(
                j,
                i,
                f"{text}\nn={count[i, j]}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if np.isfinite(rho[i, j]) and abs(rho[i, j]) > 0.6 else "k",
            )
    fig.colorbar(image, ax=ax, label="Spearman ρ", shrink=0.8)
    ax.set_title("rank correlation of distances over network pairs", fontsize=10)

    models = list(network_order(matrices[names[0]]).models)
    pairs = {name: pair_distances_aligned(m, models, name) for name, m in matrices.items()}
    for p in range(k):
        for q in range(p + 1, k):
            x, y = pairs[names[p]], pairs[names[q]]
            both = np.isfinite(x) & np.isfinite(y)
            if both.sum() < 2:
                continue
            rx = (np.argsort(np.argsort(x[both])) + 0.5) / both.sum()
            ry = (np.argsort(np.argsort(y[both])) + 0.5) / both.sum()
            scatter_ax.scatter(rx, ry, s=18, alpha=0.8, label=f"{names[p]} vs {names[q]}")
    scatter_ax.plot([0, 1], [0, 1], color="0.5", lw=0.8, ls="--")
    scatter_ax.set_xlabel("rank of the first metric's distance (fraction)")
    scatter_ax.set_ylabel("rank of the second metric's distance (fraction)")
    scatter_ax.set_aspect("equal")
    scatter_ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    scatter_ax.set_title("pair ranks, metric against metric", fontsize=10)
    first = next(iter(matrices.values()))
    phrase = checkpoint_phrase(first.attrs)
    fig.suptitle(
        f"metric agreement over {len(models) * (len(models) - 1) // 2} network pairs"
        + (f" ({phrase})" if phrase else ""),
        fontsize=10,
    )
    return save_figure(fig, path, dpi=150, bbox_inches="tight", pad_inches=0.1)


def accuracy_figure(matrices: Mapping[str, xr.Dataset], path: str | os.PathLike[str]) -> Path:
    """Distance against accuracy difference, one panel per metric: every network pair's
    distance against |accuracy_a − accuracy_b| (final-checkpoint test accuracies,
    :func:`~dynsim.figures.data.accuracy_pairs`), with Spearman's ρ and n in the panel title;
    points coloured by whether the pair shares the first varied factor. Returns the path.
    Raises ValueError when there is no matrix or one lacks ``accuracy_a``."""
    if not matrices:
        raise ValueError("no matrix for the accuracy figure")
    frames = {name: accuracy_pairs(m) for name, m in matrices.items()}
    first = next(iter(matrices.values()))
    factors = [f for f in varied_factors(first) if f != "seed"]
    factor = factors[0] if factors else None
    k = len(matrices)
    fig = Figure(figsize=(3.8 * k + 1.6, 3.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, k, squeeze=False)).ravel()
    for ax, (name, frame) in zip(axes, frames.items(), strict=True):
        x, y = frame["accuracy_difference"].values, frame["distance"].values
        if factor is not None:
            levels = dict(
                zip(map(str, first["model_a"].values), factor_levels(first, factor), strict=True)
            )
            same = np.array(
                [
                    levels[a] == levels[b]
                    for a, b in zip(frame["model_a"], frame["model_b"], strict=True)
                ],
                dtype=bool,
            )
            for mask, colour, label in ((same, "tab:blue", "same"), (~same, "tab:orange", "other")):
                if mask.any():  # no legend entry for a group without a pair
                    ax.scatter(x[mask], y[mask], s=22, color=colour, label=f"{label} {factor}")
        else:
            ax.scatter(x, y, s=22, color="tab:blue")
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3:
            stat = "ρ undefined (< 3 pairs)"
        elif np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
            stat = "ρ undefined (equal accuracies)" if np.ptp(x[ok]) == 0 else "ρ undefined"
        else:
            stat = f"Spearman ρ = {spearmanr(x[ok], y[ok]).statistic:.2f}"
        # accuracy differences lie in [0, 1]: the axis starts at 0 (never negative)
        top = float(np.nanmax(x)) if np.isfinite(x).any() else 0.0
        ax.set_xlim(-0.02 * max(top, 0.05), max(1.1 * top, 0.05))
        ax.set_title(f"{name}\n{stat}, n = {int(ok.sum())} pairs", fontsize=10)
        ax.set_xlabel("|accuracy difference| (final checkpoint)")
        ax.set_ylabel(f"{name} distance")
        ax.grid(alpha=0.3)
    if factor is not None:
        axes[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    phrase = checkpoint_phrase(first.attrs)
    fig.suptitle(
        "distance against accuracy difference" + (f" ({phrase})" if phrase else ""), fontsize=10
    )
    return save_figure(fig, path, dpi=150, bbox_inches="tight", pad_inches=0.1)
