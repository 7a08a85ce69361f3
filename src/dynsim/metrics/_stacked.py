"""A run's prepared networks with the forms all its pairs share, and the identical-pair test.

A leaf of :mod:`dynsim.metrics` (NumPy only), so that both the metric interface
(:mod:`~dynsim.metrics.base`) and the linear-algebra helpers (:mod:`~dynsim.metrics._linalg`)
can use it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["Stacked", "cache_of", "identical_pairs"]


class Stacked(list):
    """A run's prepared networks (a list, indexed as before) plus a cache of forms shared by
    all of the run's pairs (e.g. the stacked Gram vectors), built once on first use.

    The engine wraps each prepared set once (:meth:`Metric.stack`); a plain list works too,
    the shared forms are then built for the networks of each batch.
    """

    def __init__(self, items: Any = ()) -> None:
        super().__init__(items)
        self.cache: dict[Any, Any] = {}


def cache_of(prepared: Any) -> dict[Any, Any] | None:
    """The shared-form cache of a :class:`Stacked` set, None for a plain sequence."""
    return prepared.cache if isinstance(prepared, Stacked) else None


def identical_pairs(
    prepared_a: Sequence[Any],
    prepared_b: Sequence[Any],
    pairs: np.ndarray,
    array_of: Callable[[Any], np.ndarray | None],
) -> np.ndarray:
    """Whether the pairs' two prepared networks hold bit-identical arrays (``array_of``).

    A hash per network used (kept in a :class:`Stacked` set's cache), compared per pair, then
    confirmed entry by entry for the few pairs whose hashes agree: no per-pair Python loop
    over all pairs.
    """

    def hashes(prepared: Sequence[Any], idx: np.ndarray) -> dict[int, int]:
        cache = cache_of(prepared)
        out = {}
        for i in idx.tolist():
            key = ("fingerprint", i)
            if cache is not None and key in cache:
                out[i] = cache[key]
                continue
            arr = array_of(prepared[i])
            out[i] = 0 if arr is None else hash((arr.shape, arr.tobytes()))
            if cache is not None:
                cache[key] = out[i]
        return out

    ha = hashes(prepared_a, np.unique(pairs[:, 0]))
    hb = hashes(prepared_b, np.unique(pairs[:, 1]))
    fa = np.array([ha[i] for i in pairs[:, 0].tolist()], dtype=np.int64)
    fb = np.array([hb[j] for j in pairs[:, 1].tolist()], dtype=np.int64)
    same = (fa == fb) & (fa != 0)
    for m in np.flatnonzero(same):
        i, j = pairs[m]
        same[m] = np.array_equal(array_of(prepared_a[i]), array_of(prepared_b[j]))
    return same
