"""Checkpoint files: one :class:`TrainingResult` per ``.pt`` file, as written by ``dynsim
train`` / ``train-seeds`` and read by ``dynsim record``, the INSD battery and ``--previous``.

The file is ``torch.save(result.to_dict())``: plain dicts, lists, tuples, strings, numbers,
None and CPU tensors, so it is read with ``torch.load(..., weights_only=True)`` (no arbitrary
unpickling). It holds every snapshot kept during training (``result.snapshots``); the
"checkpoints" of a store are the snapshots :func:`dynsim.training.select_checkpoints` picks.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from dynsim.atomic import atomic_path
from dynsim.training.result import TrainingResult


class CheckpointError(RuntimeError):
    """A checkpoint file exists but cannot be read as a training result."""


def save_training(result: TrainingResult, path: str | os.PathLike[str]) -> Path:
    """Write ``result`` to the checkpoint file ``path`` atomically (temporary sibling, then
    rename: :func:`dynsim.atomic.atomic_path`); parent directories are created."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(result.to_dict(), tmp)
    return path


def load_training(path: str | os.PathLike[str]) -> TrainingResult:
    """The training result in the checkpoint file ``path`` (tensors on the CPU).

    Raises FileNotFoundError if there is no such file, and :class:`CheckpointError` (a
    RuntimeError) naming the file if it is not a readable training result.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint file not found: {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
        return TrainingResult.from_dict(data)
    except Exception as err:  # torch.load raises many types for a damaged or foreign file
        raise CheckpointError(f"cannot read checkpoint file {path}: {err}") from err
