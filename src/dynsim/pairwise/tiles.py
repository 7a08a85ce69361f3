"""A pairwise matrix computed as tiles — blocks of ``model_a`` × ``model_b``, each its own job —
and merged into the same store as one untiled run (bit for bit).

The networks (in the order of the input list) are cut into consecutive blocks of
``tile_size``; tile (r, c) compares block r with block c. A symmetric metric needs only the
tiles on and above the diagonal (r ≤ c); the merge mirrors the others. A diagonal tile is the
engine run on one block (one set: diagonal 0, the pairs i < j, or i ≠ j for an asymmetric
metric), an off-diagonal tile the engine run on two sets (every pair): the pairs are exactly
those of the untiled run, each computed by the same code from the same prepared networks, so
values and reasons (NaN + the reason naming the network or pair) are the same.

Each tile is a store of the same format as a matrix, plus the attributes :data:`TILE_ATTRS`,
so a killed or failed tile is rerun alone (by Snakemake: its output is missing) and the merge
(:func:`merge_tiles`) refuses an incomplete or mismatched set, naming the tile files.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import xarray as xr

from dynsim.pairwise.engine import _label_coords, compute
from dynsim.pairwise.files import open_sources
from dynsim.pairwise.selection import Selection
from dynsim.store import atomic_write_zarr, open_matrix

#: Attributes a tile store adds to a matrix store's (removed by the merge).
TILE_ATTRS = ("tile_row", "tile_col", "tile_size", "n_networks")
_TILE_FILE = re.compile(r"^tile(\d+)_(\d+)\.zarr$")


def blocks(n_networks: int, tile_size: int) -> list[range]:
    """Consecutive index ranges of at most ``tile_size`` networks covering ``range(n)``.
    Raises ValueError unless ``tile_size`` ≥ 1."""
    if isinstance(tile_size, bool) or not isinstance(tile_size, int) or tile_size < 1:
        raise ValueError(f"tile size must be a positive integer, got {tile_size!r}")
    return [range(s, min(s + tile_size, n_networks)) for s in range(0, n_networks, tile_size)]


def tiles(n_networks: int, tile_size: int, symmetric: bool) -> list[tuple[int, int]]:
    """The (row, column) block indices of every tile to compute: r ≤ c for a symmetric
    metric (the merge mirrors the rest), every (r, c) otherwise. With B blocks that is
    B(B+1)/2 or B² tiles."""
    n = len(blocks(n_networks, tile_size))
    return [(r, c) for r in range(n) for c in range(n) if not symmetric or r <= c]


def tile_file(row: int, col: int) -> str:
    """The file name of tile (row, col) in a tile directory."""
    return f"tile{row:04d}_{col:04d}.zarr"


def read_list(path: str | os.PathLike[str]) -> list[Path]:
    """The input paths listed in a file, one per line (blank lines and ``#`` comments
    skipped; relative paths are relative to the current directory, as on a command line).
    Raises FileNotFoundError naming a missing file, ValueError naming an empty one."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"input list not found: {path}")
    lines = [line.strip() for line in path.read_text().splitlines()]
    paths = [Path(line) for line in lines if line and not line.startswith("#")]
    if not paths:
        raise ValueError(f"{path}: the input list names no file")
    return paths


