"""A run's prepared networks with the forms all its pairs share.

A leaf of :mod:`dynsim.metrics` (NumPy only), so that both the metric interface
(:mod:`~dynsim.metrics.base`) and the linear-algebra helpers (:mod:`~dynsim.metrics._linalg`)
can use it without an import cycle.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Stacked", "cache_of"]


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
