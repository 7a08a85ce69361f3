"""Batches of pairs as Ray tasks (the session from :mod:`dynsim.raysession`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dynsim.metrics.base import Metric
from dynsim.pairwise.core import compare_pairs
from dynsim.raysession import ray_session


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
    :func:`compare_pairs`; each prepared set is shipped to the object store once (once in
    all when b is a).
    """
    prep_a, prep_b = prepared
    reas_a, reas_b = reasons
    with ray_session(num_cpus=num_cpus, address=address) as ray:
        remote_compare = ray.remote(num_cpus=1)(compare_pairs)
        metric_ref = ray.put(metric)
        a_ref = ray.put(prep_a)
        b_ref = a_ref if prep_b is prep_a else ray.put(prep_b)
        pending = {
            remote_compare.remote(
                metric_ref, a_ref, b_ref, reas_a, reas_b, pairs[batches[k]], *names
            ): k
            for k in todo
        }
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            k = pending.pop(ready[0])
            record(k, ray.get(ready[0]))
