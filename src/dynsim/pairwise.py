"""The pairwise engine: every network prepared once, pairs compared in batches, on Ray when
the work is large or a cluster is named, partial results persisted so a killed job resumes.

>>> ds = compute("cka", ["a.zarr", "b.zarr", "c.zarr"], partial_dir="tmp/cka.partial")

Sources are paths to activation stores (read lazily, one at a time, so memory holds only the
prepared objects), or in-memory arrays (trial, time, unit) / DataArrays, optionally given as a
mapping name → source. The result is an :class:`xarray.Dataset` with ``distance`` and
``status`` over (``model_a``, ``model_b``) and the networks' labels as coordinates.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

import dynsim
from dynsim import metrics
from dynsim.metrics.base import Metric
from dynsim.metrics.matrix import OK, assemble, compare_pairs, plan_pairs, prepare_one
from dynsim.store import (
    NETWORK_LABELS,
    StoreError,
    network_key,
    network_labels,
    open_network,
)


@dataclass(frozen=True)
class Selection:
    """Which part of a network's recording is compared.

    checkpoint : ``"final"`` (default), an integer checkpoint index (negative counts from the
        end), or a float in [0, 1] — the checkpoint nearest to that training progress.
    epoch : name(s) of task epochs to keep (e.g. ``"stimulus"``), or None for all time steps.
    trials : condition label → allowed values (e.g. ``{"coherence": (0.2, 0.4)}``); trials
        whose labels are not all allowed are dropped.
    average_over : condition labels to average within (e.g. ``("coherence", "direction")``):
        trials sharing those labels are averaged into one condition-averaged "trial".
    """

    checkpoint: int | float | str = "final"
    epoch: str | tuple[str, ...] | None = None
    trials: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    average_over: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, compare: dict[str, Any]) -> Selection:
        """From the config's ``compare`` section (lists become tuples)."""
        epoch = compare.get("epoch")
        return cls(
            checkpoint=compare.get("checkpoint", "final"),
            epoch=tuple(epoch) if isinstance(epoch, list) else epoch,
            trials=tuple((k, tuple(v)) for k, v in (compare.get("trials") or {}).items()),
            average_over=tuple(compare.get("average_over") or ()),
        )

    def apply(self, dataset: xr.Dataset) -> xr.DataArray:
        hidden = dataset["hidden"]
        if self.checkpoint == "final":
            hidden = hidden.isel(checkpoint=-1)
        elif isinstance(self.checkpoint, float):
            nearest = int(np.argmin(np.abs(dataset["progress"].values - self.checkpoint)))
            hidden = hidden.isel(checkpoint=nearest)
        elif isinstance(self.checkpoint, int):
            hidden = hidden.isel(checkpoint=self.checkpoint)
        else:
            raise ValueError(
                f"checkpoint must be 'final', an int or a float; got {self.checkpoint!r}"
            )
        if self.epoch is not None:
            wanted = [self.epoch] if isinstance(self.epoch, str) else list(self.epoch)
            keep = np.isin(dataset["epoch"].values, wanted)
            if not keep.any():
                raise ValueError(f"no time step is in epoch(s) {wanted}")
            hidden = hidden.isel(time=keep)
        for label, allowed in self.trials:
            if label not in hidden.coords:
                raise ValueError(f"no trial label {label!r} to select on")
            hidden = hidden.isel(trial=np.isin(hidden[label].values, list(allowed)))
            if hidden.sizes["trial"] == 0:
                raise ValueError(f"no trial has {label} in {list(allowed)}")
        if self.average_over:
            missing = [label for label in self.average_over if label not in hidden.coords]
            if missing:
                raise ValueError(f"no trial label(s) {missing} to average over")
            keys = [hidden[label].values for label in self.average_over]
            _, group = np.unique(
                np.stack([np.asarray(k, dtype=str) for k in keys]), axis=1, return_inverse=True
            )
            hidden = hidden.assign_coords(condition=("trial", group.ravel()))
            hidden = hidden.groupby("condition").mean("trial").rename(condition="trial")
            hidden = hidden.transpose("trial", "time", "unit")
        return hidden


@dataclass
class _Network:
    name: str
    source: Any
    labels: dict[str, Any]
    named: bool = False  # the caller named it (a mapping's key): never renamed
    key: str | None = None  # the network's key from its store's metadata, once prepared


def _networks(sources: Sequence[Any] | Mapping[str, Any]) -> list[_Network]:
    """The networks of one set, provisionally named (see :func:`_finalise_names`)."""
    if isinstance(sources, Mapping):
        return [_Network(str(name), src, {}, named=True) for name, src in sources.items()]
    return [_Network(_default_name(src, k), src, {}) for k, src in enumerate(sources)]


