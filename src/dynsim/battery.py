"""The INSD analysis battery: what tells alternative solutions of one task apart.

Each analysis is a library function over trained networks (:class:`Network`, loaded from the
checkpoint files ``dynsim train`` writes) that returns a labelled :class:`xarray.Dataset`, and a
``*_figure`` function that draws it. The workflow runs one rule per analysis
(``workflow/rules/insd.smk``) through ``dynsim battery``.

- :func:`predictivity_matrices`: cross-validated linear predictivity r²(a → b) of every network
  b's activity from every network a's, on the full activity and on the readout null space
  (R⊥, what INSD penalises), both directions (the matrix is asymmetric: rows predict columns).
  :func:`deflation_summary` condenses it into the two numbers of the INSD claim: the
  reference-to-reference level among standard networks and each alternative's r² of its
  reference's null-space activity.
- :func:`embed` / :func:`similarity_figure`: CKA, RSA, DSA (… any) distance matrices computed
  by the pairwise engine, and a classical MDS embedding of one of them (DSA when present, else
  Procrustes).
- :func:`fixed_point_analysis`: fixed points of each network at the task's constant inputs
  (:func:`dynsim.dynamics.find_fixed_points` from states sampled along test trajectories),
  counted by stability, drawn on the top PCs with trajectories.
- :func:`decoding_analysis`: cross-validated ridge decoding of task variables at every time
  step, from the full activity and from the null space.
- :func:`ood_accuracy`: accuracy on out-of-distribution versions of the task (more noise,
  longer trials or delays, higher load; see each task's ``ood_variants``).

Activity is always the network's final snapshot run in eval mode (no noise) on the task's
fixed test set (``n_repeats``, ``seed``), as in the recorded stores.

Roles: ``standard`` networks are trained on the task loss alone (``master``, ``insd_0``,
``master_gain<g>``); ``alternative`` networks are INSD links k ≥ 1.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # figures are files; never require a display

import matplotlib.pyplot as plt
import numpy as np
import torch
import xarray as xr

from dynsim import metrics, tasks
from dynsim.dynamics import find_fixed_points
from dynsim.insd import readout_null_space
from dynsim.training import TrainingResult, insd_position, regime_gain

__all__ = [
    "Network",
    "decoding_analysis",
    "decoding_figure",
    "deflation_summary",
    "embed",
    "fixed_point_analysis",
    "fixed_point_figure",
    "load_networks",
    "mds",
    "ood_accuracy",
    "ood_figure",
    "predictivity_figure",
    "predictivity_matrices",
    "role",
    "similarity_figure",
    "summary_markdown",
]

KINDS = ("stable", "saddle", "unstable", "marginal")


# -- networks -------------------------------------------------------------------------------------
def role(regime: str) -> str:
    """``standard`` (task loss only: master, insd_0, master_gain<g>), ``alternative`` (INSD
    link k ≥ 1) or ``other`` (curricula, untrained)."""
    k = insd_position(regime)
    if k is not None:
        return "standard" if k == 0 else "alternative"
    if regime == "master" or regime_gain(regime) is not None:
        return "standard"
    return "other"


@dataclass
class Network:
    """A trained network: its training result, the model at its final snapshot (eval mode)
    and, on demand, its activity on the task's test set."""

    result: TrainingResult
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def spec(self):  # noqa: ANN201 - NetworkSpec
        return self.result.spec

    @property
    def name(self) -> str:
        return self.spec.key

    @property
    def regime(self) -> str:
        return self.spec.regime

    @property
    def role(self) -> str:
        return role(self.spec.regime)

    @property
    def short(self) -> str:
        """A short label: regime · [grid variant ·] s<seed> (task and arch when they are not
        all alike are added by the figures)."""
        variant = f"{self.spec.variant_name} · " if self.spec.variant else ""
        return f"{self.spec.regime} · {variant}s{self.spec.seed}"

    def model(self) -> torch.nn.Module:
        if "model" not in self._cache:
            model = self.spec.build_model()
            model.load_state_dict(self.result.snapshots[self.result.final_step])
            model.eval()
            for p in model.parameters():
                p.requires_grad_(False)
            self._cache["model"] = model
        return self._cache["model"]

    def task(self) -> tasks.Task:
        if "task" not in self._cache:
            self._cache["task"] = self.spec.build_task()
        return self._cache["task"]

    def null_basis(self) -> np.ndarray:
        """Orthonormal basis (unit × k) of the null space of the readout."""
        weight = self.model().readout.weight.detach().double()
        return readout_null_space(weight).numpy()

    def activity(self, n_repeats: int = 4, seed: int = 0) -> dict[str, Any]:
        """The test batch, outputs (trial, time, out), hidden (trial, time, unit), accuracy."""
        key = ("activity", n_repeats, seed)
        if key not in self._cache:
            task = self.task()
            batch = task.test_batch(n_repeats=n_repeats, seed=seed)
            with torch.no_grad():
                outputs, hidden = self.model()(batch.inputs)
            self._cache[key] = {
                "batch": batch,
                "outputs": outputs.numpy().astype(np.float64),
                "hidden": hidden.numpy().astype(np.float64),
                "accuracy": task.accuracy(outputs, batch),
            }
        return self._cache[key]


