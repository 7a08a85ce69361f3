"""Clustered distance heatmaps: one metric (:func:`similarity_heatmap`) or every metric side by
side (:func:`heatmap_panel`), in one network order (:func:`~dynsim.figures.data.network_order`),
with the clustering's dendrogram, a colour band per factor the experiment varies, and the
checkpoint in the title.

The figure is laid out in inches from what it holds: cells of a size set by the number of
networks, label margins measured on the labels' glyphs
(:func:`~dynsim.figures.common.text_width`), legends sized to their entries. So nothing is
squashed into a corner or cut off however many networks or however long their labels; the
file's size grows with the number of networks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from scipy.cluster.hierarchy import dendrogram

from dynsim.figures.common import (
    LABELS,
    distance_cmap,
    factor_colours,
    model_labels,
    save_figure,
    text_width,
)
from dynsim.figures.data import (
    NetworkOrder,
    factor_levels,
    is_square,
    network_order,
    varied_factors,
)

__all__ = ["checkpoint_phrase", "heatmap_panel", "similarity_heatmap"]

_BAND = 0.2  # inches per colour band
_DENDRO = 0.9  # inches of dendrogram
_CBAR = 0.16  # colourbar width
_PAD = 0.15
_DPI = 150


def _sizes(n: int) -> tuple[float, float]:
    """Font size (points) and cell size (inches) for n networks: 9 pt cells of at least one
    text line, large cells for few networks (a matrix ~4.5 in wide), 5 pt from ~120 networks."""
    fontsize = 9.0 if n <= 40 else max(5.0, 9.0 - (n - 40) / 20)
    cell = max(1.45 * fontsize / 72, min(0.6, 4.5 / max(n, 1)))
    return fontsize, cell


def checkpoint_phrase(attrs: Mapping[str, object]) -> str:
    """Which recording a matrix compares, from its ``checkpoint``/``epoch`` attributes, e.g.
    "final checkpoint", "checkpoint 3, epoch stimulus" ("" when neither is recorded)."""
    checkpoint = attrs.get("checkpoint")
    if checkpoint is None or str(checkpoint) == "":
        phrase = ""
    elif str(checkpoint) == "final":
        phrase = "final checkpoint"
    elif str(checkpoint).lstrip("-").isdigit():
        phrase = f"checkpoint {checkpoint}"
    else:
        phrase = str(checkpoint)
    epoch = attrs.get("epoch")
    if epoch is not None and str(epoch) not in ("", "null", "None"):
        phrase += (", " if phrase else "") + f"epoch {epoch}"
    return phrase


def _metric_label(matrix: xr.Dataset) -> str:
    metric = str(matrix.attrs.get("metric", "distance"))
    score = matrix.attrs.get("score_method", matrix.attrs.get("score", ""))  # "score": < 0.2
    return f"{metric} distance" + (f" ({score})" if score else "")


@dataclass
class _Canvas:
    """A figure laid out in inches (x from the left, y from the bottom)."""

    fig: Figure
    width: float
    height: float

    def axes(self, x: float, y: float, w: float, h: float) -> Axes:
        return self.fig.add_axes((x / self.width, y / self.height, w / self.width, h / self.height))


@dataclass
class _Bands:
    factors: list[str]
    levels: dict[str, list[str]]  # factor → levels in order of first appearance
    values: dict[str, np.ndarray]  # factor → each network's level, display order
    colours: dict[str, dict[str, tuple[float, ...]]]

    def rgba(self) -> np.ndarray:
        """(factor, network, 4) colours."""
        return np.array([[self.colours[f][v] for v in self.values[f]] for f in self.factors])


def _bands(matrix: xr.Dataset, rows: list[str]) -> _Bands:
    factors = varied_factors(matrix)
    indexed = matrix.sel(model_a=rows)
    values = {f: factor_levels(indexed, f) for f in factors}
    levels = {f: list(dict.fromkeys(factor_levels(matrix, f))) for f in factors}
    colours = {f: factor_colours(f, levels[f]) for f in factors}
    return _Bands(factors, levels, values, colours)


def _legend_size(bands: _Bands, fontsize: float) -> tuple[float, float, list[float]]:
    """Width, total height and each factor legend's height (inches) of the stacked legends."""
    line = 1.75 * fontsize / 72
    heights = [(len(bands.levels[f]) + 1) * line + 0.2 for f in bands.factors]
    texts = [v for f in bands.factors for v in bands.levels[f]] + bands.factors
    width = text_width(texts, fontsize) + 0.55 if bands.factors else 0.0
    return width, sum(heights) + 0.1 * len(heights), heights


