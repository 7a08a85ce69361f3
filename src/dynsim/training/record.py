"""After training: which snapshots are the network's checkpoints, and its activity at each of
them on its task's fixed test set (labelled and written by :func:`dynsim.store.network_store`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from dynsim.training.result import TrainingResult


def select_checkpoints(result: TrainingResult) -> list[tuple[int, float]]:
    """(step, progress) of the snapshot nearest to each requested fraction of training
    (``spec.training.checkpoints``; progress = step / final_step).

    An untrained network has one checkpoint, (0, 0.0).
    """
    if result.status == "untrained":
        return [(0, 0.0)]
    steps = np.array(sorted(result.snapshots))
    chosen = []
    for fraction in result.spec.training.checkpoints:
        step = int(steps[np.argmin(np.abs(steps - fraction * result.final_step))])
        chosen.append((step, step / max(result.final_step, 1)))
    return chosen


def record_activity(result: TrainingResult, n_repeats: int = 4, seed: int = 0) -> dict[str, Any]:
    """Run every selected checkpoint on the task's fixed test set (on the CPU, eval mode).

    Returns plain arrays (no xarray here; :mod:`dynsim.store` labels and writes them):
    ``hidden`` (checkpoint, trial, time, unit) float32, ``output`` (checkpoint, trial, time,
    out) float32, ``accuracy`` (checkpoint,), ``steps`` and ``progress`` (checkpoint,) of the
    checkpoints, and ``batch``, the test :class:`dynsim.tasks.TrialBatch` (torch tensors).
    """
    spec = result.spec
    task = spec.build_task()
    batch = task.test_batch(n_repeats=n_repeats, seed=seed)
    model = spec.build_model()
    checkpoints = select_checkpoints(result)
    hidden, output, accuracy = [], [], []
    for step, _progress in checkpoints:
        model.load_state_dict(result.snapshots[step])
        model.eval()
        with torch.no_grad():
            out, states = model(batch.inputs)
        hidden.append(states.numpy())
        output.append(out.numpy())
        accuracy.append(task.accuracy(out, batch))
    return {
        "hidden": np.stack(hidden).astype(np.float32),
        "output": np.stack(output).astype(np.float32),
        "accuracy": np.asarray(accuracy),
        "steps": np.array([s for s, _ in checkpoints]),
        "progress": np.array([p for _, p in checkpoints]),
        "batch": batch,
    }
