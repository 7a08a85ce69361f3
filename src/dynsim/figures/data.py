"""What the figures show, as plain data (no drawing): the factors an experiment varies, one
network order shared by every metric, colour-band levels, the metrics' rank agreement, a
classical MDS embedding, the pair groups of the learning curves, and distance against
accuracy difference. Each function is tested on hand-built matrices (tests/test_figures.py).

A *matrix* is a similarity store from the pairwise engine (:func:`dynsim.store.open_matrix`):
``distance`` (model_a, model_b) with one coordinate ``<label>_a`` / ``<label>_b`` per network
label (task, arch, regime, variant, seed; ``accuracy_a`` is each network store's ``accuracy``
at its final checkpoint, see :mod:`dynsim.pairwise.sources`). A learning matrix has a leading
``progress`` dimension.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
import xarray as xr
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform
from scipy.stats import rankdata, spearmanr

from dynsim.figures.common import LABELS, fill_distance

__all__ = [
    "NetworkOrder",
    "accuracy_pairs",
    "classical_mds",
    "factor_levels",
    "is_square",
    "learning_groups",
    "metric_agreement",
    "network_order",
    "pair_distances",
    "pair_distances_aligned",
    "varied_factors",
]


def varied_factors(matrix: xr.Dataset, side: str = "a") -> list[str]:
    """The labels of :data:`~dynsim.figures.common.LABELS` (task, arch, regime, variant, seed,
    in that order) whose coordinate ``<label>_<side>`` takes more than one value: the factors
    the experiment's config varies."""
    out = []
    for label in LABELS:
        coord = f"{label}_{side}"
        if coord in matrix.coords and len(set(map(str, matrix[coord].values))) > 1:
            out.append(label)
    return out


def factor_levels(matrix: xr.Dataset, factor: str, side: str = "a") -> np.ndarray:
    """Each network's level of ``factor`` as strings (model_<side>,); raises ValueError naming
    the coordinate when the matrix has none."""
    coord = f"{factor}_{side}"
    if coord not in matrix.coords:
        raise ValueError(f"matrix has no coordinate {coord!r} (factors: {list(LABELS)})")
    return np.array([str(v) for v in matrix[coord].values], dtype=object)


def is_square(matrix: xr.Dataset) -> bool:
    """Whether ``matrix`` compares one set of networks with itself (model_a and model_b hold
    the same networks, in any order)."""
    a, b = (list(map(str, matrix[f"model_{s}"].values)) for s in "ab")
    return set(a) == set(b) and len(a) == len(b)


def _models(matrix: xr.Dataset) -> list[str]:
    a, b = (list(map(str, matrix[f"model_{s}"].values)) for s in "ab")
    if set(a) != set(b) or len(a) != len(b):
        raise ValueError(
            f"matrix {matrix.attrs.get('metric', '')!r} is not square over one set of networks "
            "(model_a and model_b differ); these figures need every network against every other"
        )
    return a


def _aligned(matrix: xr.Dataset, models: Sequence[str], name: str = "") -> np.ndarray:
    """The distance (model, model) of ``matrix`` with rows and columns in the order of
    ``models``, made symmetric: a missing D[i, j] takes D[j, i], then (D + Dᵀ)/2 (a symmetric
    metric's matrix is unchanged; an asymmetric one's two directions are averaged)."""
    have = set(_models(matrix))
    missing = [m for m in models if m not in have]
    if missing or len(have) != len(models):
        raise ValueError(
            f"matrix {name or matrix.attrs.get('metric', '')!r} has other networks than the "
            f"order's (missing: {missing[:3]}{'…' if len(missing) > 3 else ''}; "
            f"{len(have)} vs {len(models)} networks)"
        )
    d = matrix["distance"].sel(model_a=list(models), model_b=list(models)).values
    d = fill_distance(d, missing="transpose")
    both = np.isfinite(d) & np.isfinite(d.T)
    return np.where(both, 0.5 * (d + d.T), np.nan)


