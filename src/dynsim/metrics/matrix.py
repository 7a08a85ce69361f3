"""``dynsim.metrics.pairwise``: a metric's distance matrix over networks, in this process.

The computation is the pairwise engine's (:mod:`dynsim.pairwise`), which sits *above* the
metrics: one naming rule, pair plan, batched comparison and assembly for both APIs. The
engine is imported inside :func:`pairwise` — the one, documented exception to "metrics never
import the engine" (the import-linter contract names it) — so ``import dynsim.metrics`` does
not load the engine, and the engine can import the metric registry without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import xarray as xr

from dynsim.metrics.base import Metric

# The engine's core helpers once lived here; old imports still resolve (lazily, see below).
_MOVED = {
    "OK": "dynsim.pairwise.core",
    "assemble": "dynsim.pairwise.core",
    "compare_pairs": "dynsim.pairwise.core",
    "plan_pairs": "dynsim.pairwise.core",
    "prepare_all": "dynsim.pairwise.core",
    "prepare_one": "dynsim.pairwise.core",
}


def pairwise(
    data: Sequence[Any] | Mapping[str, Any],
    metric: Metric | str,
    *,
    other: Sequence[Any] | Mapping[str, Any] | None = None,
    batch_size: int | None = None,
    **params: Any,
) -> xr.DataArray:
    """Distance matrix of a metric over networks, computed in this process.

    Parameters
    ----------
    data : list of arrays (trial, time, unit) or DataArrays with those dims, or a mapping
        name → array. Each network is prepared once. Names: a mapping's keys, else each
        DataArray's ``name``, else (or when names repeat) ``model<k>``.
    metric : a metric name (see :func:`dynsim.metrics.available`) or a metric object.
    other : optional second set; then the matrix is len(data) × len(other), all pairs.
    batch_size : pairs per call of the metric's ``compare_batch``; None (default): the whole
        matrix in one call for metrics computing blocked matrix products (CKA, debiased CKA,
        RSA, Procrustes; they bound their memory by blocks), 256 for the others.
    **params : passed to the metric's constructor when ``metric`` is a name.

    Returns
    -------
    xarray.DataArray with dims (``model_a``, ``model_b``), a ``status`` coordinate holding ""
    for computed pairs and the reason otherwise (NaN values), and the metric's parameters as
    attributes. For a symmetric metric on one set only i < j is computed.

    Raises ValueError for an unknown metric name or invalid parameters.
    """
    # The one metrics → engine import (lazy): see the module docstring.
    from dynsim.pairwise.engine import in_process

    return in_process(metric, data, other, batch_size=batch_size, params=params)


def __getattr__(name: str) -> Any:
    # Deprecated aliases of the helpers moved to dynsim.pairwise.core; remove after 0.2.
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
