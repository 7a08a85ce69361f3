"""Figures: clustered similarity heatmaps and learning curves, and the helpers every dynsim
figure shares (network labels from a dataset's coordinates, filling and symmetrising a
distance matrix, the colour map, saving).

Every dynsim figure is drawn with matplotlib's object-oriented API
(:class:`matplotlib.figure.Figure`, never pyplot), so no library module chooses a backend or
keeps pyplot state: :meth:`Figure.savefig` renders files with Agg whatever the session's
backend, and nothing is left open after a figure is written. The INSD battery's figures
(:mod:`dynsim.insd.figures`), the systems bench's (:mod:`dynsim.bench.figure`) and the task
plot (:mod:`dynsim.tasks.plot`) use the same helpers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

__all__ = [
    "LABELS",
    "cluster_order",
    "distance_cmap",
    "fill_distance",
    "learning_curves",
    "model_labels",
    "save_figure",
    "similarity_heatmap",
]

#: The label coordinates a network's readable name is built from, in order.
LABELS: tuple[str, ...] = ("task", "arch", "regime", "variant", "seed")


# -- shared helpers ---------------------------------------------------------------------------
def fill_distance(
    distance: np.ndarray,
    *,
    missing: Literal["largest", "transpose"] = "largest",
    margin: float = 1.0,
) -> np.ndarray:
    """A float copy of a square distance matrix (n × n) with missing entries filled and a
    zero diagonal.

    ``missing="largest"``: every non-finite entry becomes ``margin`` × the largest finite
    distance (1.0 when none is finite), then the matrix is symmetrised as (D + Dᵀ)/2 — for
    clustering and MDS, which need a complete symmetric matrix. ``missing="transpose"``: a
    non-finite D[i, j] takes D[j, i] (the pair computed the other way round, as the pairwise
    engine leaves one triangle of a square matrix to its mirror); nothing is averaged.
    """
    d = np.array(distance, dtype=float)
    if missing == "transpose":
        d = np.where(np.isfinite(d), d, d.T)
    elif missing == "largest":
        finite = np.isfinite(d)
        d[~finite] = np.nanmax(d[finite]) * margin if finite.any() else 1.0
        d = 0.5 * (d + d.T)
    else:
        raise ValueError(f"missing must be 'largest' or 'transpose', got {missing!r}")
    np.fill_diagonal(d, 0.0)
    return d


def model_labels(
    dataset: xr.Dataset,
    side: str = "a",
    *,
    names: str | None = None,
    collapse: Sequence[str] = ("regime", "variant"),
) -> list[str]:
    """Readable network labels, e.g. "task · arch · s<seed>", from a dataset's coordinates.

    The parts are the coordinates ``<label>_<side>`` for each label of :data:`LABELS` that the
    dataset has (``variant`` only exists with a hyperparameter grid); a label in ``collapse``
    is left out when it takes a single value (not worth repeating on every row). Without any
    label coordinate the labels are the values of ``names`` (default ``model_<side>``).
    Matrices from the pairwise engine use side ``a``/``b``; the battery's predictivity
    matrices use ``predictor``/``target``.
    """
    parts = []
    for label in LABELS:
        coord = f"{label}_{side}"
        if coord not in dataset.coords:
            continue
        values = [str(v) for v in dataset[coord].values]
        if label in collapse and len(set(values)) <= 1:
            continue
        parts.append([f"s{v}" if label == "seed" else v for v in values])
    if not parts:
        return [str(v) for v in dataset[names or f"model_{side}"].values]
    return [" · ".join(p[k] for p in parts) for k in range(len(parts[0]))]


def distance_cmap() -> Colormap:
    """Viridis with missing values (masked, e.g. pairs without a distance) in light grey."""
    cmap = mpl.colormaps["viridis"].copy()
    cmap.set_bad("lightgrey")
    return cmap


def save_figure(
    fig: Figure, path: str | os.PathLike[str], *, dpi: float, **savefig: object
) -> Path:
    """Write ``fig`` to ``path`` (its parent directories created) at ``dpi``; returns the
    path. Extra keywords go to :meth:`Figure.savefig` (e.g. ``format="png"``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, **savefig)
    return path


# -- figures ----------------------------------------------------------------------------------
def cluster_order(distance: np.ndarray) -> np.ndarray:
    """Leaf order of average-linkage clustering (NaN treated as 1.1 × the largest distance)."""
    n = distance.shape[0]
    if n < 3:
        return np.arange(n)
    filled = fill_distance(distance, margin=1.1)
    return leaves_list(linkage(squareform(filled, checks=False), method="average"))


def similarity_heatmap(matrix: xr.Dataset, path: str | os.PathLike[str], title: str = "") -> Path:
    """A clustered heatmap of ``matrix.distance``; pairs without a value are hatched grey."""
    distance = matrix["distance"].values
    same_sets = list(matrix["model_a"].values) == list(matrix["model_b"].values)
    order_a = cluster_order(distance) if same_sets else np.arange(distance.shape[0])
    order_b = order_a if same_sets else np.arange(distance.shape[1])
    shown = distance[np.ix_(order_a, order_b)]
    labels_a = np.array(model_labels(matrix, "a"))[order_a]
    labels_b = np.array(model_labels(matrix, "b"))[order_b]

    size = 2.5 + 0.35 * max(len(labels_a), len(labels_b))
    fig = Figure(figsize=(size + 1.5, size))
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=distance_cmap())
    ax.set_xticks(range(len(labels_b)), labels_b, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels_a)), labels_a, fontsize=8)
    metric = matrix.attrs.get("metric", "")
    score = matrix.attrs.get("score_method", matrix.attrs.get("score", ""))  # "score": before 0.2
    fig.colorbar(image, ax=ax, label=f"{metric} distance" + (f" ({score})" if score else ""))
    ax.set_title(title or f"{metric}: clustered distance matrix")
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)


def learning_curves(matrices: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Mean distance over training progress: pairs of the same task and architecture, same
    task only, same architecture only, and neither (mean ± std over pairs)."""
    distance = matrices["distance"]
    n_a, n_b = distance.sizes["model_a"], distance.sizes["model_b"]
    off = ~np.eye(n_a, n_b, dtype=bool)
    same_task = matrices["task_a"].values[:, None] == matrices["task_b"].values[None, :]
    same_arch = matrices["arch_a"].values[:, None] == matrices["arch_b"].values[None, :]
    groups = {
        "same task, same arch": same_task & same_arch & off,
        "same task, other arch": same_task & ~same_arch,
        "other task, same arch": ~same_task & same_arch,
        "other task, other arch": ~same_task & ~same_arch,
    }
    progress = matrices["progress"].values
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for label, mask in groups.items():
        if not mask.any():
            continue
        values = distance.values[:, mask]  # (progress, pairs)
        mean, std = np.nanmean(values, axis=1), np.nanstd(values, axis=1)
        ax.plot(progress, mean, marker="o", label=label)
        ax.fill_between(progress, mean - std, mean + std, alpha=0.15)
    metric = matrices.attrs.get("metric", "")
    ax.set_xlabel("training progress (fraction of steps to the end of training)")
    ax.set_ylabel(f"{metric} distance")
    ax.set_title(f"{metric} over learning (networks matched by progress)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)
