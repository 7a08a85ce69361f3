"""The pairwise engine: every network read and prepared once, pairs compared in batches (in
this process or on Ray), finished batches kept under the run's :class:`~.resume.Plan`, and
the result assembled into a labelled (``model_a``, ``model_b``) matrix with a per-pair
status. :func:`compute` returns it as a Dataset; :func:`dynsim.metrics.pairwise` as a
DataArray, through :func:`in_process`.
"""

from __future__ import annotations

import os
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
from dynsim.pairwise.core import (
    OK,
    assemble,
    batches_of,
    compare_pairs,
    network_reason,
    plan_pairs,
    prepare_one,
    tiled,
)
from dynsim.pairwise.resume import PartialStore, Plan
from dynsim.pairwise.selection import Selection
from dynsim.pairwise.sources import Network, finalise_names, networks, read
from dynsim.raysession import resolve_address, should_use_ray
from dynsim.store import NETWORK_LABELS

Sources = Sequence[Any] | Mapping[str, Any]

#: Measured cost of a private Ray instance per job on the 2-core machine (README.md,
#: performance notes: import 0.4 s, start 3.7 s, first task 0.3 s, shutdown 1.4 s).
RAY_START_S = 5.7
#: Default batch size of :func:`in_process` for metrics that do not compute blocked products.
IN_PROCESS_BATCH = 256


def free_cpus(requested: int) -> int:
    """CPUs this job can expect to have: ``requested`` (at most the machine's), less those
    other processes keep busy (the 1-minute load average beyond this process), at least 1.
    On a shared machine the nominal count overstates what Ray's workers would get."""
    total = os.cpu_count() or 1
    try:
        busy = max(0.0, os.getloadavg()[0] - 1.0)
    except OSError:  # not available on this platform
        busy = 0.0
    return max(1, min(requested, total, int(total - busy + 0.5)))


def ray_saving_s(remaining_s: float, workers: int) -> float:
    """Seconds Ray would save on ``remaining_s`` of measured in-process work: the work spread
    over ``workers`` CPUs, plus :data:`RAY_START_S` of start-up, against doing it here.
    Never positive on one worker; on two, only for work of more than 2·RAY_START_S."""
    if workers <= 1:
        return -RAY_START_S
    return remaining_s * (1.0 - 1.0 / workers) - RAY_START_S


@dataclass
class Result:
    """A finished run: the (n_a, n_b) distance matrix and status strings ("" = computed) over
    the named networks (``nets_b`` None for one set against itself)."""

    metric: Metric
    matrix: np.ndarray
    status: np.ndarray
    nets_a: list[Network]
    nets_b: list[Network] | None
    selection: Selection
    backend: str
    #: The selection of ``nets_b`` when it differs from ``selection`` (a reference set).
    other_selection: Selection | None = None


