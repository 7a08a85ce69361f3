"""Experiment-level summaries built from the stores (no training, no metrics maths here)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from dynsim.store import network_labels, open_matrices, open_network


def experiment_summary(
    network_paths: Sequence[str | os.PathLike[str]],
    matrix_paths: Sequence[str | os.PathLike[str]],
) -> str:
    """A Markdown report: each network's outcome, and each metric's within/between-task means."""
    lines = ["# dynsim experiment summary", "", "## Networks", ""]
    lines += ["| network | status | steps | final accuracy |", "|---|---|---|---|"]
    for path in network_paths:
        ds = open_network(path)
        labels = network_labels(ds)
        variant = f" / {labels['variant']}" if labels.get("variant") else ""
        name = (
            f"{labels['task']} / {labels['arch']} / {labels['regime']}{variant} "
            f"/ seed {labels['seed']}"
        )
        accuracy = float(ds["accuracy"].isel(checkpoint=-1))
        lines.append(
            f"| {name} | {ds.attrs.get('status', '?')} | {ds.attrs.get('final_step', '?')} "
            f"| {accuracy:.3f} |"
        )
    lines += ["", "## Distances (0 = identical)", ""]
    lines += [
        "| metric | mean, same task | mean, different task | pairs without value |",
        "|---|---|---|---|",
    ]
    for metric, ds in open_matrices(matrix_paths).items():
        distance = ds["distance"].values
        off_diag = ~np.eye(*distance.shape, dtype=bool)
        same = ds["task_a"].values[:, None] == ds["task_b"].values[None, :]
        within = _mean(distance[same & off_diag])
        between = _mean(distance[~same])  # NaN (no warning) for a one-task experiment
        missing = int(np.sum(ds["status"].values != ""))
        lines.append(f"| {metric} | {within:.3f} | {between:.3f} | {missing} |")
    return "\n".join(lines) + "\n"


def _mean(values: np.ndarray) -> float:
    """The mean of the finite values; NaN when there are none."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")
