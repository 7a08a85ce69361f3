"""Experiment-level summaries built from the stores (no training, no metrics maths here)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np
import xarray as xr

from dynsim.store import network_labels, open_matrices, open_network

#: Network labels the summary splits pairs by (when they vary in the experiment).
SUMMARY_FACTORS = ("task", "arch", "regime", "variant", "seed")


def experiment_summary(
    network_paths: Sequence[str | os.PathLike[str]],
    matrix_paths: Sequence[str | os.PathLike[str]],
) -> str:
    """A Markdown report: each network's outcome, and each metric's mean distance within and
    between the levels of every factor that varies (task, architecture, regime, variant, seed).

    A network's status is decided during training on its evaluation trials
    (``training.eval_trials`` trials with training timings, the same trials at every
    evaluation), so the table shows that accuracy next to it (*evaluation accuracy*, the last
    evaluation: a converged network's is ≥ its target, on the very trials the status was
    decided on) and, separately, the *test accuracy* on the recorded test trials (fixed
    timings, ``record.n_repeats`` repeats of each condition) whose activity is compared — a
    different, usually smaller sample, so the two differ. For classification tasks with a
    fixation output the fraction of test trials without a choice is shown per checkpoint: such
    a trial counts as an error, which is why a network that still fixates through the decision
    epoch (typically mid-training) has test accuracy exactly 0.

    Raises :class:`dynsim.store.StoreError` naming a store that is missing or damaged.
    """
    lines = ["# dynsim experiment summary", "", "## Networks", ""]
    lines += [
        "*status* is decided on the training's evaluation trials (training.eval_trials, training"
        " timings): *evaluation accuracy* is the last of those evaluations, at the final step,"
        " against the *target*. *test accuracy* is on the recorded test trials (fixed timings,"
        " record.n_repeats per condition) at the final checkpoint, a different sample;"
        " *by checkpoint* lists it at every recorded checkpoint (progress 0 → 1) with, in"
        " brackets, the fraction of test trials without a choice (decision-epoch output largest"
        " for fixation: an error, so all-fixating networks score exactly 0).",
        "",
        "| network | status | steps | target | evaluation accuracy | test accuracy"
        " | by checkpoint (no choice) |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in network_paths:
        ds = open_network(path)
        labels = network_labels(ds)
        variant = f" / {labels['variant']}" if labels.get("variant") else ""
        name = (
            f"{labels['task']} / {labels['arch']} / {labels['regime']}{variant} "
            f"/ seed {labels['seed']}"
        )
        test = ds["accuracy"].values
        no_choice = _no_choice(ds)
        by_checkpoint = ", ".join(
            f"{a:.3f}" + (f" ({n:.2f})" if no_choice is not None else "")
            for a, n in zip(test, no_choice if no_choice is not None else test, strict=True)
        )
        lines.append(
            f"| {name} | {ds.attrs.get('status', '?')} | {ds.attrs.get('final_step', '?')} "
            f"| {_target(ds)} | {_evaluation_accuracy(ds)} | {float(test[-1]):.3f} "
            f"| {by_checkpoint} |"
        )
    lines += ["", "## Distances (0 = identical)", ""]
    lines += [
        "Mean distance over pairs of networks that share a factor and over pairs that differ in"
        " it, for every factor that varies in the experiment (NaN pairs left out).",
        "",
        "| metric | factor | mean, same | mean, different | pairs without value |",
        "|---|---|---|---|---|",
    ]
    for metric, ds in open_matrices(matrix_paths).items():
        distance = ds["distance"].values
        off_diag = ~np.eye(*distance.shape, dtype=bool)
        missing = int(np.sum(ds["status"].values != ""))
        factors = [
            f
            for f in SUMMARY_FACTORS
            if f"{f}_a" in ds.coords and len(set(ds[f"{f}_a"].values.tolist())) > 1
        ]
        if not factors:
            lines.append(
                f"| {metric} | (none varies) | {_mean(distance[off_diag]):.3f} | | {missing} |"
            )
        for factor in factors:
            same = ds[f"{factor}_a"].values[:, None] == ds[f"{factor}_b"].values[None, :]
            within = _mean(distance[same & off_diag])
            between = _mean(distance[~same])
            lines.append(f"| {metric} | {factor} | {within:.3f} | {between:.3f} | {missing} |")
    return "\n".join(lines) + "\n"


def _evaluation_accuracy(ds: xr.Dataset) -> str:
    """The last training evaluation's accuracy (the one the status was decided on), or "—"
    when the network was never evaluated (diverged before its first evaluation)."""
    if "eval_accuracy" not in ds or ds.sizes.get("eval_step", 0) == 0:
        return "—"
    return f"{float(ds['eval_accuracy'].values[-1]):.3f}"


def _target(ds: xr.Dataset) -> str:
    """The target accuracy of the network's training (from its spec), or "?" without one."""
    try:
        return f"{float(json.loads(ds.attrs['spec'])['training']['target_accuracy']):g}"
    except (KeyError, TypeError, ValueError):
        return "?"


def _no_choice(ds: xr.Dataset) -> np.ndarray | None:
    """Per checkpoint, the fraction of test trials whose choice is "fixate": the output with
    the largest mean over the decision epoch, as the tasks choose (class-index targets, output
    0 named "fixate"). None for tasks without such a choice (regression targets, no decision
    epoch or no fixation output)."""
    if "output" not in ds or "target" not in ds or ds["target"].dims != ("trial", "time"):
        return None
    names = [str(n) for n in ds["out"].values] if "out" in ds.coords else []
    decision = np.asarray(ds["epoch"].values == "decision") if "epoch" in ds.coords else None
    if not names or names[0] != "fixate" or decision is None or not decision.any():
        return None
    output = ds["output"].values[:, :, decision]  # (checkpoint, trial, time, out)
    choice = output.mean(axis=2).argmax(axis=-1)  # (checkpoint, trial)
    return (choice == 0).mean(axis=1)


def _mean(values: np.ndarray) -> float:
    """The mean of the finite values; NaN when there are none."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")