def pair_distances(matrix: xr.Dataset, models: Sequence[str] | None = None) -> np.ndarray:
    """The distances of the unordered pairs i < j (upper triangle, row-major) of ``models``
    (default: the matrix's own order), symmetrised as in the figures; NaN where no value."""
    models = _models(matrix) if models is None else list(models)
    d = _aligned(matrix, models)
    return d[np.triu_indices(len(models), k=1)]


@dataclass(frozen=True)
class NetworkOrder:
    """One network order for every figure of an experiment.

    ``models``: the networks' names (model_a) in the matrices' stored order; ``order``: indices
    into ``models``, top row first; ``linkage``: scipy's linkage matrix ((n − 1) × 4) behind the
    order (None when there are fewer than 3 networks); ``source``: how the order was made, for
    titles and captions.
    """

    models: tuple[str, ...]
    order: np.ndarray
    linkage: np.ndarray | None
    source: str

    @property
    def ordered(self) -> list[str]:
        """The network names in display order."""
        return [self.models[k] for k in self.order]


def _rank_scaled(d: np.ndarray) -> np.ndarray:
    """Off-diagonal finite distances replaced by their ranks scaled to (0, 1] (ties averaged,
    scipy.stats.rankdata), so that metrics of different scales weigh alike; NaN kept."""
    out = np.full_like(d, np.nan)
    iu = np.triu_indices(d.shape[0], k=1)
    values = d[iu]
    finite = np.isfinite(values)
    ranked = np.full(values.shape, np.nan)
    ranked[finite] = rankdata(values[finite]) / max(int(finite.sum()), 1)
    out[iu] = ranked
    out.T[iu] = ranked
    np.fill_diagonal(out, 0.0)
    return out


def network_order(
    matrices: xr.Dataset | Mapping[str, xr.Dataset],
    *,
    reference: str | None = None,
    method: str = "average",
) -> NetworkOrder:
    """The network order of every heatmap: the leaves of a hierarchical clustering.

    One matrix: clustering of its distances. Several (metric name → matrix, same networks):
    of ``reference``'s distances when named, else of the consensus — the mean over metrics of
    each metric's pair distances replaced by their rank scaled to (0, 1] (scale-free, so that
    no metric dominates by its units). Missing distances are filled with 1.1 × the largest
    (:func:`~dynsim.figures.common.fill_distance`). Clustering: scipy's
    :func:`~scipy.cluster.hierarchy.linkage` with ``method`` (UPGMA "average" by default;
    Sokal & Michener 1958) and ``optimal_ordering=True`` (Bar-Joseph et al. 2001: adjacent
    leaves as similar as possible).

    Raises ValueError when a matrix is not square over one set of networks, the matrices hold
    different networks, ``reference`` is not among them, or there is no matrix.
    """
    if isinstance(matrices, xr.Dataset):
        matrices = {str(matrices.attrs.get("metric", "distance")): matrices}
    if not matrices:
        raise ValueError("no matrix to order the networks by")
    if reference is not None and reference not in matrices:
        raise ValueError(f"reference metric {reference!r} not among {sorted(matrices)}")
    first = matrices[reference] if reference is not None else next(iter(matrices.values()))
    models = _models(first)
    aligned = {name: _aligned(m, models, name) for name, m in matrices.items()}
    if reference is not None or len(aligned) == 1:
        name = reference if reference is not None else next(iter(aligned))
        d, source = aligned[name], f"clustering of {name}"
    else:
        stacked = np.stack([_rank_scaled(d) for d in aligned.values()])
        with warnings.catch_warnings():  # a pair no metric has: NaN, filled below
            warnings.simplefilter("ignore", RuntimeWarning)
            d = np.nanmean(stacked, axis=0)
        source = "clustering of the metrics' consensus (mean rank of " + ", ".join(aligned) + ")"
    n = len(models)
    if n < 3:
        return NetworkOrder(tuple(models), np.arange(n), None, source)
    filled = fill_distance(d, margin=1.1)
    z = linkage(squareform(filled, checks=False), method=method, optimal_ordering=True)
    return NetworkOrder(tuple(models), leaves_list(z), z, f"{method}-linkage {source}")


