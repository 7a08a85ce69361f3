"""In-process pairwise computation: prepare every network once, compare pairs in batches.

This is the pure-NumPy core shared by :func:`dynsim.metrics.pairwise` and the distributed
engine in :mod:`dynsim.pairwise` (which adds Ray, persistence and stores on top of it).
A network that cannot be prepared, or a pair that cannot be compared, yields NaN and a reason
string; everything else is still computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from dynsim.metrics.base import Metric

OK = ""  # the reason recorded for a pair that was computed


def prepare_all(metric: Metric, data: Sequence[Any]) -> tuple[list[Any], list[str]]:
    """Prepare each network once. Returns (prepared, reasons); prepared[i] is None on failure."""
    prepared: list[Any] = []
    reasons: list[str] = []
    for X in data:
        p, reason = prepare_one(metric, X)
        prepared.append(p)
        reasons.append(reason)
    return prepared, reasons


def prepare_one(metric: Metric, X: Any) -> tuple[Any, str]:
    try:
        return metric.prepare(X), OK
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as err:
        return None, f"prepare failed: {err}"


def plan_pairs(n_a: int, n_b: int | None, symmetric: bool) -> np.ndarray:
    """Index pairs to compute: i < j for a symmetric metric on one set, else all (i, j)."""
    if n_b is None:
        if symmetric:
            i, j = np.triu_indices(n_a, k=1)
        else:
            i, j = np.nonzero(~np.eye(n_a, dtype=bool))
    else:
        i, j = np.meshgrid(np.arange(n_a), np.arange(n_b), indexing="ij")
        i, j = i.ravel(), j.ravel()
    return np.stack([i, j], axis=1).astype(np.int64)


def compare_pairs(
    metric: Metric,
    prepared_a: Sequence[Any],
    prepared_b: Sequence[Any],
    reasons_a: Sequence[str],
    reasons_b: Sequence[str],
    pairs: np.ndarray,
) -> tuple[np.ndarray, list[str]]:
    """Distances and reasons for one batch of pairs (NaN + reason where impossible)."""
    values = np.full(len(pairs), np.nan)
    reasons = [OK] * len(pairs)
    runnable = []
    for k, (i, j) in enumerate(pairs):
        if reasons_a[i]:
            reasons[k] = f"model_a: {reasons_a[i]}"
        elif reasons_b[j]:
            reasons[k] = f"model_b: {reasons_b[j]}"
        else:
            runnable.append(k)
    if not runnable:
        return values, reasons
    idx = np.asarray(runnable)
    try:
        values[idx] = metric.compare_batch(prepared_a, prepared_b, pairs[idx])
    except (ValueError, np.linalg.LinAlgError, FloatingPointError, RuntimeError):
        # Fall back to one pair at a time so that only the failing pairs carry the error.
        for k in runnable:
            i, j = pairs[k]
            try:
                values[k] = metric.compare(prepared_a[i], prepared_b[j])
            except (ValueError, np.linalg.LinAlgError, FloatingPointError, RuntimeError) as err:
                reasons[k] = f"compare failed: {err}"
    for k in runnable:
        if not reasons[k] and not np.isfinite(values[k]):
            reasons[k] = "compare returned a non-finite value"
    return values, reasons


def assemble(
    metric: Metric,
    pairs: np.ndarray,
    values: np.ndarray,
    reasons: Sequence[str],
    n_a: int,
    n_b: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Fill the full matrix (and its status strings) from computed pairs."""
    one_set = n_b is None
    n_b_ = n_a if one_set else n_b
    matrix = np.full((n_a, n_b_), np.nan)
    status = np.full((n_a, n_b_), "not computed", dtype=object)
    i, j = pairs[:, 0], pairs[:, 1]
    matrix[i, j] = values
    status[i, j] = np.asarray(reasons, dtype=object)
    if one_set:
        if metric.symmetric:
            matrix[j, i] = values
            status[j, i] = np.asarray(reasons, dtype=object)
        diag = np.arange(n_a)
        matrix[diag, diag] = 0.0
        status[diag, diag] = OK
    return matrix, status


def labels_of(data: Sequence[Any] | Mapping[str, Any]) -> tuple[list[str], list[Any]]:
    if isinstance(data, Mapping):
        return [str(k) for k in data], list(data.values())
    items = list(data)
    names = []
    for k, X in enumerate(items):
        name = getattr(X, "name", None)
        names.append(str(name) if isinstance(name, str) and name else f"model{k}")
    if len(set(names)) != len(names):
        names = [f"model{k}" for k in range(len(items))]
    return names, items


def to_dataarray(
    metric: Metric,
    matrix: np.ndarray,
    status: np.ndarray,
    names_a: Sequence[str],
    names_b: Sequence[str],
) -> xr.DataArray:
    return xr.DataArray(
        matrix,
        dims=("model_a", "model_b"),
        coords={
            "model_a": list(names_a),
            "model_b": list(names_b),
            "status": (("model_a", "model_b"), status),
        },
        name=metric.name,
        attrs={**metric.attrs(), "direction": "distance (0 = identical)"},
    )


def pairwise(
    data: Sequence[Any] | Mapping[str, Any],
    metric: Metric | str,
    *,
    other: Sequence[Any] | Mapping[str, Any] | None = None,
    batch_size: int = 256,
    **params: Any,
) -> xr.DataArray:
    """Distance matrix of a metric over networks, computed in this process.

    Parameters
    ----------
    data : list of arrays (trial, time, unit) or DataArrays with those dims, or a mapping
        name → array. Each network is prepared once.
    metric : a metric name (see :func:`dynsim.metrics.available`) or a metric object.
    other : optional second set; then the matrix is len(data) × len(other), all pairs.
    **params : passed to the metric's constructor when ``metric`` is a name.

    Returns
    -------
    xarray.DataArray with dims (``model_a``, ``model_b``), a ``status`` coordinate holding ""
    for computed pairs and the reason otherwise (NaN values), and the metric's parameters as
    attributes. For a symmetric metric on one set only i < j is computed.
    """
    from dynsim.metrics import get  # local: the registry imports this module

    metric_obj = get(metric, **params) if isinstance(metric, str) else metric
    names_a, items_a = labels_of(data)
    prepared_a, reasons_a = prepare_all(metric_obj, items_a)
    if other is None:
        names_b, prepared_b, reasons_b, n_b = names_a, prepared_a, reasons_a, None
    else:
        names_b, items_b = labels_of(other)
        prepared_b, reasons_b = prepare_all(metric_obj, items_b)
        n_b = len(items_b)
    pairs = plan_pairs(len(items_a), n_b, metric_obj.symmetric)
    values = np.full(len(pairs), np.nan)
    reasons: list[str] = [OK] * len(pairs)
    for start in range(0, len(pairs), batch_size):
        batch = slice(start, start + batch_size)
        values[batch], reasons[batch] = compare_pairs(
            metric_obj, prepared_a, prepared_b, reasons_a, reasons_b, pairs[batch]
        )
    matrix, status = assemble(metric_obj, pairs, values, reasons, len(items_a), n_b)
    return to_dataarray(metric_obj, matrix, status, names_a, names_b)
