"""Deprecated: the INSD analysis battery moved to :mod:`dynsim.insd` (one module per
analysis; the command ``dynsim battery`` is unchanged). Remove after 0.2."""

from __future__ import annotations

import warnings

from dynsim.insd.decoding import decode_over_time, decoding_analysis, task_variables
from dynsim.insd.figures import (
    decoding_figure,
    fixed_point_figure,
    ood_figure,
    predictivity_figure,
    similarity_figure,
)
from dynsim.insd.fixed_points import KINDS, fixed_point_analysis, fixed_point_inputs
from dynsim.insd.networks import Network, load_networks, role
from dynsim.insd.ood import ood_accuracy, ood_variants
from dynsim.insd.predictivity import deflation_summary, predictivity_matrices
from dynsim.insd.similarity import embed, mds
from dynsim.insd.summary import summary_markdown

__all__ = [
    "KINDS",
    "Network",
    "decode_over_time",
    "decoding_analysis",
    "decoding_figure",
    "deflation_summary",
    "embed",
    "fixed_point_analysis",
    "fixed_point_figure",
    "fixed_point_inputs",
    "load_networks",
    "mds",
    "ood_accuracy",
    "ood_figure",
    "ood_variants",
    "predictivity_figure",
    "predictivity_matrices",
    "role",
    "similarity_figure",
    "summary_markdown",
    "task_variables",
]

warnings.warn(
    "dynsim.battery is deprecated; import from dynsim.insd instead (removed after 0.2)",
    DeprecationWarning,
    stacklevel=2,
)
