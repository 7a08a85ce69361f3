"""Similarity metrics between networks' activity, each split into ``prepare`` and ``compare``.

>>> import numpy as np, dynsim.metrics as dm
>>> X = np.random.default_rng(0).normal(size=(8, 20, 5))      # (trial, time, unit)
>>> Q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(5, 5)))
>>> round(dm.get("procrustes").score(X, X @ Q), 6)
0.0

Every metric returns a **distance** (0 = identical); see :mod:`dynsim.metrics.base`.
"""

from __future__ import annotations

from typing import Any

from dynsim.metrics.base import Metric, PreparationError, as_samples, as_trajectories
from dynsim.metrics.cca import CCA
from dynsim.metrics.cka import CKA
from dynsim.metrics.cka_debiased import DebiasedCKA
from dynsim.metrics.dsa import DSA, DSAWasserstein
from dynsim.metrics.linear_predictivity import LinearPredictivity
from dynsim.metrics.matrix import pairwise
from dynsim.metrics.procrustes import Procrustes
from dynsim.metrics.rsa import RSA
from dynsim.metrics.shape_metrics import ShapeMetric
from dynsim.metrics.svcca import SVCCA

_REGISTRY: dict[str, type[Metric]] = {}


def register(cls: type[Metric]) -> type[Metric]:
    """Add a metric class to the registry under its ``name`` (usable as a decorator)."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"metric name {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


for _cls in (
    Procrustes,
    CKA,
    DebiasedCKA,
    RSA,
    CCA,
    SVCCA,
    LinearPredictivity,
    ShapeMetric,
    DSA,
    DSAWasserstein,
):
    register(_cls)


def available() -> list[str]:
    """Names of all registered metrics."""
    return sorted(_REGISTRY)


def get(name: str | Metric, **params: Any) -> Metric:
    """A metric object by name, constructed (and validated) with ``params``."""
    if isinstance(name, Metric):
        if params:
            raise TypeError("parameters cannot be given with a metric object")
        return name
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; available: {', '.join(available())}") from None
    return cls(**params)


__all__ = [
    "CCA",
    "CKA",
    "DSA",
    "DSAWasserstein",
    "DebiasedCKA",
    "LinearPredictivity",
    "Metric",
    "PreparationError",
    "Procrustes",
    "RSA",
    "SVCCA",
    "ShapeMetric",
    "as_samples",
    "as_trajectories",
    "available",
    "get",
    "pairwise",
    "register",
]
