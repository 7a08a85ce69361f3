"""A figure of one example trial of a task: inputs, targets and epochs over time."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import Task

# Channel groups with more channels than this are drawn as an image rather than lines.
MAX_LINES = 12


def plot_trial(task: Task, *, trial: int = 0, mode: str = "test", seed: int = 0) -> Any:
    """Plot trial ``trial`` of a batch of ``task`` (``mode`` "test" or "train").

    Top: every input channel over time; bottom: the target (class index, or one line per
    output for regression targets) with masked-out steps hidden. Epochs are shaded and named.
    Tasks with more than :data:`MAX_LINES` input (or output) channels, such as ring-coded
    angles, show those channels as an image (channel × time) instead of lines.
    Returns the :class:`matplotlib.figure.Figure` (object-oriented API: no pyplot state, no
    backend chosen; save it with ``fig.savefig``).
    """
    from matplotlib.figure import Figure

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
    fig = Figure(figsize=(8, 4.5), constrained_layout=True)
    top, bottom = fig.subplots(2, 1, sharex=True)
    input_names = [str(n) for n in (batch.input_names or range(inputs.shape[-1]))]
    if len(input_names) > MAX_LINES:
        _channel_image(fig, top, inputs, input_names, batch.dt)
    else:
        for k, name in enumerate(input_names):
            top.plot(time_ms, inputs[:, k], label=name, lw=1, drawstyle="steps-post")
        top.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    top.set_ylabel("input")
    if targets.ndim == 1:
        shown = np.where(mask, targets.astype(float), np.nan)
        bottom.step(time_ms, shown, where="post", color="k")
        names = batch.output_names or [str(i) for i in range(int(targets.max()) + 1)]
        bottom.set_yticks(range(len(names)), names)
        bottom.set_ylabel("target class")
    else:
        output_names = [str(n) for n in (batch.output_names or range(targets.shape[-1]))]
        if len(output_names) > MAX_LINES:
            shown = np.where(mask[:, None], targets, np.nan)
            _channel_image(fig, bottom, shown, output_names, batch.dt)
        else:
            for k, name in enumerate(output_names):
                shown = np.where(mask, targets[:, k], np.nan)
                bottom.plot(time_ms, shown, label=name, drawstyle="steps-post")
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
    labels = ", ".join(f"{k}={_short(v[trial])}" for k, v in batch.conditions.items())
    title = textwrap.fill(f"{task.name} ({mode} trial {trial}): {labels}", width=130)
    fig.suptitle(title, fontsize=9 if "\n" not in title else 7)
    return fig


def _short(value: Any) -> str:
    """A condition value for the title: floats with 3 significant digits."""
    if isinstance(value, float | np.floating):
        return f"{value:.3g}"
    return str(value)


def _channel_image(fig: Any, ax: Any, values: np.ndarray, names: list[str], dt: float) -> None:
    """Draw (time, channel) ``values`` as an image, one labelled band per group of channels
    sharing a name prefix (``mod1_ring0`` … ``mod1_ring31`` → ``mod1``)."""
    n_steps, n_channels = values.shape
    image = ax.imshow(
        values.T,
        aspect="auto",
        origin="lower",
        interpolation="nearest",
        cmap="viridis",
        extent=(0.0, n_steps * dt, -0.5, n_channels - 0.5),
    )
    groups = [_group(name) for name in names]
    firsts = [k for k in range(n_channels) if k == 0 or groups[k] != groups[k - 1]]
    bounds = [*firsts, n_channels]
    centres = [(start + stop - 1) / 2 for start, stop in zip(bounds, bounds[1:], strict=False)]
    ax.set_yticks(centres, [groups[k] for k in firsts], fontsize=7)
    for start in firsts[1:]:
        ax.axhline(start - 0.5, color="w", lw=0.5)
    fig.colorbar(image, ax=ax, pad=0.01)


def _group(name: str) -> str:
    return name.split("_", 1)[0]