def compare_tile(
    paths: Sequence[str | os.PathLike[str]],
    metric: str,
    tile: tuple[int, int],
    tile_size: int,
    *,
    var: str = "hidden",
    dims: str = "trial,time,unit",
    selection: Selection | None = None,
    metric_params: dict[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    partial_dir: str | os.PathLike[str] | None = None,
    **engine: Any,
) -> xr.Dataset:
    """Tile ``tile`` = (r, c) of the matrix of all ``paths`` (block r of the networks against
    block c, see :func:`blocks`), with the attributes :data:`TILE_ATTRS`; written to ``out``
    (a Zarr store, atomically; ``partial_dir`` deleted then) when given.

    engine : ``backend``, ``batch_size``, ``num_cpus``, ``ray_address``, ``progress`` (as
        :func:`~dynsim.pairwise.engine.compute`).
    Raises ValueError naming the tile when it is out of range, or below the diagonal of a
    symmetric metric (those values come from tile (c, r)); the engine's errors otherwise.
    """
    from dynsim.pairwise.engine import make_metric

    row, col = tile
    spans = blocks(len(paths), tile_size)
    if not (0 <= row < len(spans) and 0 <= col < len(spans)):
        raise ValueError(
            f"tile {row},{col}: {len(paths)} networks in tiles of {tile_size} have "
            f"{len(spans)} row and column blocks (0..{len(spans) - 1})"
        )
    metric_obj = make_metric(metric, metric_params)
    if metric_obj.symmetric and row > col:
        raise ValueError(
            f"tile {row},{col}: {metric} is symmetric, so only tiles with row <= column are "
            f"computed (this one is tile {col},{row} mirrored)"
        )
    paths = [Path(p) for p in paths]
    rows = open_sources([paths[k] for k in spans[row]], var, dims)
    cols = None if row == col else open_sources([paths[k] for k in spans[col]], var, dims)
    result = compute(
        metric_obj, rows, cols, selection=selection, partial_dir=partial_dir, **engine
    )
    result.attrs.update(tile_row=row, tile_col=col, tile_size=tile_size, n_networks=len(paths))
    if out is not None:
        atomic_write_zarr(result, out)
        if partial_dir is not None:
            shutil.rmtree(partial_dir, ignore_errors=True)
    return result


def merge_tiles(
    directory: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> xr.Dataset:
    """The full matrix from the tile stores ``directory/tile<r>_<c>.zarr``: the same
    variables, coordinates and attributes as one untiled run of
    :func:`~dynsim.pairwise.engine.compute` over all networks (``backend`` lists the tiles'
    backends when they differ), written to ``out`` atomically when given.

    Raises ValueError naming the directory and the tile files that are missing, extra, or
    of another run (metric, parameters, selection, tile size or network count differ), and
    :class:`~dynsim.store.StoreError` naming a tile store that cannot be read.
    """
    directory = Path(directory)
    found: dict[tuple[int, int], Path] = {}
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            match = _TILE_FILE.match(path.name)
            if match:
                found[int(match[1]), int(match[2])] = path
    if not found:
        raise ValueError(f"{directory}: no tile stores (tile<row>_<col>.zarr) to merge")
    loaded = {key: open_matrix(path) for key, path in found.items()}

    first = next(iter(loaded.values()))
    try:
        size, n = int(first.attrs["tile_size"]), int(first.attrs["n_networks"])
        symmetric = bool(first.attrs["symmetric"])
    except KeyError as err:
        raise ValueError(f"{found[next(iter(loaded))]}: not a tile store (no {err})") from None
    # Everything but the backend and the tile's own position must agree.
    run_attrs = {k: v for k, v in first.attrs.items() if k not in ("backend", *TILE_ATTRS[:2])}
    for key, tile in loaded.items():
        attrs = {k: v for k, v in tile.attrs.items() if k not in ("backend", *TILE_ATTRS[:2])}
        if attrs != run_attrs or (tile.attrs.get("tile_row"), tile.attrs.get("tile_col")) != key:
            differ = sorted(k for k in {*attrs, *run_attrs} if attrs.get(k) != run_attrs.get(k))
            raise ValueError(
                f"{found[key]}: a tile of another run than {found[next(iter(loaded))].name} "
                f"(differs in {differ or ['its position']}); delete the stale tiles and rerun"
            )
    expected = tiles(n, size, symmetric)
    missing = [tile_file(*t) for t in expected if t not in loaded]
    extra = [found[t].name for t in loaded if t not in set(expected)]
    if missing or extra:
        raise ValueError(
            f"{directory}: {n} networks in tiles of {size} need {len(expected)} tile stores; "
            + (f"missing {_some(missing)}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"not of this layout: {_some(extra)}" if extra else "")
        )

    spans = blocks(n, size)
    names = np.concatenate([loaded[r, r]["model_a"].values for r in range(len(spans))])
    if len(set(names)) != len(names):
        raise ValueError(
            f"{directory}: network names repeat across tiles; tiles need networks with "
            "distinct names (e.g. the workflow's task/arch/regime/seed keys)"
        )
    distance = np.full((n, n), np.nan)
    status = np.full((n, n), "", dtype=object)
    for (r, c), tile in loaded.items():
        block = (slice(spans[r].start, spans[r].stop), slice(spans[c].start, spans[c].stop))
        distance[block] = tile["distance"].values
        status[block] = tile["status"].values
        if symmetric and r != c:  # the mirrored tile below the diagonal
            distance[block[::-1]] = tile["distance"].values.T
            status[block[::-1]] = tile["status"].values.T

    # The label coordinates as the engine makes them over all networks at once (a label's
    # type — numeric, or float with NaN where missing — depends on every network).
    nets = [
        SimpleNamespace(labels=_labels(loaded[r, r], "a", k))
        for r in range(len(spans))
        for k in range(len(spans[r]))
    ]
    backends = sorted({str(t.attrs.get("backend", "")) for t in loaded.values()})
    attrs = {k: v for k, v in first.attrs.items() if k not in TILE_ATTRS}
    attrs["backend"] = "+".join(backends)
    merged = xr.Dataset(
        {
            "distance": (("model_a", "model_b"), distance),
            "status": (("model_a", "model_b"), status),
        },
        coords={
            "model_a": np.array(names, dtype=object),
            "model_b": np.array(names, dtype=object),
            **_label_coords(nets, nets),
        },
        attrs=attrs,
    )
    if out is not None:
        atomic_write_zarr(merged, out)
    return merged


def _labels(tile: xr.Dataset, side: str, k: int) -> dict[str, Any]:
    """Network k's labels from a tile's ``<label>_<side>`` coordinates, as the engine read
    them from its store. NaN is what the engine fills in for a numeric label a network lacks:
    dropped (the engine fills it in again). "" stays: a store's missing standard label is
    already "" when read (:func:`dynsim.store.network_labels`)."""
    labels = {}
    for name, coord in tile.coords.items():
        if not name.endswith(f"_{side}") or name == f"model_{side}":
            continue
        value = coord.values[k]
        value = value.item() if isinstance(value, np.generic) else value
        if isinstance(value, float) and np.isnan(value):
            continue
        labels[name[: -len(side) - 1]] = value
    return labels


def _some(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


__all__ = [
    "TILE_ATTRS",
    "blocks",
    "compare_tile",
    "merge_tiles",
    "read_list",
    "tile_file",
    "tiles",
]
