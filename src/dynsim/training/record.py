"""After training: which snapshots are the network's checkpoints, and its activity at each of
them on its task's fixed test set (labelled and written by :func:`dynsim.store.network_store`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from dynsim.training.result import TrainingResult


def select_checkpoints(result: TrainingResult) -> list[tuple[int, float]]:
    """(step, progress) of each snapshot that a requested fraction of training selects
    (``spec.training.checkpoints``; fraction f selects the snapshot nearest to
    f × final_step, the earlier on a tie; progress = step / final_step), in order.

    One entry per snapshot: fractions that select the same snapshot — 0.0 and 0.01 of a run
    that stopped after 200 steps with snapshots every 5 both select step 0 — give one
    checkpoint (:func:`record_activity` labels it with both fractions). Which fractions
    meet depends on the step the run ended at, so it is settled here, not in the config. An
    untrained network has one checkpoint, (0, 0.0).
    """
    return [(step, progress) for step, progress, _ in _checkpoint_plan(result)]


def _checkpoint_plan(result: TrainingResult) -> list[tuple[int, float, tuple[int, ...]]]:
    if result.status == "untrained":
        return [(0, 0.0, ())]
    steps = np.array(sorted(result.snapshots))
    chosen: dict[int, list[int]] = {}  # step → fraction indices, in order of the fractions
    for index, fraction in enumerate(result.spec.training.checkpoints):
        step = int(steps[np.argmin(np.abs(steps - fraction * result.final_step))])
        chosen.setdefault(step, []).append(index)
    return [
        (step, step / max(result.final_step, 1), tuple(indices)) for step, indices in chosen.items()
    ]


def record_activity(result: TrainingResult, n_repeats: int = 4, seed: int = 0) -> dict[str, Any]:
    """Run every selected checkpoint on the task's fixed test set (on the CPU, eval mode).

    Returns plain arrays (no xarray here; :mod:`dynsim.store` labels and writes them):
    ``hidden`` (checkpoint, trial, time, unit) float32, ``output`` (checkpoint, trial, time,
    out) float32, ``accuracy`` (checkpoint,), ``steps`` and ``progress`` (checkpoint,) of the
    checkpoints, ``fraction_indices`` and ``fractions`` (checkpoint,) strings (the indices
    into ``spec.training.checkpoints`` and the fractions that selected each, space-separated;
    empty for an untrained network), and ``batch``, the test
    :class:`dynsim.tasks.TrialBatch` (torch tensors).
    """
    spec = result.spec
    fractions = spec.training.checkpoints
    task = spec.build_task()
    batch = task.test_batch(n_repeats=n_repeats, seed=seed)
    model = spec.build_model()
    plan = _checkpoint_plan(result)
    checkpoints = [(step, progress) for step, progress, _ in plan]
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
        # which of spec.training.checkpoints each checkpoint is: "0 1" when fractions 0 and 1
        # selected the same snapshot (recorded once); the pairwise selection maps an integer
        # checkpoint index through it
        "fraction_indices": np.array([" ".join(map(str, i)) for _, _, i in plan], dtype=object),
        "fractions": np.array(
            [" ".join(repr(fractions[j]) for j in i) for _, _, i in plan], dtype=object
        ),
        "batch": batch,
    }
