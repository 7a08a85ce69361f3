"""Batches of pairs as Ray tasks (the session from :mod:`dynsim.raysession`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dynsim.metrics.base import Metric
from dynsim.pairwise.core import compare_pairs
from dynsim.raysession import ray_session


def _compare_remote(
    metric: Metric,
    refs: tuple[list[Any], list[Any]],
    reasons: tuple[list[str], list[str]],
    names: tuple[list[str], list[str]],
    pairs: np.ndarray,
) -> tuple[np.ndarray, list[str]]:
    """One batch on a worker: fetch only the batch's networks (each its own object) and
    compare them with local indices."""
    import ray

    prep_a = metric.stack(ray.get(refs[0]))
    prep_b = metric.stack(ray.get(refs[1]))
    return compare_pairs(metric, prep_a, prep_b, reasons[0], reasons[1], pairs, *names)


def run_on_ray(
    metric: Metric,
    prepared: tuple[list[Any], list[Any]],
    reasons: tuple[list[str], list[str]],
    names: tuple[list[str], list[str]],
    pairs: np.ndarray,
    batches: Sequence[np.ndarray],
    todo: Sequence[int],
    record: Callable[[int, tuple[np.ndarray, list[str]]], None],
    *,
    num_cpus: int | None,
    address: str | None,
) -> None:
    """Compare batches ``todo`` (indices into ``batches``, rows of ``pairs``) as Ray tasks,
    calling ``record(k, (values, reasons))`` in this process as each batch finishes.

    ``prepared``, ``reasons`` and ``names`` are the (set a, set b) lists of
    :func:`compare_pairs`. Each prepared network is shipped to the object store once, as its
    own object (``ray.put`` per network; once in all when b is a), and each task fetches only
    the networks of its batch: no task deserialises the whole set, and the object store never
    holds one object the size of all networks (which spilled to disk on small machines).
    """
    prep_a, prep_b = prepared
    reas_a, reas_b = reasons
    names_a, names_b = names
    # A private object store large enough for every prepared network (plus headroom), so
    # that nothing spills to disk; an attached cluster keeps its own.
    store_mb = int(1.25 * (_nbytes(prep_a) + (0 if prep_b is prep_a else _nbytes(prep_b))) / 2**20)
    with ray_session(
        num_cpus=num_cpus, address=address, object_store_mb=max(256, store_mb + 64)
    ) as ray:
        remote_compare = ray.remote(num_cpus=1)(_compare_remote)
        metric_ref = ray.put(metric)
        refs_a = [ray.put(p) for p in prep_a]
        refs_b = refs_a if prep_b is prep_a else [ray.put(p) for p in prep_b]
        pending = {}
        for k in todo:
            batch = pairs[batches[k]]
            rows, cols = np.unique(batch[:, 0]), np.unique(batch[:, 1])
            local = np.stack(
                [np.searchsorted(rows, batch[:, 0]), np.searchsorted(cols, batch[:, 1])], axis=1
            )
            task = remote_compare.remote(
                metric_ref,
                ([refs_a[i] for i in rows], [refs_b[j] for j in cols]),
                ([reas_a[i] for i in rows], [reas_b[j] for j in cols]),
                ([names_a[i] for i in rows], [names_b[j] for j in cols]),
                local,
            )
            pending[task] = k
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            k = pending.pop(ready[0])
            record(k, ray.get(ready[0]))


def _nbytes(prepared: Sequence[Any]) -> int:
    """Bytes of the arrays held by prepared networks (arrays, or objects holding arrays)."""
    total = 0
    for p in prepared:
        if isinstance(p, np.ndarray):
            total += p.nbytes
        elif p is not None:
            fields = getattr(p, "__dict__", None) or {}
            total += sum(v.nbytes for v in fields.values() if isinstance(v, np.ndarray))
    return total
