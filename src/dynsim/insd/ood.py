"""Out-of-distribution tests: accuracy on harder versions of each network's task.

The versions (``noise``, ``longer``, ``load``) are the task's :meth:`dynsim.tasks.Task.ood_variants`
(the INSD tasks define their own; every other task gets the documented default).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import xarray as xr

from dynsim import tasks
from dynsim.insd.networks import Network, network_coords

__all__ = ["CONDITIONS", "ood_accuracy", "ood_variants"]

#: The conditions of :func:`ood_accuracy`, in order: the test set, then the variants.
CONDITIONS: tuple[str, ...] = ("standard", "noise", "longer", "load")


def ood_variants(
    task: tasks.Task,
    spec_params: dict[str, Any] | None = None,
    *,
    noise: float,
    longer: float,
    load: float,
) -> dict[str, dict[str, Any]]:
    """Variant name → task parameter overrides: ``task.ood_variants(noise, longer, load)``
    (:meth:`dynsim.tasks.Task.ood_variants`; the INSD tasks define their own, every other
    task gets the default: more noise, a longer stimulus and delay). ``spec_params`` is
    ignored (kept so that old calls work; remove after 0.2)."""
    return task.ood_variants(noise=noise, longer=longer, load=load)


def ood_accuracy(
    networks: Sequence[Network],
    *,
    noise: float = 0.5,
    longer: float = 2.0,
    load: float = 2.0,
    n_repeats: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    """Accuracy (network, condition) on the test set (``standard``) and on each
    out-of-distribution variant (``noise``, ``longer``, ``load``; NaN where a task has none)."""
    conditions = list(CONDITIONS)
    accuracy = np.full((len(networks), len(conditions)), np.nan)
    described: dict[str, str] = {}
    for i, net in enumerate(networks):
        accuracy[i, 0] = net.activity(n_repeats, seed)["accuracy"]
        task = net.task()
        variants = task.ood_variants(noise=noise, longer=longer, load=load)
        for name, overrides in variants.items():
            variant = tasks.get(net.spec.task, **{**net.spec.task_params, **overrides})
            batch = variant.test_batch(n_repeats=n_repeats, seed=seed)
            with torch.no_grad():
                outputs, _ = net.model()(batch.inputs)
            accuracy[i, conditions.index(name)] = variant.accuracy(outputs, batch)
            described.setdefault(f"{net.spec.task}:{name}", json.dumps(overrides, default=str))
    return xr.Dataset(
        {"accuracy": (("network", "condition"), accuracy)},
        coords={
            "network": np.array([n.name for n in networks], dtype=object),
            "condition": np.array(conditions, dtype=object),
            **network_coords(networks, "network"),
        },
        attrs={
            "analysis": "ood",
            "noise": noise,
            "longer": longer,
            "load": load,
            "n_repeats": n_repeats,
            "seed": seed,
            "variants": json.dumps(described),
        },
    )
