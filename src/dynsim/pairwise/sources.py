"""Where the engine's networks come from: naming, reading stores and files, input identity.

A *source* is a path to a dynsim activation store (read lazily, one at a time, so memory
holds only the prepared objects) or in-memory activity (an array (trial, time, unit) or a
DataArray with those dims), optionally given as a mapping name → source. The same naming
rules serve :func:`dynsim.pairwise.compute` and :func:`dynsim.metrics.pairwise`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from dynsim.pairwise.core import OK
from dynsim.pairwise.selection import Selection, SelectionError
from dynsim.store import StoreError, network_key, network_labels, open_network

# Files of a Zarr store that describe it (hashed by content); every other file is a chunk
# (identified by size and modification time, which a rebuild changes, without reading it).
_ZARR_METADATA = frozenset({"zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"})


@dataclass
class Network:
    """One network of a pairwise run: its name, where its activity comes from, its labels
    (matrix coordinates) and, once read, its store key and input identity."""

    name: str
    source: Any
    labels: dict[str, Any] = field(default_factory=dict)
    named: bool = False  # the caller named it (a mapping's key): never renamed
    key: str | None = None  # the network's key from its store's metadata, once read
    identity: dict[str, Any] = field(default_factory=dict)  # for the resume plan, once read


def networks(sources: Sequence[Any] | Mapping[str, Any]) -> list[Network]:
    """The networks of one set, provisionally named (see :func:`finalise_names`)."""
    if isinstance(sources, Mapping):
        return [Network(str(name), src, named=True) for name, src in sources.items()]
    return [Network(_default_name(src, k), src) for k, src in enumerate(sources)]


def is_path(source: Any) -> bool:
    return isinstance(source, (str, os.PathLike))


def _default_name(source: Any, index: int) -> str:
    """A name before the source is read: for a path, its last four parts (the workflow's
    ``task/arch/regime/seedK`` layout; replaced by the store's own key once it is read)."""
    if is_path(source):
        return "/".join(Path(source).with_suffix("").parts[-4:])
    name = getattr(source, "name", None)
    return name if isinstance(name, str) and name else f"model{index}"


def finalise_names(nets: list[Network]) -> None:
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
    paths = [str(Path(n.source).with_suffix("")) if is_path(n.source) else None for n in nets]
    if all(paths) and len(set(paths)) == len(paths):
        for net, path in zip(nets, paths, strict=True):
            net.name = path
    else:
        for k, net in enumerate(nets):
            net.name = f"model{k}"


def read(network: Network, selection: Selection, *, identify: bool = False) -> tuple[Any, str]:
    """The activity to prepare for ``network`` — ``(activity, "")``, or ``(None, reason)`` for
    a store whose network diverged — setting the network's labels, key and (with
    ``identify``, for the resume plan) identity.

    A store is opened, labelled from its metadata and cut by ``selection``. In-memory
    activity that is a DataArray is cut by ``selection`` too (its ``checkpoint`` dim, epoch
    and trial labels, as for a store: :meth:`Selection.select`); a plain array is used as
    given, and only under the default selection — any other selection cannot apply to it.
    Raises :class:`StoreError` naming the store when it is missing, corrupt or the selection
    does not fit it, and ValueError naming the network when a selection does not fit its
    in-memory activity: a broken input is an error, not a NaN row.
    """
    source = network.source
    if not is_path(source):
        activity = _select_in_memory(network, selection)
        if identify:
            network.identity = {"data": content_digest(activity)}
        return activity, OK
    try:
        dataset = open_network(source)
        network.key = network_key(dataset)
        labels = network_labels(dataset)
        labels["status"] = dataset.attrs.get("status", "")
        labels["accuracy"] = float(dataset["accuracy"].isel(checkpoint=-1))
        activity = selection.apply(dataset, source=str(source)).load()
    except (StoreError, ValueError, KeyError) as err:
        raise StoreError(str(err)) from err
    network.labels = labels
    if identify:
        network.identity = {
            "path": str(Path(source).absolute()),
            "store": store_identity(source),
            "data": content_digest(activity),
        }
    if labels["status"] == "diverged":
        return None, "network diverged during training"
    return activity, OK


def _select_in_memory(network: Network, selection: Selection) -> Any:
    """In-memory activity cut by ``selection`` (see :func:`read`)."""
    source = network.source
    where = source.attrs.get("source") if isinstance(source, xr.DataArray) else None
    where = where or f"network {network.name!r}"
    if isinstance(source, xr.DataArray):
        return selection.select(source, source=where)
    if not selection.is_default():
        default = Selection()
        field = next(f for f in selection.to_dict() if getattr(selection, f) != getattr(default, f))
        raise SelectionError(
            field,
            f"{where}: a plain array has no checkpoint, epoch or trial labels, so the "
            f"selection {selection.to_dict()} cannot apply to it (give a DataArray with "
            f"those dims and coordinates, or the default selection)",
        )
    return source


def store_identity(path: str | os.PathLike[str]) -> str:
    """A digest that changes whenever a Zarr store is rebuilt: its metadata files' contents
    and every chunk file's relative path, size and modification time (ns). Chunks are not
    read, so this costs one ``stat`` per file."""
    root = Path(path)
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            file = Path(dirpath) / name
            rel = file.relative_to(root).as_posix()
            if name in _ZARR_METADATA:
                digest.update(f"M {rel} ".encode() + file.read_bytes())
            else:
                stat = file.stat()
                digest.update(f"C {rel} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def content_digest(activity: Any) -> str:
    """SHA-256 of in-memory activity: dims (for a DataArray), dtype, shape and bytes of every
    array (recursively for a list of trials)."""
    digest = hashlib.sha256()
    _feed(digest, activity)
    return digest.hexdigest()


def _feed(digest: Any, x: Any) -> None:
    if isinstance(x, xr.DataArray):
        digest.update(json.dumps(["dims", [str(d) for d in x.dims]]).encode())
        _feed(digest, x.values)
    elif isinstance(x, (list, tuple)):
        digest.update(f"[{len(x)}".encode())
        for item in x:
            _feed(digest, item)
    elif isinstance(x, np.ndarray) or hasattr(x, "__array__"):
        arr = np.ascontiguousarray(np.asarray(x))
        digest.update(f"{arr.dtype.str}{arr.shape}".encode())
        if arr.dtype.hasobject:
            digest.update(repr(arr.tolist()).encode())
        else:
            digest.update(arr.data)
    else:
        digest.update(repr(x).encode())
