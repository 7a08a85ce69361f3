"""The engine's core on prepared objects: the pair plan, batched comparison, assembly.

Nothing here reads files or starts processes; the functions take a :class:`Metric` and
prepared objects and return arrays. A network that cannot be prepared, or a pair that cannot
be compared, yields NaN and a reason string; everything else is still computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dynsim.metrics.base import Metric

OK = ""  # the reason recorded for a pair that was computed

# What a metric raises for bad data (as opposed to a bug): contained to the network or pair.
_DATA_ERRORS = (ValueError, np.linalg.LinAlgError, FloatingPointError)


def prepare_one(metric: Metric, X: Any) -> tuple[Any, str]:
    """``(metric.prepare(X), "")``, or ``(None, "prepare failed: …")`` for bad data."""
    try:
        return metric.prepare(X), OK
    except _DATA_ERRORS as err:
        return None, f"prepare failed: {err}"


def prepare_all(metric: Metric, data: Sequence[Any]) -> tuple[list[Any], list[str]]:
    """Prepare each network once. Returns (prepared, reasons); prepared[i] is None on failure."""
    prepared: list[Any] = []
    reasons: list[str] = []
    for X in data:
        p, reason = prepare_one(metric, X)
        prepared.append(p)
        reasons.append(reason)
    return prepared, reasons


def plan_pairs(n_a: int, n_b: int | None, symmetric: bool) -> np.ndarray:
    """Index pairs (k, 2) to compute, row-major: i < j for a symmetric metric on one set
    (``n_b`` None), all i ≠ j for an asymmetric one, else every (i, j) of the two sets."""
    if n_b is None:
        if symmetric:
            i, j = np.triu_indices(n_a, k=1)
        else:
            i, j = np.nonzero(~np.eye(n_a, dtype=bool))
    else:
        i, j = np.meshgrid(np.arange(n_a), np.arange(n_b), indexing="ij")
        i, j = i.ravel(), j.ravel()
    return np.stack([i, j], axis=1).astype(np.int64)


def tiled(pairs: np.ndarray, batch_size: int) -> np.ndarray:
    """Pairs reordered tile by tile (√batch × √batch blocks of the matrix) so that each batch
    touches few networks: a metric that stacks its partners' prepared data (CKA's Grams)
    then copies O(√batch) networks per batch instead of O(N)."""
    tile = max(1, int(np.sqrt(batch_size)))
    order = np.lexsort((pairs[:, 1], pairs[:, 0], pairs[:, 1] // tile, pairs[:, 0] // tile))
    return pairs[order]


def batches_of(n_pairs: int, batch_size: int) -> list[np.ndarray]:
    """Consecutive index ranges of at most ``batch_size`` pairs covering ``range(n_pairs)``."""
    return [np.arange(s, min(s + batch_size, n_pairs)) for s in range(0, n_pairs, batch_size)]


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
    except (*_DATA_ERRORS, RuntimeError):
        # Fall back to one pair at a time so that only the failing pairs carry the error.
        for k in runnable:
            i, j = pairs[k]
            try:
                values[k] = metric.compare(prepared_a[i], prepared_b[j])
            except (*_DATA_ERRORS, RuntimeError) as err:
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
    """The full (n_a, n_b) matrix and its status strings from computed pairs: a symmetric
    metric's pairs are mirrored, the diagonal of one set is 0 with status "", and pairs not
    in ``pairs`` are NaN with status "not computed"."""
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
