"""A figure of one example trial of a task: inputs, targets and epochs over time."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from dynsim.tasks.base import Task


def plot_trial(task: Task, *, trial: int = 0, mode: str = "test", seed: int = 0) -> Any:
    """Plot trial ``trial`` of a batch of ``task`` (``mode`` "test" or "train").

    Top: every input channel over time; bottom: the target (class index, or one line per
    output for regression targets) with masked-out steps hidden. Epochs are shaded and named.
    Returns the matplotlib figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    generator = torch.Generator().manual_seed(seed)
    if mode == "test":
        batch = task.test_batch(n_repeats=1, seed=seed)
    else:
        batch = task.generate(max(trial + 1, 1), mode="train", generator=generator)
    if not 0 <= trial < batch.n_trials:
        raise ValueError(f"trial must be in [0, {batch.n_trials}), got {trial}")
    time_ms = np.arange(batch.n_steps) * batch.dt
    inputs = batch.inputs[trial].cpu().numpy()
    targets = batch.targets[trial].cpu().numpy()
    mask = batch.mask[trial].cpu().numpy() > 0
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8, 4.5), constrained_layout=True)
    for k, name in enumerate(batch.input_names or range(inputs.shape[-1])):
        top.plot(time_ms, inputs[:, k], label=str(name), lw=1, drawstyle="steps-post")
    top.set_ylabel("input")
    top.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if targets.ndim == 1:
        shown = np.where(mask, targets.astype(float), np.nan)
        bottom.step(time_ms, shown, where="post", color="k")
        names = batch.output_names or [str(i) for i in range(int(targets.max()) + 1)]
        bottom.set_yticks(range(len(names)), names)
        bottom.set_ylabel("target class")
    else:
        for k, name in enumerate(batch.output_names or range(targets.shape[-1])):
            shown = np.where(mask, targets[:, k], np.nan)
            bottom.plot(time_ms, shown, label=str(name), drawstyle="steps-post")
        bottom.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        bottom.set_ylabel("target")
    bottom.set_xlabel("time (ms)")
    for name, (start, stop) in batch.epochs.items():
        s, e = start[trial] * batch.dt, stop[trial] * batch.dt
        for ax_ in (top, bottom):
            ax_.axvspan(
                s, e, alpha=0.08, color="C0" if list(batch.epochs).index(name) % 2 else "C1"
            )
        top.text(
            (s + e) / 2, 1.02, name, transform=top.get_xaxis_transform(), ha="center", fontsize=8
        )
    labels = ", ".join(f"{k}={v[trial]}" for k, v in batch.conditions.items())
    fig.suptitle(f"{task.name} ({mode} trial {trial}): {labels}", fontsize=9)
    return fig
