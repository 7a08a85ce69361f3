"""The engine's core on prepared objects: the pair plan, batched comparison, assembly.

Nothing here reads files or starts processes; the functions take a :class:`Metric` and
prepared objects and return arrays. A network that cannot be prepared, or a pair that cannot
be compared, yields NaN and a reason string naming the network or the pair; everything else
is still computed. *Any* exception of a metric is contained this way (a metric meeting data
it cannot handle may raise OverflowError, TypeError, … as well as ValueError): one bad
network or pair never costs the whole matrix. Only BaseExceptions that are not Exceptions
(KeyboardInterrupt, SystemExit: the job is being stopped) propagate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dynsim.metrics.base import Metric, PreparationError

OK = ""  # the reason recorded for a pair that was computed
# Joins the reasons of a pair whose two networks both failed (messages themselves use "; ").
REASON_SEPARATOR = " | "


def describe(err: BaseException) -> str:
    """An exception as a reason: its message, prefixed by its type unless it is the metrics'
    own :class:`PreparationError` (whose message already says what is wrong with the data),
    so that an unexpected OverflowError or TypeError is recognisable as such."""
    text = str(err) or repr(err)
    return text if isinstance(err, PreparationError) else f"{type(err).__name__}: {text}"


def prepare_one(metric: Metric, X: Any) -> tuple[Any, str]:
    """``(metric.prepare(X), "")``, or ``(None, "prepare failed: …")`` for any exception of
    the metric's ``prepare`` (see the module docstring). The reason does not name the network
    (the caller knows it: :func:`network_reason`)."""
    try:
        return metric.prepare(X), OK
    except Exception as err:  # contained to this network's row; see the module docstring
        return None, f"prepare failed: {describe(err)}"


def network_reason(name: str, reason: str) -> str:
    """A network's failure reason as recorded in every entry of its row and column (and its
    diagonal): it names the network, so it reads right whichever side the network is on."""
    return f"network {name!r}: {reason}" if reason else OK


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
    names_a: Sequence[str] | None = None,
    names_b: Sequence[str] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Distances and reasons for one batch of pairs (NaN + reason where impossible).

    reasons_a, reasons_b : per network, "" or why it cannot be compared — already naming the
        network (:func:`network_reason`); a pair with a failed network gets that reason
        (both, joined by :data:`REASON_SEPARATOR`, when both failed), so the entry says which
        network failed whichever side it is on.
    names_a, names_b : the networks' names, for the reason of a pair whose comparison raised
        or returned a non-finite value (default: their indices).
    Any exception of the metric is contained to its pair (see the module docstring).
    """
    names_a = list(names_a) if names_a is not None else [f"#{i}" for i in range(len(reasons_a))]
    names_b = list(names_b) if names_b is not None else [f"#{j}" for j in range(len(reasons_b))]
    values = np.full(len(pairs), np.nan)
    reasons = [OK] * len(pairs)
    # Vectorised over pairs (a whole matrix may be one batch): only pairs with a failed
    # network get a reason string built in Python.
    failed_a = np.array([bool(r) for r in reasons_a], dtype=bool)
    failed_b = np.array([bool(r) for r in reasons_b], dtype=bool)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    blocked = failed_a[pairs[:, 0]] | failed_b[pairs[:, 1]] if len(pairs) else np.zeros(0, bool)
    for k in np.flatnonzero(blocked).tolist():
        i, j = pairs[k]
        failed = [r for r in (reasons_a[i], reasons_b[j]) if r]
        reasons[k] = REASON_SEPARATOR.join(dict.fromkeys(failed))  # once if a network meets itself
    idx = np.flatnonzero(~blocked)
    if not len(idx):
        return values, reasons

    def pair(k: int) -> str:
        i, j = pairs[k]
        return f"{names_a[i]!r} vs {names_b[j]!r}"

    try:
        batch = np.asarray(metric.compare_batch(prepared_a, prepared_b, pairs[idx]), dtype=float)
        if batch.shape != (len(idx),):
            raise ValueError(f"compare_batch returned shape {batch.shape}, not ({len(idx)},)")
        values[idx] = batch
    except Exception:
        # Fall back to one pair at a time so that only the failing pairs carry the error.
        for k in idx.tolist():
            i, j = pairs[k]
            try:
                values[k] = float(metric.compare(prepared_a[i], prepared_b[j]))
            except Exception as err:  # contained to this pair; see the module docstring
                reasons[k] = f"compare of {pair(k)} failed: {describe(err)}"
    for k in idx[~np.isfinite(values[idx])].tolist():
        if not reasons[k]:
            reasons[k] = f"compare of {pair(k)} returned a non-finite value ({values[k]})"
            values[k] = np.nan
    return values, reasons


def assemble(
    metric: Metric,
    pairs: np.ndarray,
    values: np.ndarray,
    reasons: Sequence[str],
    n_a: int,
    n_b: int | None,
    network_reasons: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The full (n_a, n_b) matrix and its status strings from computed pairs: a symmetric
    metric's pairs are mirrored; on one set (``n_b`` None) the diagonal is 0 with status ""
    — except for a network whose ``network_reasons`` entry is not "" (it could not be read or
    prepared): its diagonal is NaN with that reason, like the rest of its row and column.
    Pairs not in ``pairs`` are NaN with status "not computed"."""
    one_set = n_b is None
    n_b_ = n_a if one_set else n_b
    matrix = np.full((n_a, n_b_), np.nan)
    status = np.full((n_a, n_b_), "not computed", dtype=object)
    i, j = pairs[:, 0], pairs[:, 1]
    reasons = np.asarray(reasons, dtype=object)
    matrix[i, j] = values
    status[i, j] = reasons
    if one_set:
        if metric.symmetric:
            matrix[j, i] = values
            status[j, i] = reasons
        for k in range(n_a):
            failed = network_reasons[k] if network_reasons is not None else OK
            matrix[k, k] = np.nan if failed else 0.0
            status[k, k] = failed
    return matrix, status