def load_networks(paths: Sequence[str | os.PathLike[str]]) -> list[Network]:
    """Networks from checkpoint files written by ``dynsim train`` (diverged ones skipped
    with a message: they have no meaningful final state)."""
    networks = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"checkpoint file not found: {path}")
        try:
            result = TrainingResult.from_dict(torch.load(path, weights_only=False))
        except Exception as err:
            raise RuntimeError(f"cannot read checkpoint file {path}: {err}") from err
        if result.status == "diverged":
            print(f"battery: skipping {result.spec.key} (diverged)")
            continue
        networks.append(Network(result))
    if not networks:
        raise ValueError("no usable network among the checkpoint files")
    return networks


def _labels(networks: Sequence[Network], dim: str) -> dict[str, Any]:
    """Coordinates task, arch, regime, seed, role (and the grid variant, when there is one)
    over ``dim`` (suffixed ``_<dim>`` unless ``dim`` is ``network``)."""
    values = {
        "task": [n.spec.task for n in networks],
        "arch": [n.spec.arch for n in networks],
        "regime": [n.spec.regime for n in networks],
        "role": [n.role for n in networks],
    }
    if any(n.spec.variant for n in networks):
        values["variant"] = [n.spec.variant_name for n in networks]
    out: dict[str, Any] = {}
    suffix = "" if dim == "network" else f"_{dim}"
    for label, vals in values.items():
        out[f"{label}{suffix}"] = (dim, np.array(vals, dtype=object))
    out[f"seed{suffix}"] = (dim, np.array([n.spec.seed for n in networks], dtype=np.int64))
    return out


# -- linear predictivity --------------------------------------------------------------------------
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
            **_labels(networks, "predictor"),
            **_labels(networks, "target"),
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


