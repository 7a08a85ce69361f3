"""Null-space linear predictivity between networks, and the INSD claim in two numbers.

:func:`predictivity_matrices`: cross-validated linear predictivity r²(a → b) of every network
b's activity from every network a's, on the full activity and on the readout null space (R⊥,
what INSD penalises), both directions (the matrix is asymmetric: rows predict columns).
:func:`deflation_summary` condenses it into the two numbers of the INSD claim: the
reference-to-reference level among standard networks and each alternative's r² of its
reference's null-space activity.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from dynsim import metrics
from dynsim.insd.networks import Network, network_coords

__all__ = ["deflation_summary", "predictivity_matrices"]


def predictivity_matrices(
    networks: Sequence[Network],
    *,
    alpha: float = 1e-3,
    n_folds: int = 5,
    n_repeats: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    """r²(predictor → target) for every ordered pair of networks on the same task.

    ``r2_full``: from the full hidden activity; ``r2_null``: from and of the activity in each
    network's readout null space (R⊥). Cross-validated ridge regression over trials
    (:class:`dynsim.metrics.LinearPredictivity`, relative ridge ``alpha``, ``n_folds`` folds),
    on the whole test trials. Pairs of different tasks are NaN.
    """
    metric = metrics.get("linear_predictivity", alpha=alpha, n_folds=n_folds)
    n = len(networks)
    out = {}
    for space in ("full", "null"):
        prepared = []
        for net in networks:
            hidden = net.activity(n_repeats, seed)["hidden"]
            if space == "null":
                hidden = hidden @ net.null_basis()
            try:
                prepared.append(metric.prepare(hidden))
            except ValueError:
                prepared.append(None)
        r2 = np.full((n, n), np.nan)
        for i in range(n):
            for j in range(n):
                same_task = networks[i].spec.task == networks[j].spec.task
                if same_task and prepared[i] is not None and prepared[j] is not None:
                    r2[i, j] = metric.r2(prepared[i], prepared[j])
        out[f"r2_{space}"] = (("predictor", "target"), r2)
    names = [net.name for net in networks]
    dataset = xr.Dataset(
        out,
        coords={
            "predictor": np.array(names, dtype=object),
            "target": np.array(names, dtype=object),
            **network_coords(networks, "predictor"),
            **network_coords(networks, "target"),
            "accuracy": (
                "predictor",
                [net.activity(n_repeats, seed)["accuracy"] for net in networks],
            ),
        },
        attrs={
            "analysis": "linear_predictivity",
            "direction": "r2[predictor, target] = R² of target's activity from predictor's",
            "alpha": alpha,
            "n_folds": n_folds,
            "n_repeats": n_repeats,
            "seed": seed,
        },
    )
    dataset.attrs["summary"] = json.dumps(deflation_summary(dataset))
    return dataset


def deflation_summary(dataset: xr.Dataset) -> dict[str, Any]:
    """The INSD claim in numbers, from :func:`predictivity_matrices`' null-space matrix.

    - ``reference_to_reference``: mean r²_null(a → b) over ordered pairs of distinct standard
      networks of the same task and architecture (how well independent task-trained networks
      predict each other's null-space activity);
    - ``alternative_to_reference``: mean over INSD links k ≥ 1 of r²_null(link k → link 0 of
      its own chain), the new → old direction the penalty lowers; per link in ``links``;
    - ``reference_to_alternative``: the reverse direction, for completeness;
    - accuracies of the standard and the alternative networks.
    """
    r2 = dataset["r2_null"].values
    regime = dataset["regime_predictor"].values
    roles = dataset["role_predictor"].values
    task, arch = dataset["task_predictor"].values, dataset["arch_predictor"].values
    seed = dataset["seed_predictor"].values
    accuracy = dataset["accuracy"].values
    n = len(regime)
    group = [(task[i], arch[i]) for i in range(n)]
    ref_pairs = [
        r2[i, j]
        for i in range(n)
        for j in range(n)
        if i != j and roles[i] == roles[j] == "standard" and group[i] == group[j]
    ]
    links = []
    for i in range(n):
        if roles[i] != "alternative":
            continue
        ref = [
            j
            for j in range(n)
            if regime[j] == "insd_0" and group[j] == group[i] and seed[j] == seed[i]
        ]
        if ref:
            j = ref[0]
            links.append(
                {
                    "network": str(dataset["predictor"].values[i]),
                    "to_reference": float(r2[i, j]),
                    "from_reference": float(r2[j, i]),
                    "accuracy": float(accuracy[i]),
                    "reference_accuracy": float(accuracy[j]),
                }
            )

    def mean(values: list[float]) -> float | None:
        finite = [v for v in values if np.isfinite(v)]
        return float(np.mean(finite)) if finite else None

    return {
        "reference_to_reference": mean(ref_pairs),
        "n_reference_pairs": len(ref_pairs),
        "alternative_to_reference": mean([x["to_reference"] for x in links]),
        "reference_to_alternative": mean([x["from_reference"] for x in links]),
        "standard_accuracy": mean([accuracy[i] for i in range(n) if roles[i] == "standard"]),
        "alternative_accuracy": mean([x["accuracy"] for x in links]),
        "links": links,
    }
