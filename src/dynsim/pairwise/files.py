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
from dynsim.store import atomic_write_zarr


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
        per fraction on a ``progress`` dim; no partial results), else :func:`compute`.
    engine : ``backend``, ``batch_size``, ``num_cpus``, ``ray_address``, ``progress``.
    Raises FileNotFoundError or ValueError naming the file or option at fault.
    """
    sources = open_sources([Path(p) for p in paths], var, dims)
    common = {"selection": selection, "metric_params": metric_params, **engine}
    if over_learning:
        result = compute_over_learning(metric, sources, list(over_learning), **common)
    else:
        result = compute(metric, sources, partial_dir=partial_dir, **common)
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


def open_sources(paths: Sequence[Path], var: str = "hidden", dims: str = "trial,time,unit"):
    """Sources for the engine from files: a dynsim activation store stays a path (read by the
    engine with its selection); a .npy, .nc or foreign Zarr file becomes a DataArray of the
    variable ``var`` (its last checkpoint if it has a ``checkpoint`` dim). Raises
    FileNotFoundError or ValueError naming the file."""
    sources: list[Any] = []
    for path in map(Path, paths):
        is_network = path.suffix == ".zarr" and (path / "zarr.json").exists() and var == "hidden"
        if is_network and is_dynsim_store(path):
            sources.append(path)
        else:
            activity = open_activity(path, var, dims)
            if "checkpoint" in activity.dims:
                activity = activity.isel(checkpoint=-1)
            sources.append(activity)
    return sources


def open_activity(path: Path, var: str, dims: str) -> xr.DataArray:
    """Activity from a .npy / .nc / foreign .zarr file as a DataArray with named dims
    (``dims``: the comma-separated axis order of a .npy file)."""
    if not path.exists():
        raise FileNotFoundError(f"input not found: {path}")
    if path.suffix == ".npy":
        arr = np.load(path)
        names = tuple(d.strip() for d in dims.split(","))
        if len(names) != arr.ndim:
            raise ValueError(f"{path}: array has {arr.ndim} axes but --dims names {len(names)}")
        return xr.DataArray(arr, dims=names, name=path.stem)
    opener = xr.open_dataset if path.suffix in (".nc", ".h5", ".netcdf") else xr.open_zarr
    dataset = opener(path)
    if var not in dataset:
        raise ValueError(f"{path}: no variable {var!r} (has {list(dataset.data_vars)})")
    return dataset[var].rename(path.stem)


def is_dynsim_store(path: Path) -> bool:
    """Whether a Zarr store was written by dynsim (its root attributes say so)."""
    try:
        meta = json.loads((path / "zarr.json").read_text())
    except (OSError, json.JSONDecodeError):
        return True  # let open_network report the damage with the file name
    return "dynsim_version" in meta.get("attributes", {})
