"""Deprecated: the ground-truth bench moved to :mod:`dynsim.bench` (so that
:mod:`dynsim.systems` is a leaf again). Remove after 0.2."""

from __future__ import annotations

import warnings

from dynsim.bench import *  # noqa: F403 - the whole public API, re-exported
from dynsim.bench import __all__  # noqa: F401

warnings.warn(
    "dynsim.systems.bench is deprecated; import from dynsim.bench instead (removed after 0.2)",
    DeprecationWarning,
    stacklevel=2,
)
