"""`dynsim compare` as a library call: activity files in, a matrix file out."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from dynsim.pairwise.engine import compute, compute_over_learning
from dynsim.pairwise.selection import Selection
from dynsim.raysession import job_session
from dynsim.store import atomic_write_zarr, open_zarr_dataset


def compare_files(
    paths: Sequence[str | os.PathLike[str]],
    metric: str,
    *,
    var: str = "hidden",
    dims: str = "trial,time,unit",
    selection: Selection | None = None,
    metric_params: dict[str, Any] | None = None,
    over_learning: Sequence[float] | None = None,
    out: str | os.PathLike[str] | None = None,
    partial_dir: str | os.PathLike[str] | None = None,
    **engine: Any,
) -> xr.Dataset:
    """Compare the networks in ``paths`` (see :func:`open_sources`) with ``metric`` and,
    when ``out`` is given, write the matrix there (``.nc``: NetCDF, else a Zarr store written
    atomically) and then delete ``partial_dir`` (the matrix is complete).

    over_learning : training-progress fractions → :func:`compute_over_learning` (one matrix
        per fraction on a ``progress`` dim; no partial results), else :func:`compute`. The
        runs share one Ray session when they use Ray (:func:`~dynsim.raysession.job_session`).
    engine : ``backend``, ``batch_size``, ``num_cpus``, ``ray_address``, ``progress``.
    Raises FileNotFoundError or ValueError naming the file or option at fault.
    """
    sources = open_sources([Path(p) for p in paths], var, dims)
    common = {"selection": selection, "metric_params": metric_params, **engine}
    with job_session():  # one Ray session for all the job's runs, not one per progress point
        if over_learning:
            result = compute_over_learning(metric, sources, list(over_learning), **common)
        else:
            result = compute(metric, sources, partial_dir=partial_dir, **common)
    # Which variable of the inputs was compared (a foreign file's ``var``; a dynsim store's
    # hidden state): part of how the numbers were computed, as the selection is.
    result.attrs["variable"] = var
    if out is not None:
        out = Path(out)
        if out.suffix == ".nc":
            out.parent.mkdir(parents=True, exist_ok=True)
            result.to_netcdf(out)
        else:
            atomic_write_zarr(result, out)
        if partial_dir is not None:
            shutil.rmtree(partial_dir, ignore_errors=True)
    return result


#: The dims an activity input may have: the engine's (trial, time, unit), trial optional,
#: and a checkpoint dim that the selection (``--checkpoint``) picks from.
ACTIVITY_DIMS = ("checkpoint", "trial", "time", "unit")


def open_sources(paths: Sequence[Path], var: str = "hidden", dims: str = "trial,time,unit"):
    """Sources for the engine from files: a dynsim activation store stays a path (read by the
    engine with its selection); a .npy, .nc or foreign Zarr file becomes a DataArray of the
    variable ``var`` — the engine applies the selection to it as to a dynsim store (its
    ``checkpoint`` dim or label, ``epoch`` and trial coordinates; an input without them
    refuses any selection but the default). Raises FileNotFoundError or ValueError naming
    the file (and ``--dims``/``--var`` when its dims are not activity dims)."""
    sources: list[Any] = []
    for path in map(Path, paths):
        is_network = path.suffix == ".zarr" and (path / "zarr.json").exists() and var == "hidden"
        if is_network and is_dynsim_store(path):
            sources.append(path)
        else:
            sources.append(open_activity(path, var, dims))
    return sources


def parse_dims(dims: str) -> tuple[str, ...]:
    """The axis names of ``--dims`` (comma-separated). Raises ValueError naming ``--dims``
    unless they are distinct names among checkpoint, trial, time, unit with time and unit."""
    names = tuple(d.strip() for d in dims.split(","))
    unknown = [d for d in names if d not in ACTIVITY_DIMS]
    if unknown or len(set(names)) != len(names) or not {"time", "unit"} <= set(names):
        raise ValueError(
            f"--dims {dims!r}: "
            + (f"unknown axis name(s) {unknown}; " if unknown else "")
            + ("names repeat; " if len(set(names)) != len(names) else "")
            + f"use distinct names among {', '.join(ACTIVITY_DIMS)}, with time and unit "
            f"(e.g. trial,time,unit or time,unit)"
        )
    return names


def open_activity(path: Path, var: str, dims: str) -> xr.DataArray:
    """Activity from a .npy / .nc / foreign .zarr file as a DataArray with named dims
    (``dims``: the comma-separated axis order of a .npy file), its path in ``attrs["source"]``
    (errors of the selection name it). Raises FileNotFoundError naming a missing file and
    ValueError naming the file and ``--dims`` or ``--var`` when the axes are not activity
    axes (see :data:`ACTIVITY_DIMS`) — before any work, instead of a row of NaN."""
    if not path.exists():
        raise FileNotFoundError(f"input not found: {path}")
    if path.suffix == ".npy":
        names = parse_dims(dims)
        arr = np.load(path)
        if len(names) != arr.ndim:
            raise ValueError(
                f"{path}: array has {arr.ndim} axes but --dims ({','.join(names)}, the "
                f"default unless given) names {len(names)}; give the array's axis order, "
                "e.g. --dims time,unit"
            )
        activity = xr.DataArray(arr, dims=names, name=path.stem)
    else:
        try:
            if path.suffix in (".nc", ".h5", ".netcdf"):
                dataset = xr.open_dataset(path)
            else:  # a truncated or corrupt chunk read later names the store and the chunk
                dataset = open_zarr_dataset(path, kind="input")
        except (OSError, ValueError, KeyError) as err:
            raise ValueError(f"{path}: cannot be read as NetCDF/Zarr: {err}") from err
        if var not in dataset:
            raise ValueError(f"{path}: no variable {var!r} (has {list(dataset.data_vars)})")
        activity = dataset[var].rename(path.stem)
        unknown = [d for d in activity.dims if d not in ACTIVITY_DIMS]
        if unknown or not {"time", "unit"} <= set(activity.dims):
            raise ValueError(
                f"{path}: variable {var!r} (--var) has dims {tuple(activity.dims)}; "
                f"activity needs 'time' and 'unit' and may have only "
                f"{', '.join(ACTIVITY_DIMS)}"
            )
    activity.attrs["source"] = str(path)
    return activity


def is_dynsim_store(path: Path) -> bool:
    """Whether a Zarr store was written by dynsim (its root attributes say so)."""
    try:
        meta = json.loads((path / "zarr.json").read_text())
    except (OSError, json.JSONDecodeError):
        return True  # let open_network report the damage with the file name
    return "dynsim_version" in meta.get("attributes", {})
