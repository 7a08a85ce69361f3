"""Deprecated: the bench's figure moved to :mod:`dynsim.bench.figure`. Remove after 0.2."""

from __future__ import annotations

import warnings

from dynsim.bench.figure import bench_figure

__all__ = ["bench_figure"]

warnings.warn(
    "dynsim.systems.bench_figure is deprecated; import from dynsim.bench.figure instead "
    "(removed after 0.2)",
    DeprecationWarning,
    stacklevel=2,
)
