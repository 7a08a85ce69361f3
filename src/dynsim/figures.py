"""Figures: clustered similarity heatmaps and learning curves."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never require a display

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform


def cluster_order(distance: np.ndarray) -> np.ndarray:
    """Leaf order of average-linkage clustering (NaN treated as the largest distance)."""
    n = distance.shape[0]
    if n < 3:
        return np.arange(n)
    filled = np.array(distance, dtype=float)
    finite = np.isfinite(filled)
    fill = np.nanmax(filled[finite]) * 1.1 if finite.any() else 1.0
    filled[~finite] = fill
    filled = 0.5 * (filled + filled.T)
    np.fill_diagonal(filled, 0.0)
    return leaves_list(linkage(squareform(filled, checks=False), method="average"))


def model_labels(matrix: xr.Dataset, side: str = "a") -> list[str]:
    """Readable labels "task · arch · s<seed>" from a matrix's coordinates; the regime and
    the grid variant (e.g. hidden_size64-learning_rate0.001) when there are several."""
    names = [str(v) for v in matrix[f"model_{side}"].values]
    parts = []
    for label in ("task", "arch", "regime", "variant", "seed"):
        coord = f"{label}_{side}"
        if coord in matrix.coords:
            values = matrix[coord].values
            if label in ("regime", "variant") and len(set(values.tolist())) <= 1:
                continue  # one regime/variant only: not worth repeating on every row
            parts.append([f"s{v}" if label == "seed" else str(v) for v in values])
    if not parts:
        return names
    return [" · ".join(p[k] for p in parts) for k in range(len(names))]


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
    fig, ax = plt.subplots(figsize=(size + 1.5, size))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("lightgrey")
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap)
    ax.set_xticks(range(len(labels_b)), labels_b, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels_a)), labels_a, fontsize=8)
    metric = matrix.attrs.get("metric", "")
    score = matrix.attrs.get("score_method", matrix.attrs.get("score", ""))  # "score": before 0.2
    fig.colorbar(image, ax=ax, label=f"{metric} distance" + (f" ({score})" if score else ""))
    ax.set_title(title or f"{metric}: clustered distance matrix")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


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
    fig, ax = plt.subplots(figsize=(6, 4))
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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
