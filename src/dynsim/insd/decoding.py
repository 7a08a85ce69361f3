"""Decoding of task variables over time, from the full activity and from the null space.

:func:`decoding_analysis` decodes each task variable (:func:`task_variables`: the task's
``decoded_conditions`` and, with ``decode_targets``, its targets; hooks declared on
:class:`dynsim.tasks.Task`) at every time step with cross-validated ridge regression
(:func:`decode_over_time`), from the full hidden activity and from its readout null space.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from dynsim import tasks
from dynsim.insd.networks import Network, network_coords

__all__ = ["decode_over_time", "decoding_analysis", "task_variables"]


def decode_over_time(
    hidden: np.ndarray,
    labels: np.ndarray,
    *,
    n_folds: int = 5,
    alpha: float = 1e-2,
    seed: int = 0,
) -> np.ndarray:
    """Cross-validated ridge decoding of ``labels`` from ``hidden`` at every time step.

    ``hidden`` is (trial, time, unit); ``labels`` (trial,) or (trial, time). Folds split
    trials (a seeded permutation, so folds mix conditions); the ridge is ``alpha`` times the
    mean eigenvalue of the training scatter. A label with two values is decoded as a class:
    the score is the accuracy of the prediction's side of the midpoint (chance ≈ 0.5).
    Otherwise the score is the out-of-fold R² pooled over folds (NaN where the label does not
    vary). Returns the score per time step.
    """
    hidden = np.asarray(hidden, dtype=np.float64)
    n_trials, n_time, n_units = hidden.shape
    y = np.asarray(labels, dtype=np.float64)
    if y.ndim == 1:
        y = np.repeat(y[:, None], n_time, axis=1)
    values = np.unique(y)
    binary = len(values) == 2
    if binary:
        y = np.where(y == values[1], 1.0, -1.0)
    folds = np.random.default_rng(seed).permutation(n_trials) % n_folds
    predicted = np.zeros_like(y)
    for f in range(n_folds):
        train, test = folds != f, folds == f
        if not test.any() or train.sum() < 2:
            continue
        x_mean = hidden[train].mean(0)  # (time, unit)
        y_mean = y[train].mean(0)  # (time,)
        xc = hidden[train] - x_mean
        scatter = np.einsum("ntu,ntv->tuv", xc, xc)
        ridge = alpha * np.trace(scatter, axis1=1, axis2=2) / n_units
        system = scatter + (ridge[:, None, None] + 1e-12) * np.eye(n_units)
        rhs = np.einsum("ntu,nt->tu", xc, y[train] - y_mean)
        weights = np.linalg.solve(system, rhs[..., None])[..., 0]  # (time, unit)
        predicted[test] = np.einsum("ntu,tu->nt", hidden[test] - x_mean, weights) + y_mean
    if binary:
        return np.mean(np.sign(predicted) == y, axis=0)
    sse = np.sum((y - predicted) ** 2, axis=0)
    sst = np.sum((y - y.mean(0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sst > 1e-12, 1 - sse / sst, np.nan)


def task_variables(batch: tasks.TrialBatch, task: tasks.Task) -> dict[str, np.ndarray]:
    """The task variables to decode: name → (trial,) or (trial, time) values.

    From the task's hooks (declared on :class:`dynsim.tasks.Task`): with ``decode_targets``
    each output's target over time (the flip-flop's stored bits); then the condition labels
    ``decoded_conditions`` names (the context, coherences and choice of ``cdi``; the
    remembered angle's sin and cos of ``memorypro_analog``), or, when it is None (the
    default), every numeric condition label that varies.
    """
    out: dict[str, np.ndarray] = {}
    if task.decode_targets:
        targets = batch.targets.numpy()
        for k, name in enumerate(batch.output_names):
            out[name] = targets[..., k]
    names = task.decoded_conditions
    if names is None:
        names = [
            k
            for k, v in batch.conditions.items()
            if np.asarray(v).dtype.kind in "iuf" and len(np.unique(v)) > 1
        ]
    for name in names:
        out[name] = np.asarray(batch.conditions[name], dtype=np.float64)
    return out


def decoding_analysis(
    networks: Sequence[Network],
    *,
    n_folds: int = 5,
    alpha: float = 1e-2,
    n_repeats: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    """Decoding score (network, space, variable, time) of each task variable over time, from
    the full activity and from the readout null space (see :func:`decode_over_time`)."""
    first = networks[0].activity(n_repeats, seed)["batch"]
    variables = list(task_variables(first, networks[0].task()))
    n_time = max(net.activity(n_repeats, seed)["hidden"].shape[1] for net in networks)
    score = np.full((len(networks), 2, len(variables), n_time), np.nan)
    for i, net in enumerate(networks):
        activity = net.activity(n_repeats, seed)
        labels = task_variables(activity["batch"], net.task())
        for s, space in enumerate(("full", "null")):
            hidden = activity["hidden"]
            if space == "null":
                hidden = hidden @ net.null_basis()
            for v, name in enumerate(variables):
                if name in labels:
                    values = decode_over_time(
                        hidden, labels[name], n_folds=n_folds, alpha=alpha, seed=seed
                    )
                    score[i, s, v, : len(values)] = values
    kinds = [
        "accuracy" if len(np.unique(task_variables(first, networks[0].task())[v])) == 2 else "r2"
        for v in variables
    ]
    epochs = first.epoch_labels()[0]
    return xr.Dataset(
        {"score": (("network", "space", "variable", "time"), score)},
        coords={
            "network": np.array([n.name for n in networks], dtype=object),
            "space": np.array(["full", "null"], dtype=object),
            "variable": np.array(variables, dtype=object),
            "score_kind": ("variable", np.array(kinds, dtype=object)),
            "time": ("time", np.arange(1, n_time + 1) * first.dt, {"units": "ms"}),
            "epoch": ("time", np.pad(epochs, (0, n_time - len(epochs))).astype(object)),
            **network_coords(networks, "network"),
        },
        attrs={
            "analysis": "decoding",
            "n_folds": n_folds,
            "alpha": alpha,
            "n_repeats": n_repeats,
            "seed": seed,
        },
    )
