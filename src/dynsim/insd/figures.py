"""The INSD battery's figures: one function per analysis, drawing its dataset to a PNG.

Drawn with matplotlib's object-oriented API and the shared helpers of :mod:`dynsim.figures`
(labels, colour map, saving); nothing here chooses a backend or touches pyplot state.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from dynsim.figures import distance_cmap, model_labels, save_figure
from dynsim.insd.fixed_points import KINDS
from dynsim.insd.networks import Network

__all__ = [
    "decoding_figure",
    "fixed_point_figure",
    "ood_figure",
    "predictivity_figure",
    "similarity_figure",
]

_DPI = 110
# Network labels leave out the task, the architecture and the grid variant when all the
# networks share them (the battery usually looks at one task and one architecture).
_COLLAPSE = ("task", "arch", "variant")


def predictivity_figure(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Heatmaps of r²(row → column), null space and full activity, with the values."""
    names = model_labels(dataset, "predictor", names="predictor", collapse=_COLLAPSE)
    n = len(names)
    size = 2.0 + 0.45 * n
    fig = Figure(figsize=(2 * size + 2, size + 0.8), constrained_layout=True)
    axes = fig.subplots(1, 2)
    for ax, space in zip(axes, ("null", "full"), strict=True):
        values = dataset[f"r2_{space}"].values
        image = ax.imshow(np.ma.masked_invalid(values), vmin=0, vmax=1, cmap="magma")
        ax.set_xticks(range(n), names, rotation=90, fontsize=7)
        ax.set_yticks(range(n), names, fontsize=7)
        ax.set_xlabel("target (predicted)")
        ax.set_ylabel("predictor")
        title = "readout null space R⊥" if space == "null" else "full activity"
        ax.set_title(f"r²(row → column), {title}", fontsize=9)
        if n <= 16:
            for i in range(n):
                for j in range(n):
                    if np.isfinite(values[i, j]):
                        colour = "white" if values[i, j] < 0.5 else "black"
                        ax.text(
                            j,
                            i,
                            f"{values[i, j]:.2f}",
                            ha="center",
                            va="center",
                            fontsize=6,
                            color=colour,
                        )
    fig.colorbar(image, ax=axes, shrink=0.8, label="cross-validated r²")
    summary = json.loads(dataset.attrs.get("summary", "{}"))
    if summary.get("reference_to_reference") is not None:
        alt = summary.get("alternative_to_reference")
        fig.suptitle(
            f"null-space r²: reference→reference {summary['reference_to_reference']:.2f}"
            + (f", alternative→its reference {alt:.2f}" if alt is not None else ""),
            fontsize=10,
        )
    return save_figure(fig, path, dpi=_DPI)


def similarity_figure(
    matrices: Mapping[str, xr.Dataset], embedding: xr.Dataset, path: str | os.PathLike[str]
) -> Path:
    """One heatmap per metric (networks in the same order everywhere) and the MDS panel."""
    names = list(matrices)
    fig = Figure(figsize=(4.2 * (len(names) + 1), 4.6), constrained_layout=True)
    axes = np.atleast_1d(fig.subplots(1, len(names) + 1))
    for ax, name in zip(axes, names, strict=False):
        matrix = matrices[name]
        order = np.argsort(matrix["model_a"].values.astype(str))
        values = matrix["distance"].values[np.ix_(order, order)]
        labels = np.array(model_labels(matrix, "a", collapse=_COLLAPSE))[order]
        image = ax.imshow(np.ma.masked_invalid(values), cmap=distance_cmap())
        ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=6)
        ax.set_yticks(range(len(labels)), labels, fontsize=6)
        # Matrices written before 0.2 name the distance rule "score".
        score = matrix.attrs.get("score_method", matrix.attrs.get("score", ""))
        ax.set_title(f"{name} distance" + (f" ({score})" if score else ""), fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.7)
    ax = axes[-1]
    coords = embedding["coordinates"].values
    regimes = [str(r) for r in embedding.get("regime", embedding["model"]).values]
    colours = {r: f"C{k}" for k, r in enumerate(sorted(set(regimes)))}
    seeds = embedding["seed"].values if "seed" in embedding.coords else np.zeros(len(coords))
    markers = "osD^v<>p*h"
    for k, (x, y) in enumerate(coords):
        marker = markers[int(np.argmax(np.unique(seeds) == seeds[k])) % len(markers)]
        ax.scatter(x, y, color=colours[regimes[k]], marker=marker, s=50, edgecolor="k", lw=0.5)
    for regime, colour in colours.items():
        ax.scatter([], [], color=colour, label=regime)
    ax.legend(fontsize=7, loc="best")
    ax.set_title(f"MDS of {embedding.attrs['metric']} distances (marker = seed)", fontsize=9)
    ax.set_xlabel("MDS 1")
    ax.set_ylabel("MDS 2")
    return save_figure(fig, path, dpi=_DPI)


