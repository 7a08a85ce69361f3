"""The networks the INSD battery analyses: trained networks loaded from checkpoint files.

A :class:`Network` wraps a :class:`~dynsim.training.TrainingResult` with its model at the
final snapshot (eval mode, no gradients) and, cached, its activity on the task's fixed test
set. :func:`network_coords` gives the label coordinates (task, arch, regime, role, seed, and
the grid variant) every analysis attaches to its dataset.

Roles: ``standard`` networks are trained on the task loss alone (``master``, ``insd_0``,
``master_gain<g>``); ``alternative`` networks are INSD links k ≥ 1.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from dynsim import tasks
from dynsim.insd.penalty import readout_null_space
from dynsim.regimes import regime_role
from dynsim.training import NetworkSpec, TrainingResult, load_training

__all__ = ["Network", "load_networks", "network_coords", "role"]


# A regime's role in the battery (standard, alternative, other) is part of the regime grammar.
role = regime_role


@dataclass
class Network:
    """A trained network: its training result, the model at its final snapshot (eval mode)
    and, on demand, its activity on the task's test set."""

    result: TrainingResult
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def spec(self) -> NetworkSpec:
        return self.result.spec

    @property
    def name(self) -> str:
        return self.spec.key

    @property
    def regime(self) -> str:
        return self.spec.regime

    @property
    def role(self) -> str:
        return role(self.spec.regime)

    @property
    def short(self) -> str:
        """A short label: regime · [grid variant ·] s<seed> (task and arch when they are not
        all alike are added by the figures)."""
        variant = f"{self.spec.variant_name} · " if self.spec.variant else ""
        return f"{self.spec.regime} · {variant}s{self.spec.seed}"

    def model(self) -> torch.nn.Module:
        """The model at the final snapshot, in eval mode (no noise), without gradients."""
        if "model" not in self._cache:
            model = self.spec.build_model()
            model.load_state_dict(self.result.snapshots[self.result.final_step])
            model.eval()
            for p in model.parameters():
                p.requires_grad_(False)
            self._cache["model"] = model
        return self._cache["model"]

    def task(self) -> tasks.Task:
        """The network's task, built from its spec."""
        if "task" not in self._cache:
            self._cache["task"] = self.spec.build_task()
        return self._cache["task"]

    def null_basis(self) -> np.ndarray:
        """Orthonormal basis (unit × k) of the null space of the readout."""
        weight = self.model().readout.weight.detach().double()
        return readout_null_space(weight).numpy()

    def activity(self, n_repeats: int = 4, seed: int = 0) -> dict[str, Any]:
        """The test batch, outputs (trial, time, out), hidden (trial, time, unit), accuracy."""
        key = ("activity", n_repeats, seed)
        if key not in self._cache:
            task = self.task()
            batch = task.test_batch(n_repeats=n_repeats, seed=seed)
            with torch.no_grad():
                outputs, hidden = self.model()(batch.inputs)
            self._cache[key] = {
                "batch": batch,
                "outputs": outputs.numpy().astype(np.float64),
                "hidden": hidden.numpy().astype(np.float64),
                "accuracy": task.accuracy(outputs, batch),
            }
        return self._cache[key]


def load_networks(paths: Sequence[str | os.PathLike[str]]) -> list[Network]:
    """Networks from checkpoint files written by ``dynsim train`` (diverged ones skipped
    with a message: they have no meaningful final state).

    Raises FileNotFoundError for a missing file, RuntimeError (naming the file) for one that
    cannot be read, and ValueError when no usable network is left.
    """
    networks = []
    for path in paths:
        result = load_training(path)  # CheckpointError (a RuntimeError) names the file
        if result.status == "diverged":
            print(f"battery: skipping {result.spec.key} (diverged)")
            continue
        networks.append(Network(result))
    if not networks:
        raise ValueError("no usable network among the checkpoint files")
    return networks


def network_coords(networks: Sequence[Network], dim: str) -> dict[str, Any]:
    """Coordinates task, arch, regime, seed, role (and the grid variant, when there is one)
    over ``dim`` (suffixed ``_<dim>`` unless ``dim`` is ``network``)."""
    values = {
        "task": [n.spec.task for n in networks],
        "arch": [n.spec.arch for n in networks],
        "regime": [n.spec.regime for n in networks],
        "role": [n.role for n in networks],
    }
    if any(n.spec.variant for n in networks):
        values["variant"] = [n.spec.variant_name for n in networks]
    out: dict[str, Any] = {}
    suffix = "" if dim == "network" else f"_{dim}"
    for label, vals in values.items():
        out[f"{label}{suffix}"] = (dim, np.array(vals, dtype=object))
    out[f"seed{suffix}"] = (dim, np.array([n.spec.seed for n in networks], dtype=np.int64))
    return out
