"""Experiment-level summaries built from the stores (no training, no metrics maths here)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from dynsim.store import network_labels, open_matrices, open_network

#: Network labels the summary splits pairs by (when they vary in the experiment).
SUMMARY_FACTORS = ("task", "arch", "regime", "variant", "seed")


def experiment_summary(
    network_paths: Sequence[str | os.PathLike[str]],
    matrix_paths: Sequence[str | os.PathLike[str]],
) -> str:
    """A Markdown report: each network's outcome, and and each metric's mean distance within and
    between the levels of every factor that varies (task, architecture, regime, variant, seed)."""
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


def _mean(values: np.ndarray) -> float:
    """The mean of the finite values; NaN when there are none."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else float("nan")
