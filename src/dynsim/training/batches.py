"""The trial batches training draws: a phase's mixed training batch and a task's fixed
evaluation batch."""

from __future__ import annotations

import numpy as np
import torch

from dynsim import tasks
from dynsim.spec import NetworkSpec


def _eval_batch(task: tasks.Task, spec: NetworkSpec) -> tasks.TrialBatch:
    """The fixed batch a task's accuracy is measured on during training (train timings),
    from its own generator so that evaluating never moves the training batches' stream."""
    generator = torch.Generator().manual_seed(10_000 + spec.seed)
    return task.generate(spec.training.eval_trials, mode="train", generator=generator)


def pad_time(x: torch.Tensor, n_steps: int) -> torch.Tensor:
    """``x`` (trial, time, …) zero-padded at the end of time to ``n_steps`` steps (padding
    has mask 0, and the networks are causal, so it changes nothing but the length)."""
    return torch.nn.functional.pad(x, (0, 0) * (x.dim() - 2) + (0, n_steps - x.shape[1]))


def _mixed_batch(
    phase_tasks: list[tasks.Task], n_trials: int, generator: torch.Generator, device: str
) -> tasks.TrialBatch:
    """One training batch with trials of every task (as equal shares as ``n_trials`` allows,
    in the tasks' order), padded to the longest trial. With one task: that task's batch.

    Tasks of one phase share a family (layout and loss); only the epochs all of them have are
    kept (the decision epoch always is).
    """
    if len(phase_tasks) == 1:
        return phase_tasks[0].generate(n_trials, mode="train", generator=generator, device=device)
    shares = [
        n_trials // len(phase_tasks) + (k < n_trials % len(phase_tasks))
        for k in range(len(phase_tasks))
    ]
    parts = [
        t.generate(max(n, 1), mode="train", generator=generator)
        for t, n in zip(phase_tasks, shares, strict=True)
    ]
    n_steps = max(b.n_steps for b in parts)
    shared = [e for e in parts[0].epochs if all(e in b.epochs for b in parts)]
    return tasks.TrialBatch(
        inputs=torch.cat([pad_time(b.inputs, n_steps) for b in parts]).to(device),
        targets=torch.cat([pad_time(b.targets, n_steps) for b in parts]).to(device),
        mask=torch.cat([pad_time(b.mask, n_steps) for b in parts]).to(device),
        epochs={
            e: tuple(np.concatenate([b.epochs[e][i] for b in parts]) for i in (0, 1))
            for e in shared
        },
        conditions={
            k: np.concatenate([b.conditions[k] for b in parts])
            for k in parts[0].conditions
            if all(k in b.conditions for b in parts)
        },
        dt=parts[0].dt,
        input_names=parts[0].input_names,
        output_names=parts[0].output_names,
    )
