"""The systems bench's scores: pure functions of a distance matrix and the case's labels.

Each ``score_<case>`` returns the case's scores (the decisive one is named by
:data:`dynsim.bench.cases.CRITERIA`) and a table of the details its figure panel draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import spearmanr

from dynsim.bench.cases import CaseData
from dynsim.figures import fill_distance


def isotonic_fit(y: Sequence[float]) -> np.ndarray:
    """Least-squares non-decreasing fit to ``y`` (pool-adjacent-violators)."""
    blocks: list[list[float]] = []  # [sum, count] of each pooled block
    for v in np.asarray(y, dtype=float):
        blocks.append([float(v), 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return np.concatenate([np.full(int(c), t / c) for t, c in blocks])


def isotonic_r2(y: Sequence[float], x: Sequence[float], groups: Sequence[Any]) -> float:
    r"""R² of the expected ordering: y should increase with x within each group.

    Within each group g, ŷ is the best non-decreasing function of x (isotonic regression) and
    ȳ_g the group mean; R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ_g)². It is 1 exactly when y is ordered as
    expected in every group and falls with the share of the within-group variance that
    contradicts the ordering (0 when every group is exactly reversed).
    """
    y, x, groups = (np.asarray(v) for v in (y, x, groups))
    ss_res = ss_tot = 0.0
    for g in np.unique(groups):
        sel = np.flatnonzero(groups == g)
        order = sel[np.argsort(x[sel], kind="stable")]
        yg = y[order].astype(float)
        ss_res += float(np.sum((yg - isotonic_fit(yg)) ** 2))
        ss_tot += float(np.sum((yg - yg.mean()) ** 2))
    if ss_tot == 0 or not np.isfinite(ss_tot):
        return float("nan")
    return 1.0 - ss_res / ss_tot


def nearest_neighbour_accuracy(distance: np.ndarray, labels: Sequence[Any]) -> float:
    """Leave-one-out 1-NN accuracy: the label of each system's nearest other system."""
    d = np.array(distance, dtype=float)
    d = np.where(np.isfinite(d), d, np.inf)
    np.fill_diagonal(d, np.inf)
    labels = np.asarray(labels)
    return float(np.mean(labels[np.argmin(d, axis=1)] == labels))


def silhouette(distance: np.ndarray, labels: Sequence[Any]) -> float:
    r"""Mean silhouette s_i = (b_i − a_i)/max(a_i, b_i) from a precomputed distance matrix.

    a_i is the mean distance to the other members of i's class, b_i the smallest mean distance
    to another class; s_i = 0 for a class of one member (as in scikit-learn).
    """
    d = np.asarray(distance, dtype=float)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    scores = []
    for i in range(len(labels)):
        same = (labels == labels[i]) & (np.arange(len(labels)) != i)
        if not same.any():
            scores.append(0.0)
            continue
        a = np.nanmean(d[i, same])
        b = min(np.nanmean(d[i, labels == c]) for c in classes if c != labels[i])
        scores.append((b - a) / max(a, b) if max(a, b) > 0 else 0.0)
    return float(np.mean(scores))