def compute(
    metric: Metric | str,
    sources: Sources,
    other: Sources | None = None,
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
    """Distance matrix between networks (see :mod:`dynsim.pairwise`).

    sources, other : paths to activation stores or in-memory activity (trial, time, unit),
        as a list or a mapping name → source; ``other`` gives a second set (all pairs).
    selection, other_selection : what of each store is compared (default: the final
        checkpoint, all of it); ``other_selection`` defaults to ``selection``.
    backend : ``"auto"`` (in-process unless a cluster is named or the in-process estimate of
        the remaining work exceeds ``ray_threshold_s`` seconds and more than one CPU is
        available; :func:`dynsim.raysession.should_use_ray`), ``"inprocess"`` or ``"ray"``.
    partial_dir : where finished batches are kept; a rerun with the same plan (metric,
        selections, inputs, batching; :class:`~dynsim.pairwise.resume.Plan`) skips them, and
        batches of any other plan are discarded.

    Returns a Dataset with ``distance`` and ``status`` over (``model_a``, ``model_b``), the
    networks' labels as ``<label>_a``/``<label>_b`` coordinates and the metric's parameters,
    the selection and the backend as attributes. Raises ValueError for an unknown backend or
    metric and :class:`~dynsim.store.StoreError` naming a missing or unreadable store.
    """
    if backend not in ("auto", "inprocess", "ray"):
        raise ValueError(f"backend must be 'auto', 'inprocess' or 'ray', got {backend!r}")
    result = _run(
        make_metric(metric, metric_params),
        sources,
        other,
        selection=selection or Selection(),
        other_selection=other_selection,
        backend=backend,
        batch_size=batch_size,
        order="tiled",
        partial_dir=partial_dir,
        num_cpus=num_cpus,
        ray_address=ray_address,
        ray_threshold_s=ray_threshold_s,
        progress=progress,
    )
    return to_dataset(result)


def make_metric(metric: Metric | str, params: dict[str, Any] | None = None) -> Metric:
    """The metric object: ``metric`` itself, or the registered metric of that name built with
    ``params``. Raises ValueError naming the metric and the parameter for an unknown name,
    an unknown parameter or an invalid value (the constructor's TypeError for an unexpected
    keyword becomes a ValueError, so callers handle one kind of bad-input error)."""
    if isinstance(metric, Metric):
        if params:
            raise ValueError(
                f"metric parameters {sorted(params)} given with a metric object "
                f"({metric.name}); set them on the object instead"
            )
        return metric
    try:
        return metrics.get(metric, **(params or {}))
    except TypeError as err:  # an unexpected keyword: an unknown parameter of this metric
        raise ValueError(f"metric {metric!r}: {err}") from err


def in_process(
    metric: Metric | str,
    data: Sources,
    other: Sources | None = None,
    *,
    batch_size: int | None = None,
    params: dict[str, Any] | None = None,
) -> xr.DataArray:
    """:func:`dynsim.metrics.pairwise`'s engine: in this process, no resume, no progress bar;
    the matrix as a DataArray (see :func:`to_dataarray`). ``batch_size`` None: all pairs in
    one call for metrics that compute blocked matrix products (``Metric.blocked``; they bound
    their memory themselves), else :data:`IN_PROCESS_BATCH`. ``params`` construct the metric
    when it is given by name (ignored for a metric object, as :func:`dynsim.metrics.pairwise`
    always did)."""
    metric_obj = make_metric(metric, params) if isinstance(metric, str) else metric
    if batch_size is None:
        n_b = len(other) if other is not None else len(data)
        batch_size = (
            max(1, len(data) * n_b) if getattr(metric_obj, "blocked", False) else IN_PROCESS_BATCH
        )
    result = _run(
        metric_obj,
        data,
        other,
        selection=Selection(),
        other_selection=None,
        backend="inprocess",
        batch_size=batch_size,
        order="row-major",
        partial_dir=None,
        num_cpus=None,
        ray_address=None,
        ray_threshold_s=np.inf,
        progress=False,
    )
    return to_dataarray(result)


def _run(
    metric: Metric,
    sources: Sources,
    other: Sources | None,
    *,
    selection: Selection,
    other_selection: Selection | None,
    backend: str,
    batch_size: int,
    order: str,
    partial_dir: str | os.PathLike[str] | None,
    num_cpus: int | None,
    ray_address: str | None,
    ray_threshold_s: float,
    progress: bool,
) -> Result:
    """One run of the engine (both public entry points): read and prepare every network,
    plan pairs (``order``: "tiled" or "row-major"), reuse batches finished under the same
    :class:`Plan`, compare the rest here or on Ray, assemble the matrix."""
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    other_selection = other_selection or selection
    nets_a = networks(sources)
    nets_b = None if other is None else networks(other)
    all_nets = nets_a + (nets_b or [])

    # Prepare every network once (the per-network half of each metric).
    prepared, raw_reasons = [], []
    for k, net in enumerate(tqdm(all_nets, desc=f"prepare {metric.name}", disable=not progress)):
        activity, reason = read(
            net,
            selection if k < len(nets_a) else other_selection,
            identify=partial_dir is not None,
        )
        p = None
        if reason == OK:
            p, reason = prepare_one(metric, activity)
        prepared.append(p)
        raw_reasons.append(reason)
    finalise_names(nets_a)
    if nets_b is not None:
        finalise_names(nets_b)
    # Each failure reason names its network (once names are final), so that every entry of
    # its row and column — and its diagonal — says which network failed, on either side.
    reasons = [network_reason(net.name, r) for net, r in zip(all_nets, raw_reasons, strict=True)]
    n_a, n_b = len(nets_a), None if nets_b is None else len(nets_b)
    # Each set wrapped once, so that forms shared by all pairs (stacked Gram vectors …) are
    # built once per run, not per batch.
    prep_a, reas_a = metric.stack(prepared[:n_a]), reasons[:n_a]
    prep_b, reas_b = (
        (prep_a, reas_a) if nets_b is None else (metric.stack(prepared[n_a:]), reasons[n_a:])
    )
    names_a = [n.name for n in nets_a]
    names_b = names_a if nets_b is None else [n.name for n in nets_b]

    # The pair plan; batches already finished under the same Plan are loaded.
    pairs = plan_pairs(n_a, n_b, metric.symmetric)
    if order == "tiled":
        pairs = tiled(pairs, batch_size)
    batches = batches_of(len(pairs), batch_size)
    values = np.full(len(pairs), np.nan)
    pair_reasons = [OK] * len(pairs)
    plan = None
    if partial_dir is not None:
        plan = Plan.of(
            metric,
            nets_a,
            nets_b,
            selection,
            other_selection,
            n_pairs=len(pairs),
            batch_size=batch_size,
            order=order,
        )
    store = PartialStore(partial_dir, plan)
    todo = []
    for k, idx in enumerate(batches):
        done = store.load(k)
        if done is None:
            todo.append(k)
        else:
            values[idx], reasons_k = done
            for pos, r in zip(idx, reasons_k, strict=True):
                pair_reasons[pos] = r

    bar = tqdm(
        total=len(pairs),
        initial=len(pairs) - sum(len(batches[k]) for k in todo),
        desc=f"compare {metric.name}",
        unit="pair",
        disable=not progress,
    )

    def record(k: int, result: tuple[np.ndarray, list[str]]) -> None:
        idx = batches[k]
        values[idx] = result[0]
        # Only failed pairs carry a reason (a batch may be the whole matrix: no Python loop
        # over its computed pairs).
        failed = np.asarray(result[1], dtype=object).astype(bool)  # "" is False
        if len(failed) != len(idx):
            raise ValueError(f"batch {k}: {len(failed)} reasons for {len(idx)} pairs")
        for pos in np.flatnonzero(failed).tolist():
            pair_reasons[idx[pos]] = result[1][pos]
        store.save(k, *result)
        bar.update(len(idx))

    def run_here(k: int) -> None:
        record(
            k,
            compare_pairs(
                metric, prep_a, prep_b, reas_a, reas_b, pairs[batches[k]], names_a, names_b
            ),
        )

    address = resolve_address(ray_address)
    use_ray = should_use_ray(backend, address)
    if todo and not use_ray:
        # Time the first batches in-process (the second without the first's one-off building
        # of shared forms); move the rest to Ray only if that saves more than the threshold
        # after Ray's start-up: never on one CPU, on two only for long work.
        for _ in range(min(2, len(todo) - 1) if len(todo) > 1 else 1):
            start = time.perf_counter()
            k = todo.pop(0)
            run_here(k)
            per_pair = (time.perf_counter() - start) / max(len(batches[k]), 1)
        workers = free_cpus(num_cpus or os.cpu_count() or 1)
        if address:  # a named cluster: its size is unknown here
            workers = num_cpus or os.cpu_count() or 1
        use_ray = should_use_ray(
            backend,
            address,
            remaining_s=ray_saving_s(per_pair * sum(len(batches[j]) for j in todo), workers),
            threshold_s=ray_threshold_s,
            cpus=workers,
        )
    if todo and use_ray:
        from dynsim.pairwise.ray_backend import run_on_ray  # Ray only when it is used

        run_on_ray(
            metric,
            (prep_a, prep_b),
            (reas_a, reas_b),
            (names_a, names_b),
            pairs,
            batches,
            todo,
            record,
            num_cpus=num_cpus,
            address=address,
        )
    else:
        for k in todo:
            run_here(k)
    bar.close()

    matrix, status = assemble(metric, pairs, values, pair_reasons, n_a, n_b, reas_a)
    return Result(
        metric,
        matrix,
        status,
        nets_a,
        nets_b,
        selection,
        "ray" if use_ray else "inprocess",
        other_selection if other_selection != selection else None,
    )


def compute_over_learning(
    metric: Metric | str,
    sources: Sources,
    progress_points: Sequence[float],
    *,
    reference: Sources | None = None,
    selection: Selection | None = None,
    **kwargs: Any,
) -> xr.Dataset:
    """Distance matrices over learning, stacked along a ``progress`` dimension.

    Without ``reference``: all networks versus all, each at the checkpoint nearest to the same
    fraction of its own training (networks are matched by training progress, not by step).
    With ``reference``: every network at each progress point versus the reference networks at
    the checkpoint ``selection`` names (default: their final one) — e.g. each network's
    learning trajectory against its own trained state or against a ``master`` group.
    Other keywords go to :func:`compute`; a ``partial_dir`` gets one subdirectory per point
    (``progress<p>``), so each point resumes its own batches.
    """
    base = selection or Selection()
    partial_dir = kwargs.pop("partial_dir", None)
    matrices = []
    for point in progress_points:
        at_point = replace(base, checkpoint=float(point))
        if partial_dir is not None:
            kwargs["partial_dir"] = Path(partial_dir) / f"progress{float(point)!r}"
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


# -- assembly ------------------------------------------------------------------------------------
# Labels that are always strings (variable-length, object arrays), whatever their values;
# grid hyperparameters with numeric values become numeric coordinates (NaN where missing).
_STRING_LABELS = (*NETWORK_LABELS, "status", "variant")


def _label_coords(nets_a: list[Network], nets_b: list[Network]) -> dict[str, Any]:
    """``<label>_a``/``<label>_b`` coordinates from the networks' store labels."""
    coords: dict[str, Any] = {}
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
    return coords


def to_dataset(result: Result) -> xr.Dataset:
    """The matrix as :func:`compute` returns it: variables ``distance`` and ``status``."""
    nets_a, nets_b = result.nets_a, result.nets_b or result.nets_a
    coords: dict[str, Any] = {
        "model_a": np.array([n.name for n in nets_a], dtype=object),
        "model_b": np.array([n.name for n in nets_b], dtype=object),
        **_label_coords(nets_a, nets_b),
    }
    attrs = {
        **result.metric.attrs(),
        "symmetric": int(result.metric.symmetric),
        "direction": "distance (0 = identical)",
        # How the numbers were computed: every compare-time setting that changes them (the
        # metric's parameters above, the selection here), so that a stored matrix says so.
        **result.selection.attrs(),
        "backend": result.backend,
        "dynsim_version": dynsim.__version__,
    }
    if result.other_selection is not None:
        # model_b's networks were read with another selection (a reference set).
        attrs.update({f"{k}_b": v for k, v in result.other_selection.attrs().items()})
    return xr.Dataset(
        {
            "distance": (("model_a", "model_b"), result.matrix),
            "status": (("model_a", "model_b"), result.status.astype(object)),
        },
        coords=coords,
        attrs=attrs,
    )


def to_dataarray(result: Result) -> xr.DataArray:
    """The matrix as :func:`dynsim.metrics.pairwise` returns it: a DataArray named after the
    metric with a ``status`` coordinate (and, for stores, the label coordinates)."""
    nets_a, nets_b = result.nets_a, result.nets_b or result.nets_a
    matrix = xr.DataArray(
        result.matrix,
        dims=("model_a", "model_b"),
        coords={"model_a": [n.name for n in nets_a], "model_b": [n.name for n in nets_b]},
        name=result.metric.name,
        attrs={**result.metric.attrs(), "direction": "distance (0 = identical)"},
    )
    # Added after construction, in the same order as before: the DataArray constructor
    # deep-copies its coordinates, which for the (n_a, n_b) object array of status strings
    # is one Python call per entry (~0.02 s of a 300-network CKA run's ~0.2 s). The status
    # array is this run's own (from ``assemble``), so sharing it copies nothing the caller
    # could see changed.
    return matrix.assign_coords(
        {
            "status": (("model_a", "model_b"), result.status),
            **_label_coords(nets_a, nets_b),
        }
    )