def _draw_legends(
    canvas: _Canvas, bands: _Bands, x: float, top: float, fontsize: float, heights: list[float]
) -> None:
    y = top
    for factor, height in zip(bands.factors, heights, strict=True):
        handles = [Patch(color=bands.colours[factor][v]) for v in bands.levels[factor]]
        canvas.fig.legend(
            handles,
            bands.levels[factor],
            title=factor,
            loc="upper left",
            bbox_to_anchor=(x / canvas.width, y / canvas.height),
            fontsize=fontsize,
            title_fontsize=fontsize,
            frameon=False,
            alignment="left",
            handlelength=1.2,
        )
        y -= height + 0.1


def _draw_dendrogram(ax: Axes, order: NetworkOrder, orientation: str) -> None:
    n = len(order.models)
    dendrogram(
        order.linkage,
        ax=ax,
        orientation=orientation,
        no_labels=True,
        link_color_func=lambda _: "0.3",
    )
    if orientation == "top":
        ax.set_xlim(0, 10 * n)
    else:  # leaves from the top down, as the matrix's rows
        ax.set_ylim(10 * n, 0)
    ax.set_axis_off()


def _draw_column_bands(ax: Axes, bands: _Bands, fontsize: float, names: bool) -> None:
    ax.imshow(bands.rgba(), aspect="auto", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks(range(len(bands.factors)), bands.factors if names else [], fontsize=fontsize)
    ax.yaxis.tick_right()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _draw_row_bands(
    ax: Axes, bands: _Bands, fontsize: float, labels: np.ndarray | None = None
) -> None:
    ax.imshow(bands.rgba().transpose(1, 0, 2), aspect="auto", interpolation="nearest")
    if labels is None:
        ax.set_yticks([])
    else:  # the network labels left of the bands (the panel's first column)
        ax.set_yticks(range(len(labels)), labels, fontsize=fontsize)
    ax.set_xticks(range(len(bands.factors)), bands.factors, rotation=90, fontsize=fontsize)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _draw_cells(ax: Axes, shown: np.ndarray, fontsize: float) -> object:
    off = shown[~np.eye(shown.shape[0], dtype=bool)]
    finite = off[np.isfinite(off)]
    vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    # vmin 0: the same colour means "identical" in every metric's heatmap
    image = ax.imshow(
        np.ma.masked_invalid(shown),
        cmap=distance_cmap(),
        vmin=0.0,
        vmax=vmax,
        aspect="auto",
        interpolation="nearest",
    )
    ax.tick_params(labelsize=fontsize, length=2)
    return image


def _labels(matrix: xr.Dataset, rows: list[str]) -> tuple[np.ndarray, str]:
    """Row labels in display order with only the factors that vary (what is the same for every
    network is said once, in the returned phrase, e.g. "every network: task anti_pdm_delay,
    arch gru, seed 0")."""
    labels = model_labels(matrix, "a", collapse=LABELS)
    models = [str(m) for m in matrix["model_a"].values]
    shown = np.array(labels, dtype=object)[[models.index(r) for r in rows]]
    varied = varied_factors(matrix)
    same = [
        f"{label} {factor_levels(matrix, label)[0]}"
        for label in LABELS
        if f"{label}_a" in matrix.coords and label not in varied and matrix.sizes["model_a"]
    ]
    return shown, ("every network: " + ", ".join(same)) if same and varied else ""


def _prepare(matrix: xr.Dataset, order: NetworkOrder | None) -> tuple[NetworkOrder, np.ndarray]:
    order = network_order(matrix) if order is None else order
    rows = order.ordered
    have = [str(m) for m in matrix["model_a"].values]
    if set(have) != set(rows) or len(have) != len(rows):
        missing = sorted(set(rows) - set(have))[:3]
        extra = sorted(set(have) - set(rows))[:3]
        raise ValueError(
            f"matrix {matrix.attrs.get('metric', '')!r} lacks networks of the order or has "
            f"others (missing {missing}, not in the order {extra}); order and matrix must hold "
            "the same networks"
        )
    shown = matrix["distance"].sel(model_a=rows, model_b=rows).values
    return order, shown


def similarity_heatmap(
    matrix: xr.Dataset,
    path: str | os.PathLike[str],
    title: str = "",
    *,
    order: NetworkOrder | None = None,
    dpi: float = _DPI,
) -> Path:
    """A clustered heatmap of ``matrix.distance`` (model_a, model_b) written to ``path``.

    Rows and columns in ``order`` (default: the clustering of this matrix; pass one
    :class:`~dynsim.figures.data.NetworkOrder` to every metric's heatmap for one shared
    order), its dendrogram on the top and left, a colour band per varied factor (with a legend),
    the colour scale from 0 (identical) to the largest distance, pairs without a value grey,
    and the metric, checkpoint, network count and order in the title. Returns the path. Raises
    ValueError when the matrix lacks a network of ``order`` or holds others.

    A matrix between two different sets of networks (model_a ≠ model_b, e.g. from
    :func:`dynsim.metrics.pairwise` with two lists) is drawn unclustered in its stored order,
    without bands (:func:`_rectangular_heatmap`).
    """
    if order is None and not is_square(matrix):
        return _rectangular_heatmap(matrix, path, title, dpi)
    order, shown = _prepare(matrix, order)
    rows = order.ordered
    n = len(rows)
    labels, same = _labels(matrix, rows)
    bands = _bands(matrix, rows)
    fontsize, cell = _sizes(n)
    k = len(bands.factors)
    side = n * cell
    label_w = max(text_width(labels, fontsize), text_width(bands.factors, fontsize)) + 0.1
    dendro = _DENDRO if order.linkage is not None else 0.0
    band_w = k * _BAND + (0.05 if k else 0.0)
    legend_w, legend_h, legend_heights = _legend_size(bands, fontsize)
    cbar_w = 0.2 + _CBAR + 0.2 + text_width(["0.000"], fontsize) + 2.2 * fontsize / 72
    lines = [
        f"{_metric_label(matrix)}"
        + (f" at the {checkpoint_phrase(matrix.attrs)}" if checkpoint_phrase(matrix.attrs) else ""),
        f"{n} networks; order: {order.source}",
    ]
    if same:
        lines.append(same)
    missing = int((~np.isfinite(shown[~np.eye(n, dtype=bool)])).sum())
    if missing:
        lines.append(f"{missing} of {n * (n - 1)} pairs without a value (grey)")
    if title:
        lines.insert(0, title)
    title_h = len(lines) * 1.5 * (fontsize + 1) / 72 + 0.15
    title_w = text_width(lines, fontsize + 1) + 2 * _PAD

    x_matrix = _PAD + (dendro + 0.05 if dendro else 0.0) + band_w
    width = x_matrix + side + 0.06 + label_w + cbar_w + legend_w + _PAD
    width = max(width, title_w)
    y_matrix = _PAD + label_w + 0.06
    top_of_bands = y_matrix + side + band_w
    height = top_of_bands + (dendro + 0.05 if dendro else 0.0) + title_h + 0.1
    height = max(height, y_matrix + legend_h + 0.2)
    canvas = _Canvas(Figure(figsize=(width, height)), width, height)

    ax = canvas.axes(x_matrix, y_matrix, side, side)
    image = _draw_cells(ax, shown, fontsize)
    ax.set_xticks(range(n), labels, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(n), labels, fontsize=fontsize)
    ax.yaxis.tick_right()
    if k:
        _draw_column_bands(
            canvas.axes(x_matrix, y_matrix + side + 0.05, side, k * _BAND),
            bands,
            fontsize,
            names=True,
        )
        _draw_row_bands(canvas.axes(x_matrix - band_w, y_matrix, k * _BAND, side), bands, fontsize)
    if dendro:
        _draw_dendrogram(canvas.axes(x_matrix, top_of_bands + 0.05, side, dendro), order, "top")
        _draw_dendrogram(canvas.axes(_PAD, y_matrix, dendro, side), order, "left")
    x_cbar = x_matrix + side + 0.06 + label_w + 0.2
    cax = canvas.axes(x_cbar, y_matrix, _CBAR, side)
    bar = canvas.fig.colorbar(image, cax=cax)
    bar.set_label(_metric_label(matrix), fontsize=fontsize)
    bar.ax.tick_params(labelsize=fontsize)
    if k:
        _draw_legends(
            canvas, bands, width - _PAD - legend_w, y_matrix + side, fontsize, legend_heights
        )
    canvas.fig.text(
        0.5, 1 - 0.1 / height, "\n".join(lines), ha="center", va="top", fontsize=fontsize + 1
    )
    return save_figure(canvas.fig, path, dpi=dpi, bbox_inches="tight", pad_inches=0.1)


def _rectangular_heatmap(
    matrix: xr.Dataset, path: str | os.PathLike[str], title: str, dpi: float
) -> Path:
    """The heatmap of a matrix between two sets of networks: stored order, labels of each
    side, no clustering or bands; sized like :func:`similarity_heatmap`."""
    shown = matrix["distance"].transpose("model_a", "model_b").values
    rows, cols = model_labels(matrix, "a"), model_labels(matrix, "b")
    n_a, n_b = shown.shape
    fontsize, cell = _sizes(max(n_a, n_b))
    w, h = n_b * cell, n_a * cell
    row_w, col_h = text_width(rows, fontsize) + 0.1, text_width(cols, fontsize) + 0.1
    cbar_w = 0.2 + _CBAR + 0.2 + text_width(["0.000"], fontsize) + 2.2 * fontsize / 72
    phrase = checkpoint_phrase(matrix.attrs)
    lines = [_metric_label(matrix) + (f" at the {phrase}" if phrase else "")]
    lines.append(f"{n_a} × {n_b} networks (two sets), stored order")
    if title:
        lines.insert(0, title)
    title_h = len(lines) * 1.5 * (fontsize + 1) / 72 + 0.15
    width = max(_PAD + w + 0.06 + row_w + cbar_w + _PAD, text_width(lines, fontsize + 1) + 0.3)
    height = _PAD + col_h + 0.06 + h + title_h + 0.1
    canvas = _Canvas(Figure(figsize=(width, height)), width, height)
    y = _PAD + col_h + 0.06
    ax = canvas.axes(_PAD, y, w, h)
    off = np.where(np.isfinite(shown), shown, np.nan)
    vmax = float(np.nanmax(off)) if np.isfinite(off).any() and np.nanmax(off) > 0 else 1.0
    image = ax.imshow(
        np.ma.masked_invalid(shown),
        cmap=distance_cmap(),
        vmin=0.0,
        vmax=vmax,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(range(n_b), cols, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(n_a), rows, fontsize=fontsize)
    ax.yaxis.tick_right()
    bar = canvas.fig.colorbar(image, cax=canvas.axes(_PAD + w + 0.06 + row_w + 0.2, y, _CBAR, h))
    bar.set_label(_metric_label(matrix), fontsize=fontsize)
    bar.ax.tick_params(labelsize=fontsize)
    canvas.fig.text(
        0.5, 1 - 0.1 / height, "\n".join(lines), ha="center", va="top", fontsize=fontsize + 1
    )
    return save_figure(canvas.fig, path, dpi=dpi, bbox_inches="tight", pad_inches=0.1)


def heatmap_panel(
    matrices: Mapping[str, xr.Dataset],
    path: str | os.PathLike[str],
    *,
    order: NetworkOrder | None = None,
    dpi: float = _DPI,
) -> Path:
    """Every metric's heatmap side by side in one network order, each with its own colourbar.

    ``matrices``: metric name → square matrix over the same networks (in the panel's order
    left to right). ``order``: default the consensus of all metrics
    (:func:`~dynsim.figures.data.network_order`). Network labels on the left of the first
    panel and under every panel, colour bands and the dendrogram above every panel. Returns
    the path. Raises ValueError when there is no matrix or they hold different networks.
    """
    if not matrices:
        raise ValueError("no matrix for the heatmap panel")
    order = network_order(matrices) if order is None else order
    rows = order.ordered
    first = next(iter(matrices.values()))
    shown = {}
    for name, matrix in matrices.items():
        order, shown[name] = _prepare(matrix, order)
    n = len(rows)
    labels, same = _labels(first, rows)
    bands = _bands(first, rows)
    fontsize, cell = _sizes(n)
    cell = min(cell, max(1.45 * fontsize / 72, 3.2 / n))  # panels a little smaller than alone
    k = len(bands.factors)
    side = n * cell
    label_w = text_width(labels, fontsize) + 0.1
    bottom_w = max(label_w, text_width(bands.factors, fontsize) + 0.1)
    dendro = 0.6 if order.linkage is not None else 0.0
    band_w = k * _BAND + (0.05 if k else 0.0)
    band_names = text_width(bands.factors, fontsize) + 0.1 if k else 0.0
    legend_w, legend_h, legend_heights = _legend_size(bands, fontsize)
    cbar_w = 0.1 + _CBAR + 0.2 + text_width(["0.000"], fontsize) + 2.2 * fontsize / 72
    panel_w = side + max(cbar_w, band_names) + 0.25
    phrase = checkpoint_phrase(first.attrs)
    lines = [
        f"{len(matrices)} metrics, {n} networks" + (f", {phrase}" if phrase else ""),
        f"one order in every panel: {order.source}",
    ]
    if same:
        lines.append(same)
    title_h = len(lines) * 1.5 * (fontsize + 1) / 72 + 0.1
    sub_h = 1.6 * fontsize / 72 + 0.05
    x0 = _PAD + label_w + 0.06 + band_w
    width = x0 + len(matrices) * panel_w + legend_w + _PAD
    width = max(width, text_width(lines, fontsize + 1) + 2 * _PAD)
    y_matrix = _PAD + bottom_w + 0.06
    top = y_matrix + side + band_w + (dendro + 0.05 if dendro else 0.0)
    height = max(top + sub_h + title_h + 0.1, y_matrix + legend_h + 0.2)
    canvas = _Canvas(Figure(figsize=(width, height)), width, height)

    for p, (name, matrix) in enumerate(matrices.items()):
        x = x0 + p * panel_w
        ax = canvas.axes(x, y_matrix, side, side)
        image = _draw_cells(ax, shown[name], fontsize)
        ax.set_xticks(range(n), labels, rotation=90, fontsize=fontsize)
        # network labels left of the first panel (on its row bands when there are any)
        ax.set_yticks(range(n), labels if p == 0 and not k else [], fontsize=fontsize)
        if p > 0 or k:
            ax.tick_params(left=False)
        if k:
            _draw_column_bands(
                canvas.axes(x, y_matrix + side + 0.05, side, k * _BAND), bands, fontsize, names=True
            )
        if dendro:
            _draw_dendrogram(
                canvas.axes(x, y_matrix + side + band_w + 0.05, side, dendro), order, "top"
            )
        cax = canvas.axes(x + side + 0.1, y_matrix, _CBAR, side)
        bar = canvas.fig.colorbar(image, cax=cax)
        bar.set_label(_metric_label(matrix), fontsize=fontsize)
        bar.ax.tick_params(labelsize=fontsize)
        canvas.fig.text(
            (x + side / 2) / width,
            (top + 0.05) / height,
            name,
            ha="center",
            va="bottom",
            fontsize=fontsize + 1,
            fontweight="bold",
        )
    if k:
        _draw_row_bands(
            canvas.axes(x0 - band_w, y_matrix, k * _BAND, side), bands, fontsize, labels
        )
        _draw_legends(
            canvas, bands, width - _PAD - legend_w, y_matrix + side, fontsize, legend_heights
        )
    canvas.fig.text(
        0.5, 1 - 0.1 / height, "\n".join(lines), ha="center", va="top", fontsize=fontsize + 1
    )
    return save_figure(canvas.fig, path, dpi=dpi, bbox_inches="tight", pad_inches=0.1)