def fixed_point_figure(
    networks: Sequence[Network],
    found: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    n_trajectories: int = 12,
    n_repeats: int = 4,
    seed: int = 0,
) -> Path:
    """Per network: test trajectories and fixed points on the top three PCs of its activity
    (marker by stability, colour by constant input), with the counts in the title."""
    n = len(networks)
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(4.0 * cols, 3.8 * rows), constrained_layout=True)
    markers = {"stable": "o", "saddle": "X", "unstable": "^", "marginal": "s"}
    inputs = [str(v) for v in found["input"].values]
    for k, net in enumerate(networks):
        ax = fig.add_subplot(rows, cols, k + 1, projection="3d")
        hidden = net.activity(n_repeats, seed)["hidden"]
        flat = hidden.reshape(-1, hidden.shape[-1])
        mean = flat.mean(0)
        _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
        pcs = vt[:3].T
        if pcs.shape[1] < 3:
            pcs = np.pad(pcs, ((0, 0), (0, 3 - pcs.shape[1])))
        for trial in hidden[: min(n_trajectories, len(hidden))]:
            z = (trial - mean) @ pcs
            ax.plot(z[:, 0], z[:, 1], z[:, 2], color="grey", lw=0.6, alpha=0.6)
        mine = found["point_network"].values == net.name
        points = found["points"].values[mine][:, : hidden.shape[-1]]
        kinds = found["point_kind"].values[mine]
        where = found["point_input"].values[mine]
        for p, kind, x in zip(points, kinds, where, strict=True):
            z = (p - mean) @ pcs
            ax.scatter(
                z[0],
                z[1],
                z[2],
                marker=markers.get(kind, "o"),
                color=f"C{inputs.index(x)}",
                s=40 if kind == "stable" else 25,
                edgecolor="k",
                lw=0.4,
            )
        ax.set_title(f"{net.short}\n{_count_text(found, net.name)}", fontsize=7)
        ax.set_xlabel("PC1", fontsize=7)
        ax.set_ylabel("PC2", fontsize=7)
        ax.set_zlabel("PC3", fontsize=7)
        ax.tick_params(labelsize=5)
    handles = [
        Line2D([], [], marker=m, ls="", color="k", label=kind) for kind, m in markers.items()
    ]
    handles += [
        Line2D([], [], marker="o", ls="", color=f"C{j}", label=x) for j, x in enumerate(inputs)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=7)
    return save_figure(fig, path, dpi=_DPI)


def _count_text(found: xr.Dataset, network: str) -> str:
    """E.g. "zero: 8 stable, 19 saddle" (per input), or the reason there are no counts."""
    parts = []
    for x in found["input"].values:
        counts = found["count"].sel(network=network, input=x).values
        if not np.isfinite(counts).all():
            continue
        listed = [f"{int(c)} {kind}" for c, kind in zip(counts, KINDS, strict=True) if c > 0]
        parts.append(f"{x}: " + (", ".join(listed) or "none"))
    return "; ".join(parts) or textwrap.shorten(
        str(found["status"].sel(network=network).values), width=60
    )


def decoding_figure(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Score over time per variable (columns) from full activity and null space (rows);
    one line per network, coloured by regime."""
    variables = [str(v) for v in dataset["variable"].values]
    fig = Figure(figsize=(3.4 * len(variables), 5.4), constrained_layout=True)
    axes = fig.subplots(2, len(variables), sharex=True, squeeze=False)
    regimes = [str(r) for r in dataset["regime"].values]
    colours = {r: f"C{k}" for k, r in enumerate(sorted(set(regimes)))}
    time = dataset["time"].values
    epochs = dataset["epoch"].values
    for s, space in enumerate(("full", "null")):
        for v, variable in enumerate(variables):
            ax = axes[s, v]
            for i, regime in enumerate(regimes):
                ax.plot(time, dataset["score"].values[i, s, v], color=colours[regime], lw=1)
            _shade_epochs(ax, time, epochs)
            kind = str(dataset["score_kind"].values[v])
            ax.set_ylim(0.4 if kind == "accuracy" else -0.1, 1.02)
            ax.set_title(f"{variable} ({space} activity)", fontsize=8)
            if v == 0:
                ax.set_ylabel("decoding " + ("accuracy" if kind == "accuracy" else "R²"))
            if s == 1:
                ax.set_xlabel("time (ms)")
    for regime, colour in colours.items():
        axes[0, -1].plot([], [], color=colour, label=regime)
    axes[0, -1].legend(fontsize=7)
    return save_figure(fig, path, dpi=_DPI)


def _shade_epochs(ax: Any, time: np.ndarray, epochs: np.ndarray) -> None:
    """A thin vertical line where each epoch after the first begins."""
    names = [str(e) for e in epochs]
    for k in range(1, len(names)):
        if names[k] != names[k - 1] and names[k]:
            ax.axvline(time[k - 1], color="k", lw=0.4, alpha=0.4)


def ood_figure(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Accuracy per condition: one bar per regime (mean over networks), a dot per network."""
    regimes = sorted({str(r) for r in dataset["regime"].values})
    conditions = [str(c) for c in dataset["condition"].values]
    width = 0.8 / max(len(regimes), 1)
    fig = Figure(figsize=(1.6 + 1.6 * len(conditions), 3.8), constrained_layout=True)
    ax = fig.subplots()
    for r, regime in enumerate(regimes):
        mine = dataset["regime"].values == regime
        values = dataset["accuracy"].values[mine]  # (network, condition)
        x = np.arange(len(conditions)) + (r - (len(regimes) - 1) / 2) * width
        with np.errstate(all="ignore"):
            mean = np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
        ax.bar(x, np.nan_to_num(mean), width=width * 0.95, color=f"C{r}", label=regime, alpha=0.8)
        for row in values:
            ax.scatter(x, row, color="k", s=8, zorder=3)
    ax.set_xticks(range(len(conditions)), conditions)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.05)
    ax.set_title("out-of-distribution tests (bar: mean over seeds; dot: one network)", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    return save_figure(fig, path, dpi=_DPI)
