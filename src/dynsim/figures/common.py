"""The helpers every dynsim figure shares: network labels from a dataset's coordinates,
filling and symmetrising a distance matrix, the colour maps (distances, factor levels), text
extents for sizing a figure, saving.

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
from matplotlib.textpath import TextPath
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

__all__ = [
    "LABELS",
    "cluster_order",
    "distance_cmap",
    "factor_colours",
    "fill_distance",
    "model_labels",
    "save_figure",
    "text_width",
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
    return mpl.colormaps["viridis"].with_extremes(bad="lightgrey")


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


#: A qualitative palette per factor, so that the colour bands of two factors never share
#: colours (tab10 and Set2/Dark2/Pastel1/Accent are ColorBrewer/Tableau qualitative maps).
FACTOR_PALETTES: dict[str, str] = {
    "task": "tab10",
    "arch": "Set2",
    "regime": "Dark2",
    "variant": "Pastel1",
    "seed": "Accent",
}


def factor_colours(factor: str, levels: Sequence[str]) -> dict[str, tuple[float, ...]]:
    """One RGBA colour per level of ``factor`` (in the order given), from the factor's own
    qualitative palette (:data:`FACTOR_PALETTES`); past the palette's size the colours are
    sampled evenly from ``turbo`` instead, so that no two levels share a colour."""
    cmap = mpl.colormaps[FACTOR_PALETTES.get(factor, "tab10")]
    size = getattr(cmap, "N", 256)
    if len(levels) <= size:
        return {level: tuple(cmap(k)) for k, level in enumerate(levels)}
    turbo = mpl.colormaps["turbo"]
    spaced = np.linspace(0.05, 0.95, len(levels))
    return {level: tuple(turbo(x)) for level, x in zip(levels, spaced, strict=True)}


def text_width(texts: Sequence[str], fontsize: float) -> float:
    """The width in inches of the widest of ``texts`` set at ``fontsize`` points in
    matplotlib's default font (measured on the glyph outlines with
    :class:`matplotlib.textpath.TextPath`, no renderer needed); 0 when ``texts`` is empty."""
    widths = [TextPath((0, 0), str(t), size=fontsize).get_extents().width for t in texts if t]
    return max(widths, default=0.0) / 72.0
