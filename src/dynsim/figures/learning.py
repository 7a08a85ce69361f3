"""Distances over learning: one panel per factor the experiment varies, one line per pair of
its levels (:func:`~dynsim.figures.data.learning_groups`)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from dynsim.figures.common import save_figure
from dynsim.figures.data import learning_groups, varied_factors

__all__ = ["learning_curves"]


def learning_curves(matrices: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Mean distance over training progress, one panel per varied factor but the seed.

    ``matrices``: a learning matrix (progress, model_a, model_b) from ``dynsim compare``
    over learning. Each panel compares networks across the levels of one factor (task,
    architecture, regime, grid variant): one line per pair of levels, networks matched on the
    other factors (:func:`~dynsim.figures.data.learning_groups`), mean ± one standard deviation
    over the network pairs (n in the legend; the pairs share networks, so the band shows spread,
    not a confidence interval). When only the seed varies, one panel of seed pairs. Returns the
    path. Raises ValueError when the dataset has no ``progress`` dimension.
    """
    if "progress" not in matrices["distance"].dims:
        raise ValueError(
            f"matrix {matrices.attrs.get('metric', '')!r} has no 'progress' dimension (a "
            "learning matrix is written by `dynsim compare` over learning)"
        )
    distance = matrices["distance"].transpose("progress", "model_a", "model_b").values
    # a pair computed one way round counts for both (the engine fills one triangle)
    distance = np.where(np.isfinite(distance), distance, distance.transpose(0, 2, 1))
    progress = matrices["progress"].values
    factors = [f for f in varied_factors(matrices) if f != "seed"] or ["seed"]
    metric = str(matrices.attrs.get("metric", ""))
    ncols = min(len(factors), 3)
    nrows = -(-len(factors) // ncols)
    fig = Figure(figsize=(4.6 * ncols, 4.2 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
    for ax, factor in zip(axes, factors, strict=False):
        groups, how = learning_groups(matrices, factor)
        for label, mask in groups.items():
            values = distance[:, mask]  # (progress, pairs)
            counts = np.isfinite(values).sum(axis=1)
            with warnings.catch_warnings():  # a progress point without any value: NaN, no line
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(values, axis=1)
                std = np.nanstd(values, axis=1)
            (line,) = ax.plot(progress, mean, marker="o", ms=3.5, label=f"{label} (n={mask.sum()})")
            spread = counts > 1
            ax.fill_between(
                progress, mean - std, mean + std, where=spread, alpha=0.15, color=line.get_color()
            )
        ax.set_title(f"across {factor}" + (f" ({how})" if how else ""), fontsize=10)
        ax.set_xlabel("training progress (fraction of own training)")
        ax.grid(alpha=0.3)
        ax.legend(
            fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=1, frameon=False
        )
    for ax in axes[len(factors) :]:
        ax.set_visible(False)
    for ax in axes[::ncols]:
        ax.set_ylabel(f"{metric} distance")
    score = matrices.attrs.get("score_method", "")
    fig.suptitle(
        f"{metric} distance" + (f" ({score})" if score else "") + " over learning, "
        "networks matched by training progress; mean ± SD over network pairs",
        fontsize=10,
    )
    return save_figure(fig, path, dpi=150, bbox_inches="tight", pad_inches=0.1)