def auc(lower: Sequence[float], higher: Sequence[float]) -> float:
    """P(x < y) + ½P(x = y) for x from ``lower`` and y from ``higher`` (NaNs dropped)."""
    x = np.asarray(lower, dtype=float)
    y = np.asarray(higher, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if not len(x) or not len(y):
        return float("nan")
    diff = y[None, :] - x[:, None]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


def _spearman(x: Sequence[float], y: Sequence[float]) -> float:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return float("nan")
    return float(spearmanr(x[ok], y[ok]).statistic)


def _matrix(ds: xr.Dataset) -> pd.DataFrame:
    return ds["distance"].to_pandas()


def score_progression(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)
    rows = data.labels.dropna(subset=["m"]).copy()
    rows["d_A"] = [d.loc[n, "A"] for n in rows.index]
    rows["d_B"] = [d.loc[n, "B"] for n in rows.index]
    rows["position"] = rows["d_B"] / (rows["d_A"] + rows["d_B"])
    levels = rows["noise"].to_numpy()
    per_level = [_spearman(sub["m"], sub["position"]) for _, sub in rows.groupby("noise")]
    scores = {
        "r2": isotonic_r2(rows["position"].to_numpy(), rows["m"].to_numpy(), levels),
        "spearman": float(np.nanmean(per_level)),
    }
    return scores, rows


def score_regimes(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)
    names = list(d.index)
    labels = data.labels.loc[names, "class"].to_numpy()
    full = fill_distance(d.to_numpy(), missing="transpose")
    scores = {
        "nn_accuracy": nearest_neighbour_accuracy(full, labels),
        "silhouette": silhouette(full, labels),
    }
    return scores, pd.DataFrame(full, index=names, columns=names)


def score_motifs(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)
    sets = {n: set(data.labels.loc[n, "motifs"].split(",")) for n in d.index}
    rows = [
        {"a": a, "b": b, "not_shared": len(sets[a] ^ sets[b]), "distance": d.loc[a, b]}
        for a, b in combinations(d.index, 2)
    ]
    pairs = pd.DataFrame(rows)
    return {"spearman": _spearman(pairs["not_shared"], pairs["distance"])}, pairs


def score_geometry(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)
    lab = data.labels
    rows = []
    for a, b in combinations(d.index, 2):
        same_dyn = lab.loc[a, "dynamics"] == lab.loc[b, "dynamics"]
        same_emb = lab.loc[a, "embedding"] == lab.loc[b, "embedding"]
        if same_dyn:
            kind = "same dynamics, other embedding"
        elif same_emb:
            kind = "same geometry, other dynamics"
        else:
            kind = "other dynamics, other embedding"
        rows.append({"a": a, "b": b, "kind": kind, "distance": d.loc[a, b]})
    pairs = pd.DataFrame(rows)
    same_dyn = pairs.loc[pairs["kind"] == "same dynamics, other embedding", "distance"]
    same_geom = pairs.loc[pairs["kind"] == "same geometry, other dynamics", "distance"]
    ratio = (
        float(np.median(same_geom) / np.median(same_dyn))
        if np.median(same_dyn) > 0
        else (float("inf"))
    )
    return {"auc": auc(same_dyn, same_geom), "ratio": ratio}, pairs


def score_noise(ds: xr.Dataset, data: CaseData) -> tuple[dict[str, float], pd.DataFrame]:
    d = _matrix(ds)  # every system × the clean references
    lab = data.labels
    clean_of = {lab.loc[c, "reference"]: c for c in d.columns}
    tolerances, rhos, rows = [], [], []
    for ref, clean in clean_of.items():
        others = [d.loc[clean, c] for c in d.columns if c != clean]
        threshold = float(np.nanmin(others))
        sub = lab[lab["reference"] == ref].sort_values("noise")
        dist = np.array([d.loc[n, clean] for n in sub.index])
        levels = sub["noise"].to_numpy()
        below = np.cumprod(dist < threshold).astype(bool)  # still recognised up to here
        tolerances.append(float(levels[below].max()) if below.any() else 0.0)
        rhos.append(_spearman(levels, dist))
        rows += [
            {"reference": ref, "noise": s, "distance": v, "threshold": threshold}
            for s, v in zip(levels, dist, strict=True)
        ]
    return {"tolerance": float(min(tolerances)), "spearman": float(np.nanmean(rhos))}, pd.DataFrame(
        rows
    )


SCORERS: dict[str, Callable[[xr.Dataset, CaseData], tuple[dict[str, float], pd.DataFrame]]] = {
    "progression": score_progression,
    "regimes": score_regimes,
    "motifs": score_motifs,
    "geometry": score_geometry,
    "noise": score_noise,
}