def metric_agreement(matrices: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """Spearman rank correlation between every two metrics' distances over network pairs.

    For metrics p, q: ``rho`` = :func:`scipy.stats.spearmanr` of their distances over the
    unordered pairs i < j of networks where both have a value (:func:`pair_distances`), ``n``
    the number of such pairs. Returns a Dataset with ``rho`` and ``n`` (metric, metric_other);
    the diagonal is 1 (n = the metric's own finite pairs). ``rho`` is NaN with fewer than 3
    common pairs or a constant metric. Raises ValueError with fewer than two metrics or
    matrices over different networks.
    """
    if len(matrices) < 2:
        raise ValueError(f"metric agreement needs at least two metrics, got {list(matrices)}")
    names = list(matrices)
    models = _models(matrices[names[0]])
    pairs = {name: pair_distances_aligned(m, models, name) for name, m in matrices.items()}
    k = len(names)
    rho, count = np.full((k, k), np.nan), np.zeros((k, k), dtype=int)
    for i, p in enumerate(names):
        for j, q in enumerate(names):
            both = np.isfinite(pairs[p]) & np.isfinite(pairs[q])
            count[i, j] = int(both.sum())
            x, y = pairs[p][both], pairs[q][both]
            if i == j:
                rho[i, j] = 1.0
            elif count[i, j] >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
                rho[i, j] = float(spearmanr(x, y).statistic)
    dims = ("metric", "metric_other")
    return xr.Dataset(
        {"rho": (dims, rho), "n": (dims, count)},
        coords={"metric": names, "metric_other": names},
        attrs={"statistic": "Spearman rank correlation over network pairs i < j"},
    )


def pair_distances_aligned(matrix: xr.Dataset, models: Sequence[str], name: str) -> np.ndarray:
    """:func:`pair_distances` of ``matrix`` in the order of ``models`` (an error names the
    matrix ``name`` when its networks differ)."""
    d = _aligned(matrix, models, name)
    return d[np.triu_indices(len(models), k=1)]


def classical_mds(distance: np.ndarray, n_components: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Classical (Torgerson) multidimensional scaling of a distance matrix (n × n).

    With D⁽²⁾ the squared distances, J = I − 11ᵀ/n and B = −½ J D⁽²⁾ J (Torgerson 1952; Borg &
    Groenen 2005, *Modern Multidimensional Scaling*, ch. 12), the coordinates (n,
    ``n_components``) are B's top eigenvectors scaled by the square roots of their eigenvalues
    (components of a non-positive eigenvalue are 0). For Euclidean distances this recovers the
    configuration up to rotation, reflection and translation. Also returns each component's
    share of the positive eigenvalues' sum (``n_components``,), the "variance explained".
    The matrix is symmetrised and NaN filled with the largest distance first
    (:func:`~dynsim.figures.common.fill_distance`). Raises ValueError if it is not square.
    """
    d = np.asarray(distance, dtype=float)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise ValueError(f"distance must be a square matrix, got shape {d.shape}")
    d = fill_distance(d)
    n = d.shape[0]
    centring = np.eye(n) - np.ones((n, n)) / n
    b = -0.5 * centring @ (d**2) @ centring
    values, vectors = np.linalg.eigh(b)
    top = np.argsort(values)[::-1][:n_components]
    positive = np.clip(values[top], 0.0, None)
    coords = vectors[:, top] * np.sqrt(positive)
    total = values[values > 0].sum()
    explained = positive / total if total > 0 else np.zeros_like(positive)
    if coords.shape[1] < n_components:  # fewer networks than components
        pad = n_components - coords.shape[1]
        coords, explained = np.pad(coords, ((0, 0), (0, pad))), np.pad(explained, (0, pad))
    return coords, explained


def learning_groups(
    matrices: xr.Dataset, factor: str, *, max_lines: int = 10
) -> tuple[dict[str, np.ndarray], str]:
    """The pairs behind one panel of the learning figure: networks compared across the levels
    of ``factor``.

    One group per unordered pair of levels (``"pdm – anti_pdm"``, and ``"pdm – pdm"`` for
    pairs within a level), each a boolean mask (model_a, model_b) of the unordered network
    pairs i < j. Pairs are *matched*: they share the level of every other varied factor but the
    seed (so a task line is not an architecture difference in disguise); when matching leaves no
    pair at all, the pairs are pooled over the other factors. With more than ``max_lines``
    level pairs, two groups instead: "same <factor>" and "other <factor>". Groups without a pair
    are left out. Returns ``(groups, how)`` with ``how`` a phrase for the panel title
    ("matched on arch", "pooled over task", or "" when nothing else varies). Raises ValueError
    when ``factor`` is not a coordinate of the matrices.
    """
    levels = factor_levels(matrices, factor)
    n = levels.size
    upper = np.triu(np.ones((n, n), dtype=bool), k=1)
    others = [f for f in varied_factors(matrices) if f not in (factor, "seed")]
    matched = upper.copy()
    for other in others:
        values = factor_levels(matrices, other)
        matched &= values[:, None] == values[None, :]
    how = ("matched on " + ", ".join(others)) if others else ""
    if others and not matched.any():
        matched, how = upper, "pooled over " + ", ".join(others)
    order = list(dict.fromkeys(levels))  # levels in order of appearance
    pairs = list(combinations_with_replacement(order, 2))
    groups: dict[str, np.ndarray] = {}
    if len(pairs) > max_lines:
        same = levels[:, None] == levels[None, :]
        candidates = {f"same {factor}": same, f"other {factor}": ~same}
    else:
        candidates = {}
        for p, q in pairs:
            mask = ((levels[:, None] == p) & (levels[None, :] == q)) | (
                (levels[:, None] == q) & (levels[None, :] == p)
            )
            candidates[f"{p} – {q}"] = mask
    for label, mask in candidates.items():
        if (mask & matched).any():
            groups[label] = mask & matched
    return groups, how


def accuracy_pairs(matrix: xr.Dataset) -> pd.DataFrame:
    """Each unordered network pair i < j with its distance and accuracies.

    Columns: model_a, model_b, distance (symmetrised as in the figures), accuracy_a,
    accuracy_b (each network store's ``accuracy`` at its final checkpoint, the matrix's
    ``accuracy_a`` coordinate) and accuracy_difference = |accuracy_a − accuracy_b|. Pairs
    without a distance are dropped. Raises ValueError naming the coordinate when the matrix
    has no ``accuracy_a`` (matrices written by ``dynsim compare`` from network stores have it;
    a learning matrix does not).
    """
    if "accuracy_a" not in matrix.coords:
        raise ValueError(
            f"matrix {matrix.attrs.get('metric', '')!r} has no 'accuracy_a' coordinate (written "
            "by `dynsim compare` from each network store's final accuracy)"
        )
    models = _models(matrix)
    d = _aligned(matrix, models)
    accuracy = np.asarray(matrix["accuracy_a"].sel(model_a=models).values, dtype=float)
    i, j = np.triu_indices(len(models), k=1)
    frame = pd.DataFrame(
        {
            "model_a": [models[k] for k in i],
            "model_b": [models[k] for k in j],
            "distance": d[i, j],
            "accuracy_a": accuracy[i],
            "accuracy_b": accuracy[j],
        }
    )
    frame["accuracy_difference"] = (frame["accuracy_a"] - frame["accuracy_b"]).abs()
    return frame[np.isfinite(frame["distance"])].reset_index(drop=True)
