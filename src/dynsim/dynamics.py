"""Deprecated: the fixed-point finder moved to :mod:`dynsim.insd.fixed_points`. Remove after
0.2."""

from __future__ import annotations

import warnings

from dynsim.insd.fixed_points import FixedPoints, find_fixed_points

__all__ = ["FixedPoints", "find_fixed_points"]

warnings.warn(
    "dynsim.dynamics is deprecated; import from dynsim.insd.fixed_points instead "
    "(removed after 0.2)",
    DeprecationWarning,
    stacklevel=2,
)
