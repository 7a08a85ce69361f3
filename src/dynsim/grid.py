"""Hyperparameter grids: the config's ``grid`` section, its variants and their names.

A grid maps hyperparameters to lists of values; every combination (Cartesian product) is a
*variant*, and the fan-out becomes task × architecture × variant × seed × regime. A variant is a
plain ``{hyperparameter: value}`` mapping in the canonical order of :data:`GRID_PARAMETERS`;
its name joins ``<hyperparameter><value>`` with ``-``:

>>> variant_name({"learning_rate": 0.001, "hidden_size": 64})
'hidden_size64-learning_rate0.001'

Names are deterministic (canonical key order, shortest round-tripping decimal for floats),
readable and filesystem-safe (letters, digits, ``_``, ``.`` and ``-`` only; floats are never
written in exponent notation, so ``-`` only ever separates hyperparameters). A network's key
and path (:func:`dynsim.spec.network_key`) gain one level for its variant:
``task/arch/regime/<variant>/seed<k>``; without a grid keys are ``task/arch/regime/seed<k>``.

This module imports no torch: store readers and the pairwise engine use it to name networks.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

# Where each grid hyperparameter goes in a NetworkSpec: the spec's hidden_size, a field of its
# TrainingConfig, or a keyword argument of the architecture (model_params). The order here is
# the order of the parts of a variant's name.
GRID_PARAMETERS: dict[str, str] = {
    "hidden_size": "spec",
    # the nonlinearity of leaky_rnn and gated_leaky_rnn (relu, tanh, softplus, leaky_relu)
    "activation": "model",
    "init_gain": "model",  # the leaky RNN's recurrent initial gain
    "learning_rate": "training",
    "batch_size": "training",
    "weight_decay": "training",
}
# Characters a variant name may contain (the workflow's wildcard constraint uses the same).
VARIANT_PATTERN = r"[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+)*"


def format_value(value: Any) -> str:
    """A hyperparameter value as it appears in a variant name (no ``-``, no exponent)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return np.format_float_positional(float(value), trim="-")
    text = str(value)
    if not re.fullmatch(r"[A-Za-z0-9_.]+", text):
        raise ValueError(f"value {value!r} cannot be part of a variant name")
    return text


def ordered(variant: Mapping[str, Any]) -> dict[str, Any]:
    """``variant`` with its keys in the canonical order of :data:`GRID_PARAMETERS`."""
    unknown = [k for k in variant if k not in GRID_PARAMETERS]
    if unknown:
        raise ValueError(
            f"unknown grid hyperparameter(s) {unknown}; known: {list(GRID_PARAMETERS)}"
        )
    return {k: variant[k] for k in GRID_PARAMETERS if k in variant}


def variant_name(variant: Mapping[str, Any]) -> str:
    """The readable, filesystem-safe name of a variant (``""`` for the empty variant)."""
    return "-".join(f"{k}{format_value(v)}" for k, v in ordered(variant).items())


def variants(grid: Mapping[str, list[Any]] | None) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in a fixed order (keys canonical, values as
    listed); ``[{}]`` for no grid (one variant, the empty one)."""
    grid = ordered(grid or {})
    if any(len(values) == 0 for values in grid.values()):
        raise ValueError("every grid hyperparameter needs at least one value")
    return [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]