def predictivity_figure(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Heatmaps of r²(row → column), null space and full activity, with the values."""
    names = _figure_labels(dataset, "predictor")
    n = len(names)
    size = 2.0 + 0.45 * n
    fig, axes = plt.subplots(1, 2, figsize=(2 * size + 2, size + 0.8), constrained_layout=True)
    for ax, space in zip(axes, ("null", "full"), strict=True):
        values = dataset[f"r2_{space}"].values
        image = ax.imshow(np.ma.masked_invalid(values), vmin=0, vmax=1, cmap="magma")
        ax.set_xticks(range(n), names, rotation=90, fontsize=7)
        ax.set_yticks(range(n), names, fontsize=7)
        ax.set_xlabel("target (predicted)")
        ax.set_ylabel("predictor")
        title = "readout null space R⊥" if space == "null" else "full activity"
        ax.set_title(f"r²(row → column), {title}", fontsize=9)
        if n <= 16:
            for i in range(n):
                for j in range(n):
                    if np.isfinite(values[i, j]):
                        colour = "white" if values[i, j] < 0.5 else "black"
                        ax.text(
                            j,
                            i,
                            f"{values[i, j]:.2f}",
                            ha="center",
                            va="center",
                            fontsize=6,
                            color=colour,
                        )
    fig.colorbar(image, ax=axes, shrink=0.8, label="cross-validated r²")
    summary = json.loads(dataset.attrs.get("summary", "{}"))
    if summary.get("reference_to_reference") is not None:
        alt = summary.get("alternative_to_reference")
        fig.suptitle(
            f"null-space r²: reference→reference {summary['reference_to_reference']:.2f}"
            + (f", alternative→its reference {alt:.2f}" if alt is not None else ""),
            fontsize=10,
        )
    return _save(fig, path)


# -- similarity matrices and MDS ------------------------------------------------------------------
def mds(distance: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) multidimensional scaling of a distance matrix.

    The matrix is symmetrised; missing entries (NaN) are filled with the largest distance.
    Returns coordinates (point, component); components with a negative eigenvalue are 0.
    """
    d = np.array(distance, dtype=float)
    finite = np.isfinite(d)
    d[~finite] = np.nanmax(d[finite]) if finite.any() else 1.0
    d = 0.5 * (d + d.T)
    np.fill_diagonal(d, 0.0)
    n = d.shape[0]
    centring = np.eye(n) - np.ones((n, n)) / n
    b = -0.5 * centring @ (d**2) @ centring
    values, vectors = np.linalg.eigh(b)
    order = np.argsort(values)[::-1][:n_components]
    coords = vectors[:, order] * np.sqrt(np.clip(values[order], 0, None))
    if coords.shape[1] < n_components:
        coords = np.pad(coords, ((0, 0), (0, n_components - coords.shape[1])))
    return coords


def embed(
    matrices: Mapping[str, xr.Dataset], prefer: Sequence[str] = ("dsa", "procrustes")
) -> xr.Dataset:
    """A 2-D MDS embedding of the first available of ``prefer`` (else the first matrix)."""
    if not matrices:
        raise ValueError("no similarity matrix to embed")
    name = next((m for m in prefer if m in matrices), next(iter(matrices)))
    matrix = matrices[name]
    coords = mds(matrix["distance"].values)
    models_ = np.asarray(matrix["model_a"].values, dtype=object)  # variable-length strings
    extra = {
        label: ("model", _plain(matrix[f"{label}_a"].values))
        for label in ("task", "arch", "regime", "variant", "seed")
        if f"{label}_a" in matrix.coords
    }
    return xr.Dataset(
        {"coordinates": (("model", "component"), coords)},
        coords={"model": models_, "component": [1, 2], **extra},
        attrs={"analysis": "mds", "metric": name, "method": "classical (Torgerson) MDS"},
    )


def similarity_figure(
    matrices: Mapping[str, xr.Dataset], embedding: xr.Dataset, path: str | os.PathLike[str]
) -> Path:
    """One heatmap per metric (networks in the same order everywhere) and the MDS panel."""
    names = list(matrices)
    fig, axes = plt.subplots(
        1, len(names) + 1, figsize=(4.2 * (len(names) + 1), 4.6), constrained_layout=True
    )
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, names, strict=False):
        matrix = matrices[name]
        order = np.argsort(matrix["model_a"].values.astype(str))
        values = matrix["distance"].values[np.ix_(order, order)]
        labels = np.array(_matrix_labels(matrix))[order]
        cmap = plt.get_cmap("viridis").copy()
        cmap.set_bad("lightgrey")
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap)
        ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=6)
        ax.set_yticks(range(len(labels)), labels, fontsize=6)
        score = matrix.attrs.get("score", "")
        ax.set_title(f"{name} distance" + (f" ({score})" if score else ""), fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.7)
    ax = axes[-1]
    coords = embedding["coordinates"].values
    regimes = [str(r) for r in embedding.get("regime", embedding["model"]).values]
    colours = {r: f"C{k}" for k, r in enumerate(sorted(set(regimes)))}
    seeds = embedding["seed"].values if "seed" in embedding.coords else np.zeros(len(coords))
    markers = "osD^v<>p*h"
    for k, (x, y) in enumerate(coords):
        marker = markers[int(np.argmax(np.unique(seeds) == seeds[k])) % len(markers)]
        ax.scatter(x, y, color=colours[regimes[k]], marker=marker, s=50, edgecolor="k", lw=0.5)
    for regime, colour in colours.items():
        ax.scatter([], [], color=colour, label=regime)
    ax.legend(fontsize=7, loc="best")
    ax.set_title(f"MDS of {embedding.attrs['metric']} distances (marker = seed)", fontsize=9)
    ax.set_xlabel("MDS 1")
    ax.set_ylabel("MDS 2")
    return _save(fig, path)