def _default_name(source: Any, index: int) -> str:
    """A name before the source is read: for a path, its last four parts (the workflow's
    ``task/arch/regime/seedK`` layout; replaced by the store's own key once it is read)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        return "/".join(path.with_suffix("").parts[-4:])
    name = getattr(source, "name", None)
    return name if isinstance(name, str) and name else f"model{index}"


def _finalise_names(nets: list[_Network]) -> None:
    """Name each network of a set by what it says it is: a dynsim store by the key in its
    metadata (``task/arch/regime[/variant]/seedK``, whatever its path's depth), a mapping's
    entry by its key, anything else by its file path's last parts or its array's name. If
    names collide (the same network twice, or two experiments' stores), stores are named by
    their full paths when those differ, else every network becomes ``model<k>``."""
    for net in nets:
        if not net.named and net.key:
            net.name = net.key
    names = [n.name for n in nets]
    if len(set(names)) == len(names):
        return
    paths = [
        str(Path(n.source).with_suffix("")) if isinstance(n.source, (str, os.PathLike)) else None
        for n in nets
    ]
    if all(paths) and len(set(paths)) == len(paths):
        for net, path in zip(nets, paths, strict=True):
            net.name = path
    else:
        for k, net in enumerate(nets):
            net.name = f"model{k}"


def _prepare(metric: Metric, network: _Network, selection: Selection) -> tuple[Any, str, dict]:
    """Load one network (if on disk), select, prepare. Never raises for bad data. Sets the
    network's ``key`` from its store's metadata."""
    labels: dict[str, Any] = {}
    source = network.source
    if isinstance(source, (str, os.PathLike)):
        try:
            dataset = open_network(source)
            network.key = network_key(dataset)
            labels = network_labels(dataset)
            labels["status"] = dataset.attrs.get("status", "")
            labels["accuracy"] = float(dataset["accuracy"].isel(checkpoint=-1))
            activity = selection.apply(dataset).load()
        except (StoreError, ValueError, KeyError) as err:
            raise StoreError(str(err)) from err  # a missing/corrupt store is an error, not NaN
        if labels["status"] == "diverged":
            return None, "network diverged during training", labels
    else:
        activity = source
    prepared, reason = prepare_one(metric, activity)
    return prepared, reason, labels


def compute(
    metric: Metric | str,
    sources: Sequence[Any] | Mapping[str, Any],
    other: Sequence[Any] | Mapping[str, Any] | None = None,
    *,
    selection: Selection | None = None,
    other_selection: Selection | None = None,
    metric_params: dict[str, Any] | None = None,
    backend: str = "auto",
    batch_size: int = 512,
    partial_dir: str | os.PathLike[str] | None = None,
    num_cpus: int | None = None,
    ray_address: str | None = None,
    ray_threshold_s: float = 20.0,
    progress: bool = True,
) -> xr.Dataset:
    """Distance matrix between networks (see the module docstring).

    backend : ``"auto"`` (in-process unless a cluster is named or the in-process estimate of
        the remaining work exceeds ``ray_threshold_s`` seconds and more than one CPU is
        available), ``"inprocess"`` or ``"ray"``.
    partial_dir : where finished batches are kept; a rerun with the same plan skips them.
    """
    if backend not in ("auto", "inprocess", "ray"):
        raise ValueError(f"backend must be 'auto', 'inprocess' or 'ray', got {backend!r}")
    metric_obj = metrics.get(metric, **(metric_params or {}))
    selection = selection or Selection()
    other_selection = other_selection or selection
    nets_a = _networks(sources)
    nets_b = None if other is None else _networks(other)
    all_nets = nets_a + (nets_b or [])

    prepared, reasons = [], []
    for k, net in enumerate(
        tqdm(all_nets, desc=f"prepare {metric_obj.name}", disable=not progress)
    ):
        p, reason, labels = _prepare(
            metric_obj, net, selection if k < len(nets_a) else other_selection
        )
        net.labels = labels
        prepared.append(p)
        reasons.append(reason)
    _finalise_names(nets_a)
    if nets_b is not None:
        _finalise_names(nets_b)
    n_a = len(nets_a)
    prep_a, reas_a = prepared[:n_a], reasons[:n_a]
    prep_b, reas_b = (prep_a, reas_a) if nets_b is None else (prepared[n_a:], reasons[n_a:])

    pairs = _tiled(
        plan_pairs(n_a, None if nets_b is None else len(nets_b), metric_obj.symmetric), batch_size
    )
    batches = [
        np.arange(s, min(s + batch_size, len(pairs))) for s in range(0, len(pairs), batch_size)
    ]
    values = np.full(len(pairs), np.nan)
    pair_reasons = [OK] * len(pairs)
    store = _PartialStore(partial_dir, metric_obj, all_nets, len(pairs), batch_size)
    todo = []
    for k, idx in enumerate(batches):
        done = store.load(k)
        if done is None:
            todo.append(k)
        else:
            values[idx], reasons_k = done
            for pos, r in zip(idx, reasons_k, strict=True):
                pair_reasons[pos] = r

    def record(k: int, result: tuple[np.ndarray, list[str]]) -> None:
        idx = batches[k]
        values[idx] = result[0]
        for pos, r in zip(idx, result[1], strict=True):
            pair_reasons[pos] = r
        store.save(k, *result)

    bar = tqdm(
        total=len(pairs),
        initial=len(pairs) - sum(len(batches[k]) for k in todo),
        desc=f"compare {metric_obj.name}",
        unit="pair",
        disable=not progress,
    )
    address = ray_address or os.environ.get("RAY_ADDRESS")
    use_ray = backend == "ray" or (backend == "auto" and bool(address))
    if todo and not use_ray:
        # Time the first batch in-process; switch to Ray only if the rest would take long.
        start = time.perf_counter()
        k = todo.pop(0)
        record(k, compare_pairs(metric_obj, prep_a, prep_b, reas_a, reas_b, pairs[batches[k]]))
        bar.update(len(batches[k]))
        per_pair = (time.perf_counter() - start) / max(len(batches[k]), 1)
        remaining = per_pair * sum(len(batches[j]) for j in todo)
        cpus = num_cpus or os.cpu_count() or 1
        use_ray = backend == "auto" and cpus > 1 and remaining > ray_threshold_s
    if todo and use_ray:
        _run_on_ray(
            metric_obj,
            prep_a,
            prep_b,
            reas_a,
            reas_b,
            pairs,
            batches,
            todo,
            record,
            bar,
            num_cpus=num_cpus,
            address=address,
        )
    else:
        for k in todo:
            record(k, compare_pairs(metric_obj, prep_a, prep_b, reas_a, reas_b, pairs[batches[k]]))
            bar.update(len(batches[k]))
    bar.close()

    matrix, status = assemble(
        metric_obj, pairs, values, pair_reasons, n_a, None if nets_b is None else len(nets_b)
    )
    return _to_dataset(
        metric_obj,
        matrix,
        status,
        nets_a,
        nets_b or nets_a,
        selection,
        backend="ray" if use_ray else "inprocess",
    )


def _tiled(pairs: np.ndarray, batch_size: int) -> np.ndarray:
    """Order pairs tile by tile (√batch × √batch blocks of the matrix) so that each batch
    touches few networks: a metric that stacks its partners' prepared data (CKA's Grams)
    then copies O(√batch) networks per batch instead of O(N)."""
    tile = max(1, int(np.sqrt(batch_size)))
    order = np.lexsort((pairs[:, 1], pairs[:, 0], pairs[:, 1] // tile, pairs[:, 0] // tile))
    return pairs[order]


def compute_over_learning(
    metric: Metric | str,
    sources: Sequence[Any] | Mapping[str, Any],
    progress_points: Sequence[float],
    *,
    reference: Sequence[Any] | Mapping[str, Any] | None = None,
    selection: Selection | None = None,
    **kwargs: Any,
) -> xr.Dataset:
    """Distance matrices over learning, stacked along a ``progress`` dimension.

    Without ``reference``: all networks versus all, each at the checkpoint nearest to the same
    fraction of its own training (networks are matched by training progress, not by step).
    With ``reference``: every network at each progress point versus the reference networks at
    the checkpoint ``selection`` names (default: their final one) — e.g. each network's
    learning trajectory against its own trained state or against a ``master`` group.
    """
    base = selection or Selection()
    matrices = []
    for point in progress_points:
        at_point = replace(base, checkpoint=float(point))
        if reference is None:
            ds = compute(metric, sources, selection=at_point, **kwargs)
        else:
            ds = compute(
                metric, sources, reference, selection=at_point, other_selection=base, **kwargs
            )
        matrices.append(ds.drop_vars([c for c in ds.coords if c.startswith("accuracy")]))
    stacked = xr.concat(matrices, dim="progress", coords="minimal", compat="override")
    stacked = stacked.assign_coords(progress=np.asarray(progress_points, dtype=float))
    stacked.attrs["checkpoint"] = "matched by training progress"
    return stacked


def _run_on_ray(
    metric_obj,
    prep_a,
    prep_b,
    reas_a,
    reas_b,
    pairs,
    batches,
    todo,
    record,
    bar,
    *,
    num_cpus,
    address,
) -> None:
    from dynsim.raysession import ray_session

    with ray_session(num_cpus=num_cpus, address=address) as ray:
        remote_compare = ray.remote(num_cpus=1)(compare_pairs)
        # Each prepared network is shipped to the object store exactly once.
        metric_ref = ray.put(metric_obj)
        a_ref = ray.put(prep_a)
        b_ref = a_ref if prep_b is prep_a else ray.put(prep_b)
        pending = {
            remote_compare.remote(metric_ref, a_ref, b_ref, reas_a, reas_b, pairs[batches[k]]): k
            for k in todo
        }
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            k = pending.pop(ready[0])
            record(k, ray.get(ready[0]))
            bar.update(len(batches[k]))


class _PartialStore:
    """Finished batches on disk (one small .npz each), keyed by a fingerprint of the plan."""

    def __init__(
        self, root, metric_obj: Metric, nets: list[_Network], n_pairs: int, batch_size: int
    ):
        self.root = None if root is None else Path(root)
        if self.root is None:
            return
        plan = {
            "metric": metric_obj.attrs(),
            "networks": [n.name for n in nets],
            "n_pairs": n_pairs,
            "batch_size": batch_size,
        }
        fingerprint = hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()
        marker = self.root / "plan.sha256"
        if self.root.exists() and (not marker.exists() or marker.read_text() != fingerprint):
            shutil.rmtree(self.root)  # results of a different plan are useless here
        self.root.mkdir(parents=True, exist_ok=True)
        marker.write_text(fingerprint)

    def _path(self, k: int) -> Path:
        assert self.root is not None
        return self.root / f"batch{k:06d}.npz"

    def load(self, k: int) -> tuple[np.ndarray, list[str]] | None:
        if self.root is None or not self._path(k).exists():
            return None
        with np.load(self._path(k)) as data:
            return data["values"], [str(r) for r in data["reasons"]]

    def save(self, k: int, values: np.ndarray, reasons: list[str]) -> None:
        if self.root is None:
            return
        tmp = self._path(k).with_suffix(".tmp.npz")
        np.savez(tmp, values=values, reasons=np.asarray(reasons, dtype=str))
        os.replace(tmp, self._path(k))


# Labels that are always strings (variable-length, object arrays), whatever their values;
# grid hyperparameters with numeric values become numeric coordinates (NaN where missing).
_STRING_LABELS = (*NETWORK_LABELS, "status", "variant")


def _to_dataset(metric_obj, matrix, status, nets_a, nets_b, selection, backend) -> xr.Dataset:
    coords: dict[str, Any] = {
        "model_a": np.array([n.name for n in nets_a], dtype=object),
        "model_b": np.array([n.name for n in nets_b], dtype=object),
    }
    label_names = sorted({k for n in [*nets_a, *nets_b] for k in n.labels})
    for label in label_names:
        numeric = label not in _STRING_LABELS and all(
            isinstance(n.labels[label], (int, float, np.number))
            and not isinstance(n.labels[label], bool)
            for n in [*nets_a, *nets_b]
            if label in n.labels
        )
        for suffix, nets in (("a", nets_a), ("b", nets_b)):
            if label in ("seed", "accuracy"):
                arr = np.asarray([n.labels.get(label, "") for n in nets])
            elif numeric:  # a grid hyperparameter (hidden_size, learning_rate, ...)
                vals = [n.labels.get(label, np.nan) for n in nets]
                arr = np.asarray(
                    vals, dtype=None if all(label in n.labels for n in nets) else float
                )
            else:
                arr = np.asarray([n.labels.get(label, "") for n in nets], dtype=object)
            coords[f"{label}_{suffix}"] = (f"model_{suffix}", arr)
    attrs = {
        **metric_obj.attrs(),
        "symmetric": int(metric_obj.symmetric),
        "direction": "distance (0 = identical)",
        "checkpoint": str(selection.checkpoint),
        "epoch": json.dumps(selection.epoch),
        "backend": backend,
        "dynsim_version": dynsim.__version__,
    }
    return xr.Dataset(
        {
            "distance": (("model_a", "model_b"), matrix),
            "status": (("model_a", "model_b"), status.astype(object)),
        },
        coords=coords,
        attrs=attrs,
    )


__all__ = ["NETWORK_LABELS", "Selection", "compute", "compute_over_learning"]
