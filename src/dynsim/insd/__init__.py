"""Iterative Neural Similarity Deflation (Qian & Pehlevan 2025), in one package.

- :mod:`~dynsim.insd.penalty`: the deflation penalty, differentiably (readout null space,
  projection, the in-sample ridge r²); used by training (``dynsim.training``).
- The analysis battery that tells alternative solutions of one task apart, one module per
  analysis, each a function over trained networks (:mod:`~dynsim.insd.networks`) returning a
  labelled :class:`xarray.Dataset`, with its figure in :mod:`~dynsim.insd.figures`:

  - :mod:`~dynsim.insd.predictivity`: cross-validated null-space linear predictivity between
    networks and the INSD claim in two numbers (:func:`deflation_summary`);
  - :mod:`~dynsim.insd.similarity`: an MDS embedding of the pairwise distance matrices;
  - :mod:`~dynsim.insd.fixed_points`: the fixed-point finder and its analysis;
  - :mod:`~dynsim.insd.decoding`: decoding of task variables over time;
  - :mod:`~dynsim.insd.ood`: accuracy on out-of-distribution versions of the task;
  - :mod:`~dynsim.insd.summary`: the numbers as Markdown;
  - :mod:`~dynsim.insd.battery`: the table analysis → (function, figure) behind
    ``dynsim battery``.

The battery asks each task for four hooks declared on :class:`dynsim.tasks.Task` with
defaults (``decoded_conditions``, ``decode_targets``, ``fixed_point_inputs``,
``ood_variants``). Activity is always the network's final snapshot run in eval mode (no
noise) on the task's fixed test set (``n_repeats``, ``seed``), as in the recorded stores.

The penalty is imported eagerly; the battery's names load on first use (PEP 562): the training
loop imports :mod:`dynsim.insd.penalty`, which runs this file first, and the battery builds on
``dynsim.training`` — loading it here would start the training loop's import from inside its
own, and make training pay for xarray, matplotlib and the metrics.
"""

from __future__ import annotations

import importlib
from typing import Any

from dynsim.insd.penalty import (
    deflation_penalty,
    in_sample_r2,
    linear_predictivity,
    project_null,
    readout_null_space,
)

# The battery's names → the submodule that defines each, imported on first access (see the
# module docstring for why not here).
_LAZY: dict[str, str] = {
    **dict.fromkeys(("ANALYSES", "run_analysis", "write_summary"), "battery"),
    **dict.fromkeys(("decode_over_time", "decoding_analysis", "task_variables"), "decoding"),
    **dict.fromkeys(
        (
            "decoding_figure",
            "fixed_point_figure",
            "ood_figure",
            "predictivity_figure",
            "similarity_figure",
        ),
        "figures",
    ),
    **dict.fromkeys(
        (
            "KINDS",
            "FixedPoints",
            "find_fixed_points",
            "fixed_point_analysis",
            "fixed_point_inputs",
        ),
        "fixed_points",
    ),
    **dict.fromkeys(("Network", "load_networks", "network_coords", "role"), "networks"),
    **dict.fromkeys(("ood_accuracy", "ood_variants"), "ood"),
    **dict.fromkeys(("deflation_summary", "predictivity_matrices"), "predictivity"),
    **dict.fromkeys(("embed", "mds"), "similarity"),
    **dict.fromkeys(("summary_markdown", "summary_of"), "summary"),
}

__all__ = [
    "deflation_penalty",
    "in_sample_r2",
    "linear_predictivity",
    "project_null",
    "readout_null_space",
    "ANALYSES",
    "FixedPoints",
    "KINDS",
    "Network",
    "decode_over_time",
    "decoding_analysis",
    "decoding_figure",
    "deflation_summary",
    "embed",
    "find_fixed_points",
    "fixed_point_analysis",
    "fixed_point_figure",
    "fixed_point_inputs",
    "load_networks",
    "mds",
    "network_coords",
    "ood_accuracy",
    "ood_figure",
    "ood_variants",
    "predictivity_figure",
    "predictivity_matrices",
    "role",
    "run_analysis",
    "similarity_figure",
    "summary_markdown",
    "summary_of",
    "task_variables",
    "write_summary",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dynsim.insd' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dynsim.insd.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
