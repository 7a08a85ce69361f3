"""A pairwise matrix computed as tiles — each its own job — and merged into the same store as
one untiled run, bit for bit.

Why tiles are made of the untiled run's batches: a batched metric computes a batch of pairs
as one matrix product over the networks the batch involves (e.g. CKA's
:func:`~dynsim.metrics.base.pair_inner_products`), and the rounding of a product depends on
its shape; the same pair computed in another batch can differ in the last bit (measured: 1
ulp for CKA on 4 networks, blocks of 3 against 1). So a tile recomputes exactly the batches
the untiled engine would: the pair plan of :func:`~dynsim.pairwise.engine.compute` (all pairs
of the networks, row-major, reordered by :func:`~dynsim.pairwise.core.tiled` into
√batch × √batch blocks of ``model_a`` × ``model_b``, cut into batches of ``batch_size``) is
split into runs of consecutive batches, one per tile. A tile is therefore a block (a strip of
those √batch × √batch blocks) of the matrix, and it reads and prepares only the networks its
pairs involve. :func:`merge_tiles` assembles the batches with the engine's own
:func:`~dynsim.pairwise.core.assemble` and :func:`~dynsim.pairwise.engine.to_dataset`.

A tile is one ``.npz`` file (written atomically): its batches' values and reasons, the
networks it read (names, labels, failure reasons) and the run it belongs to. A killed tile
leaves no file, so Snakemake reruns it alone; the merge refuses, naming them, tiles that are
missing or of another run.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

import dynsim
from dynsim.pairwise.core import (
    assemble,
    batches_of,
    compare_pairs,
    network_reason,
    prepare_one,
)
from dynsim.pairwise.engine import Result, make_metric, to_dataset
from dynsim.pairwise.files import open_sources
from dynsim.pairwise.selection import Selection
from dynsim.pairwise.sources import Network, finalise_names, networks, read
from dynsim.raysession import resolve_address, should_use_ray
from dynsim.store import atomic_write_zarr

_TILE_FILE = re.compile(r"^tile(\d+)\.npz$")


def n_pairs(n_networks: int, symmetric: bool) -> int:
    """Pairs the engine computes for one set of ``n_networks``: n(n−1)/2, or n(n−1)."""
    return n_networks * (n_networks - 1) // (2 if symmetric else 1)


def n_tiles(n_networks: int, symmetric: bool, batch_size: int, tile_pairs: int) -> int:
    """How many tiles of at least ``tile_pairs`` pairs (rounded up to whole batches of
    ``batch_size``) cover the matrix; at least one. Raises ValueError unless both sizes are
    positive integers."""
    for name, value in (("tile_pairs", tile_pairs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    per_tile = math.ceil(tile_pairs / batch_size)
    n_batches = math.ceil(n_pairs(n_networks, symmetric) / batch_size)
    return max(1, math.ceil(n_batches / per_tile))


def tile_file(tile: int) -> str:
    """The file name of tile ``tile`` in a tile directory."""
    return f"tile{tile:05d}.npz"


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


def planned_pairs(n: int, symmetric: bool, batch_size: int, start: int, stop: int) -> np.ndarray:
    """The engine's pairs ``start:stop`` — ``tiled(plan_pairs(n, None, symmetric),
    batch_size)[start:stop]`` (:mod:`dynsim.pairwise.core`) — without forming all n² pairs:
    a tile of a 10,000-network matrix builds only the block rows it touches.

    The engine's order (:func:`~dynsim.pairwise.core.tiled` of the row-major plan, t =
    ⌊√batch_size⌋) sorts pairs (i, j) by i // t, then j // t, then i, then j: block row by
    block row, each a contiguous run. A block row holds the pairs with i in [It, It + t):
    j > i for a symmetric metric on one set, j ≠ i otherwise.
    """
    t = max(1, int(np.sqrt(batch_size)))
    firsts = np.arange(0, n, t)
    sizes = np.minimum(firsts + t, n) - firsts
    if symmetric:  # Σ over i in the block of (n − 1 − i)
        counts = sizes * (n - 1) - (firsts * sizes + sizes * (sizes - 1) // 2)
    else:
        counts = sizes * (n - 1)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    if stop <= start:
        return np.zeros((0, 2), np.int64)
    rows = []
    first_row = int(np.searchsorted(bounds, start, side="right")) - 1
    last_row = int(np.searchsorted(bounds, stop - 1, side="right")) - 1
    for row in range(first_row, last_row + 1):
        i, j = np.meshgrid(
            np.arange(firsts[row], firsts[row] + sizes[row]), np.arange(n), indexing="ij"
        )
        keep = j > i if symmetric else j != i
        block_row = np.stack([i[keep], j[keep]], axis=1).astype(np.int64)
        order = np.lexsort((block_row[:, 1], block_row[:, 0], block_row[:, 1] // t))
        rows.append(block_row[order])
    joined = np.concatenate(rows)
    offset = int(bounds[first_row])
    return joined[start - offset : stop - offset]


def compare_tile(
    paths: Sequence[str | os.PathLike[str]],
    metric: str,
    tile: int,
    tile_pairs: int,
    *,
    var: str = "hidden",
    dims: str = "trial,time,unit",
    selection: Selection | None = None,
    metric_params: dict[str, Any] | None = None,
    batch_size: int = 512,
    backend: str = "auto",
    num_cpus: int | None = None,
    ray_address: str | None = None,
    out: str | os.PathLike[str] | None = None,
    **_: Any,
) -> dict[str, Any]:
    """Tile ``tile`` of the matrix of all ``paths`` for ``metric`` (see the module): its
    batches computed in this process, or as Ray tasks when a cluster is named or
    ``backend="ray"`` (:func:`~dynsim.raysession.should_use_ray`), and written to ``out``
    (``.npz``, atomically) when given. Returns the tile's content (see :func:`merge_tiles`).

    Raises ValueError naming the tile when it is out of range, and the engine's errors
    (unknown metric or parameter, :class:`~dynsim.store.StoreError` naming a store).
    """
    metric_obj = make_metric(metric, metric_params)
    if backend not in ("auto", "inprocess", "ray"):
        raise ValueError(f"backend must be 'auto', 'inprocess' or 'ray', got {backend!r}")
    selection = selection or Selection()
    n, symmetric = len(paths), metric_obj.symmetric
    count = n_tiles(n, symmetric, batch_size, tile_pairs)
    if isinstance(tile, bool) or not isinstance(tile, int) or not 0 <= tile < count:
        raise ValueError(
            f"tile {tile!r}: {n} networks ({n_pairs(n, symmetric)} pairs, batches of "
            f"{batch_size}) in tiles of {tile_pairs} pairs have tiles 0..{count - 1}"
        )
    # This tile's batches of the engine's plan (batch k: pairs [k·batch_size, …)).
    total = n_pairs(n, symmetric)
    per_tile = math.ceil(tile_pairs / batch_size) * batch_size
    start, stop = min(tile * per_tile, total), min((tile + 1) * per_tile, total)
    positions = np.arange(start, stop, dtype=np.int64)
    pairs = planned_pairs(n, symmetric, batch_size, start, stop)
    # Its batches, as positions in this tile (start is a whole number of batches).
    local_batches = [b - start for b in batches_of(stop, batch_size)[start // batch_size :]]
    # The networks this tile's pairs involve (every network, when there is no pair at all).
    used = np.unique(pairs) if len(pairs) else np.arange(n)

    nets = networks(open_sources([Path(paths[int(g)]) for g in used], var, dims))
    prepared, raw = [], []
    for net in nets:
        activity, reason = read(net, selection)
        p = None
        if reason == "":
            p, reason = prepare_one(metric_obj, activity)
        prepared.append(p)
        raw.append(reason)
    finalise_names(nets)
    reasons = [network_reason(net.name, r) for net, r in zip(nets, raw, strict=True)]
    names = [net.name for net in nets]
    # Global indices → this tile's; np.unique keeps their order, so every batch stacks the
    # same networks in the same order as in the untiled run (the same products, same bits).
    local_pairs = np.searchsorted(used, pairs).astype(np.int64)

    values = np.full(len(positions), np.nan)
    pair_reasons = [""] * len(positions)

    def record(b: int, result: tuple[np.ndarray, list[str]]) -> None:
        values[local_batches[b]] = result[0]
        for pos, r in zip(local_batches[b], result[1], strict=True):
            pair_reasons[pos] = r

    address = resolve_address(ray_address)
    use_ray = bool(local_batches) and should_use_ray(backend, address)
    if use_ray:
        from dynsim.pairwise.ray_backend import run_on_ray

        run_on_ray(
            metric_obj,
            (prepared, prepared),
            (reasons, reasons),
            (names, names),
            local_pairs,
            local_batches,
            list(range(len(local_batches))),
            record,
            num_cpus=num_cpus,
            address=address,
        )
    else:
        for b, idx in enumerate(local_batches):
            record(
                b,
                compare_pairs(
                    metric_obj, prepared, prepared, reasons, reasons, local_pairs[idx], names, names
                ),
            )
    content = {
        "run": json.dumps(
            {
                "metric": metric,
                "params": metric_params or {},
                "attrs": metric_obj.attrs(),
                "selection": selection.to_dict(),
                "variable": var,
                "n_networks": n,
                "batch_size": batch_size,
                "tile_pairs": tile_pairs,
                "n_tiles": count,
                "dynsim_version": dynsim.__version__,
            },
            sort_keys=True,
        ),
        "tile": tile,
        "backend": "ray" if use_ray else "inprocess",
        "positions": positions,
        "pairs": pairs,
        "values": values,
        "reasons": np.asarray(pair_reasons, dtype=str),
        "networks": used.astype(np.int64),
        "names": np.asarray(names, dtype=str),
        "labels": np.asarray([json.dumps(net.labels, sort_keys=True) for net in nets], dtype=str),
        "network_reasons": np.asarray(raw, dtype=str),
    }
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp.npz")  # renamed: never half a tile in place
        np.savez(tmp, **content)
        os.replace(tmp, out)
    return content


def merge_tiles(
    directory: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> xr.Dataset:
    """The full matrix from the tiles ``directory/tile<k>.npz`` of one run: the Dataset an
    untiled :func:`~dynsim.pairwise.engine.compute` of the same networks returns — the same
    values (bit for bit), statuses (NaN + reason), label coordinates and attributes
    (``backend`` lists the tiles' backends when they differ) — written to ``out`` (Zarr,
    atomically) when given.

    Raises ValueError naming the directory and the tile files that are missing, unreadable
    or of another run (metric, parameters, selection, variable, inputs' count, batching
    differ), and the settings that differ, down to the one (``selection.time_normalize``).
    """
    directory = Path(directory)
    found = {}
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            match = _TILE_FILE.match(path.name)
            if match:
                found[int(match[1])] = path
    if not found:
        raise ValueError(f"{directory}: no tiles (tile<k>.npz) to merge")
    tiles = {}
    for k, path in found.items():
        try:
            with np.load(path) as data:
                tiles[k] = {name: data[name] for name in data.files}
            run = json.loads(str(tiles[k]["run"]))
        except (OSError, ValueError, KeyError) as err:
            raise ValueError(f"{path}: not a readable tile ({err}); delete it and rerun") from err
        tiles[k]["run"] = run
        if int(tiles[k]["tile"]) != k:
            raise ValueError(f"{path}: holds tile {int(tiles[k]['tile'])}, not {k}")
    first = min(tiles)
    run = tiles[first]["run"]
    for k, tile in tiles.items():
        if tile["run"] != run:
            raise ValueError(
                f"{found[k]}: a tile of another run than {found[first].name} (differs in "
                f"{', '.join(_differences(run, tile['run']))}); delete the stale tiles and "
                "rerun"
            )
    missing = [tile_file(k) for k in range(run["n_tiles"]) if k not in tiles]
    extra = [found[k].name for k in tiles if k >= run["n_tiles"]]
    if missing or extra:
        raise ValueError(
            f"{directory}: this run has {run['n_tiles']} tiles; "
            + (f"missing {_some(missing)}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"not of this run: {_some(extra)}" if extra else "")
        )

    metric = make_metric(run["metric"], run["params"])
    n = run["n_networks"]
    total = n_pairs(n, metric.symmetric)
    pairs = np.zeros((total, 2), np.int64)
    values = np.full(total, np.nan)
    reasons = np.full(total, "", dtype=object)
    covered = np.zeros(total, dtype=bool)
    nets: list[Network | None] = [None] * n
    network_reasons = [""] * n
    for tile in tiles.values():
        pos = tile["positions"]
        pairs[pos], values[pos], reasons[pos] = tile["pairs"], tile["values"], tile["reasons"]
        covered[pos] = True
        for g, name, labels, reason in zip(
            tile["networks"], tile["names"], tile["labels"], tile["network_reasons"], strict=True
        ):
            nets[int(g)] = Network(str(name), None, labels=json.loads(str(labels)))
            network_reasons[int(g)] = network_reason(str(name), str(reason))
    if not covered.all() or any(net is None for net in nets):
        raise ValueError(f"{directory}: the tiles do not cover every pair; rerun them")
    names = [net.name for net in nets]
    if len(set(names)) != len(names):
        raise ValueError(
            f"{directory}: network names repeat across tiles; tiles need networks with "
            "distinct names (e.g. the workflow's task/arch/regime/seed keys)"
        )
    matrix, status = assemble(metric, pairs, values, list(reasons), n, None, network_reasons)
    selection = run["selection"]
    backends = sorted({str(t["backend"]) for t in tiles.values()})
    result = Result(
        metric,
        matrix,
        status,
        nets,
        None,
        # The whole selection (trials, average_over, time_normalize too): the merged matrix's
        # provenance attributes are those of the untiled run's.
        Selection.from_dict(selection),
        "+".join(backends),
    )
    merged = to_dataset(result)
    if "variable" in run:  # as compare_files records it (tiles of before it do not say)
        merged.attrs["variable"] = run["variable"]
    if out is not None:
        atomic_write_zarr(merged, out)
    return merged


def _differences(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted names of the entries where two tiles' run records differ, down to the
    setting (``selection.time_normalize``, ``params.rank``), so that a refused merge says
    which setting the stale tiles were computed with."""
    out = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if isinstance(x, dict) and isinstance(y, dict):
            out += _differences(x, y, f"{prefix}{key}.")
        elif x != y:
            out.append(f"{prefix}{key}")
    return out


def _some(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