def _plain(values: np.ndarray) -> np.ndarray:
    """Strings as objects (variable-length UTF-8 in Zarr), everything else unchanged."""
    values = np.asarray(values)
    return values.astype(object) if values.dtype.kind in "OUS" else values


def _matrix_labels(matrix: xr.Dataset) -> list[str]:
    parts = []
    for label in ("task", "arch", "regime", "variant", "seed"):
        coord = f"{label}_a"
        if coord in matrix.coords:
            values = [str(v) for v in matrix[coord].values]
            if label in ("task", "arch", "variant") and len(set(values)) <= 1:
                continue
            parts.append([f"s{v}" if label == "seed" else v for v in values])
    if not parts:
        return [str(v) for v in matrix["model_a"].values]
    return [" · ".join(p[k] for p in parts) for k in range(len(parts[0]))]


# -- fixed points ---------------------------------------------------------------------------------
def fixed_point_inputs(task: tasks.Task) -> dict[str, np.ndarray]:
    """The task's constant inputs for the finder (its own, else all zeros)."""
    if hasattr(task, "fixed_point_inputs"):
        return task.fixed_point_inputs()
    return {"zero": np.zeros(task.n_inputs)}


def fixed_point_analysis(
    networks: Sequence[Network],
    *,
    n_starts: int = 128,
    steps: int = 500,
    learning_rate: float = 1e-2,
    noise: float = 0.0,
    tolerance: float = 1e-10,
    n_repeats: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    """Fixed points of every network at each of its task's constant inputs.

    Starts: ``n_starts`` hidden states drawn (seeded) from the test-set trajectories. Returns
    ``count`` (network, input, kind) and, in long form over ``point``, every point with its
    network, input, kind, speed q and largest eigenvalue modulus. Architectures whose state
    is not the hidden vector (LSTM, Mamba) get NaN counts and a ``status``.
    """
    rng = np.random.default_rng(seed)
    input_names = sorted({k for n in networks for k in fixed_point_inputs(n.task())})
    counts = np.full((len(networks), len(input_names), len(KINDS)), np.nan)
    status = np.full(len(networks), "", dtype=object)
    rows: dict[str, list[Any]] = {k: [] for k in ("network", "input", "kind", "speed", "radius")}
    points: list[np.ndarray] = []
    for i, net in enumerate(networks):
        hidden = net.activity(n_repeats, seed)["hidden"].reshape(-1, net.spec.hidden_size)
        picks = rng.choice(len(hidden), size=min(n_starts, len(hidden)), replace=False)
        for name, x in fixed_point_inputs(net.task()).items():
            try:
                found = find_fixed_points(
                    net.model(),
                    hidden[picks],
                    x,
                    steps=steps,
                    learning_rate=learning_rate,
                    tolerance=tolerance,
                    noise=noise,
                    seed=seed,
                )
            except TypeError as err:
                status[i] = str(err)
                break
            c = found.counts()
            counts[i, input_names.index(name)] = [c.get(k, 0) for k in KINDS]
            for p, q, ev, kind in zip(
                found.points, found.speed, found.eigenvalues, found.kind, strict=True
            ):
                points.append(p)
                rows["network"].append(net.name)
                rows["input"].append(name)
                rows["kind"].append(str(kind))
                rows["speed"].append(float(q))
                rows["radius"].append(float(np.abs(ev).max()))
    width = max([len(p) for p in points], default=1)
    point_array = np.full((len(points), width), np.nan)
    for k, p in enumerate(points):
        point_array[k, : len(p)] = p
    return xr.Dataset(
        {
            "count": (("network", "input", "kind"), counts),
            "status": ("network", status),
            "points": (("point", "unit"), point_array),
            "speed": ("point", np.array(rows["speed"], dtype=float)),
            "radius": ("point", np.array(rows["radius"], dtype=float)),
        },
        coords={
            "network": np.array([n.name for n in networks], dtype=object),
            "input": np.array(input_names, dtype=object),
            "kind": np.array(KINDS, dtype=object),
            "point_network": ("point", np.array(rows["network"], dtype=object)),
            "point_input": ("point", np.array(rows["input"], dtype=object)),
            "point_kind": ("point", np.array(rows["kind"], dtype=object)),
            **_labels(networks, "network"),
        },
        attrs={
            "analysis": "fixed_points",
            "n_starts": n_starts,
            "steps": steps,
            "learning_rate": learning_rate,
            "tolerance": tolerance,
            "n_repeats": n_repeats,
            "seed": seed,
        },
    )


def fixed_point_figure(
    networks: Sequence[Network],
    found: xr.Dataset,
    path: str | os.PathLike[str],
    *,
    n_trajectories: int = 12,
    n_repeats: int = 4,
    seed: int = 0,
) -> Path:
    """Per network: test trajectories and fixed points on the top three PCs of its activity
    (marker by stability, colour by constant input), with the counts in the title."""
    n = len(networks)
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig = plt.figure(figsize=(4.0 * cols, 3.8 * rows), constrained_layout=True)
    markers = {"stable": "o", "saddle": "X", "unstable": "^", "marginal": "s"}
    inputs = [str(v) for v in found["input"].values]
    for k, net in enumerate(networks):
        ax = fig.add_subplot(rows, cols, k + 1, projection="3d")
        hidden = net.activity(n_repeats, seed)["hidden"]
        flat = hidden.reshape(-1, hidden.shape[-1])
        mean = flat.mean(0)
        _, _, vt = np.linalg.svd(flat - mean, full_matrices=False)
        pcs = vt[:3].T
        if pcs.shape[1] < 3:
            pcs = np.pad(pcs, ((0, 0), (0, 3 - pcs.shape[1])))
        for trial in hidden[: min(n_trajectories, len(hidden))]:
            z = (trial - mean) @ pcs
            ax.plot(z[:, 0], z[:, 1], z[:, 2], color="grey", lw=0.6, alpha=0.6)
        mine = found["point_network"].values == net.name
        points = found["points"].values[mine][:, : hidden.shape[-1]]
        kinds = found["point_kind"].values[mine]
        where = found["point_input"].values[mine]
        for p, kind, x in zip(points, kinds, where, strict=True):
            z = (p - mean) @ pcs
            ax.scatter(
                z[0],
                z[1],
                z[2],
                marker=markers.get(kind, "o"),
                color=f"C{inputs.index(x)}",
                s=40 if kind == "stable" else 25,
                edgecolor="k",
                lw=0.4,
            )
        ax.set_title(f"{net.short}\n{_count_text(found, net.name)}", fontsize=7)
        ax.set_xlabel("PC1", fontsize=7)
        ax.set_ylabel("PC2", fontsize=7)
        ax.set_zlabel("PC3", fontsize=7)
        ax.tick_params(labelsize=5)
    handles = [
        plt.Line2D([], [], marker=m, ls="", color="k", label=kind) for kind, m in markers.items()
    ]
    handles += [
        plt.Line2D([], [], marker="o", ls="", color=f"C{j}", label=x) for j, x in enumerate(inputs)
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=7)
    return _save(fig, path)


def _count_text(found: xr.Dataset, network: str) -> str:
    """E.g. "zero: 8 stable, 19 saddle" (per input), or the reason there are no counts."""
    parts = []
    for x in found["input"].values:
        counts = found["count"].sel(network=network, input=x).values
        if not np.isfinite(counts).all():
            continue
        listed = [f"{int(c)} {kind}" for c, kind in zip(counts, KINDS, strict=True) if c > 0]
        parts.append(f"{x}: " + (", ".join(listed) or "none"))
    return "; ".join(parts) or textwrap.shorten(
        str(found["status"].sel(network=network).values), width=60
    )


# -- decoding -------------------------------------------------------------------------------------
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

    INSD tasks name theirs (the flip-flop's stored bits are its targets over time; the
    context, coherences and choice of ``cdi``; the remembered angle's sin and cos of
    ``memorypro_analog``); other tasks: every numeric condition label that varies.
    """
    out: dict[str, np.ndarray] = {}
    if getattr(task, "decode_targets", False):
        targets = batch.targets.numpy()
        for k, name in enumerate(batch.output_names):
            out[name] = targets[..., k]
    names = getattr(task, "decoded_conditions", None)
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
            **_labels(networks, "network"),
        },
        attrs={
            "analysis": "decoding",
            "n_folds": n_folds,
            "alpha": alpha,
            "n_repeats": n_repeats,
            "seed": seed,
        },
    )


def decoding_figure(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Score over time per variable (columns) from full activity and null space (rows);
    one line per network, coloured by regime."""
    variables = [str(v) for v in dataset["variable"].values]
    fig, axes = plt.subplots(
        2,
        len(variables),
        figsize=(3.4 * len(variables), 5.4),
        sharex=True,
        squeeze=False,
        constrained_layout=True,
    )
    regimes = [str(r) for r in dataset["regime"].values]
    colours = {r: f"C{k}" for k, r in enumerate(sorted(set(regimes)))}
    time = dataset["time"].values
    epochs = dataset["epoch"].values
    for s, space in enumerate(("full", "null")):
        for v, variable in enumerate(variables):
            ax = axes[s, v]
            for i, regime in enumerate(regimes):
                ax.plot(time, dataset["score"].values[i, s, v], color=colours[regime], lw=1)
            _shade_epochs(ax, time, epochs)
            kind = str(dataset["score_kind"].values[v])
            ax.set_ylim(0.4 if kind == "accuracy" else -0.1, 1.02)
            ax.set_title(f"{variable} ({space} activity)", fontsize=8)
            if v == 0:
                ax.set_ylabel("decoding " + ("accuracy" if kind == "accuracy" else "R²"))
            if s == 1:
                ax.set_xlabel("time (ms)")
    for regime, colour in colours.items():
        axes[0, -1].plot([], [], color=colour, label=regime)
    axes[0, -1].legend(fontsize=7)
    return _save(fig, path)


def _shade_epochs(ax: Any, time: np.ndarray, epochs: np.ndarray) -> None:
    """A thin vertical line where each epoch after the first begins."""
    names = [str(e) for e in epochs]
    for k in range(1, len(names)):
        if names[k] != names[k - 1] and names[k]:
            ax.axvline(time[k - 1], color="k", lw=0.4, alpha=0.4)


# -- out of distribution ---------------------------------------------------------------------------
def ood_variants(
    task: tasks.Task, spec_params: dict[str, Any], *, noise: float, longer: float, load: float
) -> dict[str, dict[str, Any]]:
    """Variant name → task parameter overrides: the task's own ``ood_variants`` when it has
    them, else more noise (``sigma`` + ``noise``) and a longer stimulus and delay."""
    if hasattr(task, "ood_variants"):
        return task.ood_variants(noise=noise, longer=longer, load=load)
    out: dict[str, dict[str, Any]] = {}
    if hasattr(task, "sigma"):
        out["noise"] = {"sigma": float(task.sigma) + noise}
    timing = getattr(task, "test_timing", None)
    if timing is not None:
        longer_timing = {
            k: v * longer if k in ("stimulus", "delay") else v for k, v in timing.items()
        }
        out["longer"] = {"test_timing": longer_timing}
    return out


def ood_accuracy(
    networks: Sequence[Network],
    *,
    noise: float = 0.5,
    longer: float = 2.0,
    load: float = 2.0,
    n_repeats: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    """Accuracy (network, condition) on the test set (``standard``) and on each
    out-of-distribution variant (``noise``, ``longer``, ``load``; NaN where a task has none)."""
    conditions = ["standard", "noise", "longer", "load"]
    accuracy = np.full((len(networks), len(conditions)), np.nan)
    described: dict[str, str] = {}
    for i, net in enumerate(networks):
        accuracy[i, 0] = net.activity(n_repeats, seed)["accuracy"]
        task = net.task()
        variants = ood_variants(task, net.spec.task_params, noise=noise, longer=longer, load=load)
        for name, overrides in variants.items():
            variant = tasks.get(net.spec.task, **{**net.spec.task_params, **overrides})
            batch = variant.test_batch(n_repeats=n_repeats, seed=seed)
            with torch.no_grad():
                outputs, _ = net.model()(batch.inputs)
            accuracy[i, conditions.index(name)] = variant.accuracy(outputs, batch)
            described.setdefault(f"{net.spec.task}:{name}", json.dumps(overrides, default=str))
    return xr.Dataset(
        {"accuracy": (("network", "condition"), accuracy)},
        coords={
            "network": np.array([n.name for n in networks], dtype=object),
            "condition": np.array(conditions, dtype=object),
            **_labels(networks, "network"),
        },
        attrs={
            "analysis": "ood",
            "noise": noise,
            "longer": longer,
            "load": load,
            "n_repeats": n_repeats,
            "seed": seed,
            "variants": json.dumps(described),
        },
    )


def ood_figure(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Accuracy per condition: one bar per regime (mean over networks), a dot per network."""
    regimes = sorted({str(r) for r in dataset["regime"].values})
    conditions = [str(c) for c in dataset["condition"].values]
    width = 0.8 / max(len(regimes), 1)
    fig, ax = plt.subplots(figsize=(1.6 + 1.6 * len(conditions), 3.8), constrained_layout=True)
    for r, regime in enumerate(regimes):
        mine = dataset["regime"].values == regime
        values = dataset["accuracy"].values[mine]  # (network, condition)
        x = np.arange(len(conditions)) + (r - (len(regimes) - 1) / 2) * width
        with np.errstate(all="ignore"):
            mean = np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
        ax.bar(x, np.nan_to_num(mean), width=width * 0.95, color=f"C{r}", label=regime, alpha=0.8)
        for row in values:
            ax.scatter(x, row, color="k", s=8, zorder=3)
    ax.set_xticks(range(len(conditions)), conditions)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.05)
    ax.set_title("out-of-distribution tests (bar: mean over seeds; dot: one network)", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    return _save(fig, path)


# -- summary --------------------------------------------------------------------------------------
def summary_markdown(
    predictivity: xr.Dataset | None = None,
    fixed_points: xr.Dataset | None = None,
    ood: xr.Dataset | None = None,
    decoding: xr.Dataset | None = None,
    embedding: xr.Dataset | None = None,
) -> str:
    """The battery's numbers as Markdown (the figures show the rest)."""
    lines = ["# INSD analysis battery", ""]
    if predictivity is not None:
        s = json.loads(predictivity.attrs["summary"])
        lines += ["## Null-space linear predictivity (cross-validated r²)", ""]
        lines += [
            f"- reference → reference (standard networks, {s['n_reference_pairs']} ordered "
            f"pairs): {_fmt(s['reference_to_reference'])}",
            f"- alternative (INSD link k ≥ 1) → its reference (link 0): "
            f"{_fmt(s['alternative_to_reference'])}",
            f"- reference → alternative: {_fmt(s['reference_to_alternative'])}",
            f"- accuracy: standard {_fmt(s['standard_accuracy'])}, alternative "
            f"{_fmt(s['alternative_accuracy'])}",
            "",
        ]
        if s["links"]:
            lines += ["| link | r² → reference | r² ← reference | accuracy | reference acc. |"]
            lines += ["|---|---|---|---|---|"]
            for x in s["links"]:
                lines.append(
                    f"| {x['network']} | {x['to_reference']:.3f} | {x['from_reference']:.3f} "
                    f"| {x['accuracy']:.3f} | {x['reference_accuracy']:.3f} |"
                )
            lines.append("")
    if fixed_points is not None:
        lines += ["## Fixed points", "", "| network | input | " + " | ".join(KINDS) + " |"]
        lines += ["|---|---|" + "---|" * len(KINDS)]
        for net in fixed_points["network"].values:
            for x in fixed_points["input"].values:
                c = fixed_points["count"].sel(network=net, input=x).values
                if np.isfinite(c).all():
                    lines.append(f"| {net} | {x} | " + " | ".join(str(int(v)) for v in c) + " |")
            reason = str(fixed_points["status"].sel(network=net).values)
            if reason:
                lines.append(f"| {net} | – | {reason} |" + " |" * (len(KINDS) - 1))
        lines.append("")
    if ood is not None:
        conditions = [str(c) for c in ood["condition"].values]
        lines += ["## Out-of-distribution accuracy", "", "| network | " + " | ".join(conditions)]
        lines[-1] += " |"
        lines += ["|---|" + "---|" * len(conditions)]
        for k, net in enumerate(ood["network"].values):
            row = ood["accuracy"].values[k]
            lines.append(f"| {net} | " + " | ".join(_fmt(v) for v in row) + " |")
        lines.append("")
    if decoding is not None:
        lines += ["## Decoding (mean score over time)", ""]
        variables = [str(v) for v in decoding["variable"].values]
        lines += ["| network | space | " + " | ".join(variables) + " |"]
        lines += ["|---|---|" + "---|" * len(variables)]
        for i, net in enumerate(decoding["network"].values):
            for s, space in enumerate(decoding["space"].values):
                with np.errstate(all="ignore"):
                    means = np.nanmean(decoding["score"].values[i, s], axis=-1)
                lines.append(f"| {net} | {space} | " + " | ".join(_fmt(v) for v in means) + " |")
        lines.append("")
    if embedding is not None:
        lines += [f"MDS embedding of {embedding.attrs['metric']} distances: see the figure.", ""]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{float(value):.3f}"


def _figure_labels(dataset: xr.Dataset, dim: str) -> list[str]:
    parts = []
    for label in ("task", "arch", "regime", "variant", "seed"):
        if f"{label}_{dim}" not in dataset.coords:
            continue  # variant: only with a hyperparameter grid
        values = [str(v) for v in dataset[f"{label}_{dim}"].values]
        if label in ("task", "arch", "variant") and len(set(values)) <= 1:
            continue
        parts.append([f"s{v}" if label == "seed" else v for v in values])
    return [" · ".join(p[k] for p in parts) for k in range(len(parts[0]))]


def _save(fig: Any, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
