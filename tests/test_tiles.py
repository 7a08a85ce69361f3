"""Tiled compare: tiles (the untiled run's batches, blocks of model_a × model_b) merged into
the same store as one untiled run, bit for bit; the merge refuses an incomplete or mixed set
naming the tiles; the CLI (`dynsim compare --tile`, `dynsim merge`) and an input list file."""

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from dynsim.cli import main
from dynsim.pairwise import compare_files
from dynsim.pairwise.core import plan_pairs, tiled
from dynsim.pairwise.tiles import (
    compare_tile,
    merge_tiles,
    n_tiles,
    planned_pairs,
    read_list,
    tile_file,
)
from dynsim.store import atomic_write_zarr, network_dataset
from dynsim.training import NetworkSpec, TrainingConfig, record_activity, train

N_NETWORKS = 7


def template_recording():
    """One real (tiny) recording whose layout the synthetic stores copy."""
    spec = NetworkSpec(
        task="pdm",
        arch="gru",
        seed=0,
        hidden_size=5,
        training=TrainingConfig(max_steps=4, checkpoints=(0.0, 1.0)),
    )
    return record_activity(train(spec), n_repeats=1)


def write_store(recording, info, path, rng):
    """A dynsim activation store at ``path`` with labels ``info`` and random activity."""
    hidden = rng.standard_normal(recording["hidden"].shape).astype(recording["hidden"].dtype)
    return atomic_write_zarr(network_dataset({**recording, "hidden": hidden}, info), path)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Seven dynsim activation stores of random activity (one real recording as template):
    four with a grid label (hidden_size) and three without, one diverged (NaN row)."""
    recording = template_recording()
    root = tmp_path_factory.mktemp("stores")
    rng = np.random.default_rng(14)
    paths = []
    for k in range(N_NETWORKS):
        info = {
            "task": "pdm",
            "arch": "gru",
            "regime": "master",
            "seed": k,
            "status": "diverged" if k == 4 else "ok",
        }
        if k < 4:
            info.update(variant=f"h{5 + k}", grid=json.dumps({"hidden_size": 5 + k}))
        paths.append(write_store(recording, info, root / f"net{k}.zarr", rng))
    return paths


def run_tiles(paths, metric, tile_pairs, directory, batch_size=512, **kw):
    symmetric = metric != "linear_predictivity"
    for k in range(n_tiles(len(paths), symmetric, batch_size, tile_pairs)):
        compare_tile(
            paths,
            metric,
            k,
            tile_pairs,
            out=directory / tile_file(k),
            backend="inprocess",
            batch_size=batch_size,
            **kw,
        )


def assert_bitwise_same(path_a, path_b):
    a, b = xr.open_zarr(path_a).load(), xr.open_zarr(path_b).load()
    xr.testing.assert_identical(a, b)
    assert a.attrs == b.attrs
    assert a["distance"].dtype == b["distance"].dtype == np.float64
    assert a["distance"].values.tobytes() == b["distance"].values.tobytes()
    for name in a.coords:
        assert a[name].dtype == b[name].dtype, name


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize(("n", "batch_size"), [(1, 4), (2, 1), (7, 4), (23, 16), (40, 50)])
def test_planned_pairs_are_the_engines_order(n, batch_size, symmetric):
    """A tile's slice of the plan, built block row by block row, is exactly the engine's
    (core.tiled of the row-major plan) — for every start/stop, across block rows."""
    full = tiled(plan_pairs(n, None, symmetric), batch_size)
    cuts = sorted({0, len(full), *np.random.default_rng(n).integers(0, len(full) + 1, 6)})
    for start in cuts:
        for stop in cuts:
            got = planned_pairs(n, symmetric, batch_size, start, stop)
            np.testing.assert_array_equal(got, full[start:stop].reshape(-1, 2))


def test_tile_count():
    assert n_tiles(7, True, batch_size=4, tile_pairs=8) == 3  # 21 pairs, 6 batches, 2 per tile
    assert n_tiles(7, False, batch_size=4, tile_pairs=5) == 6  # 42 pairs, 11 batches, 2 per
    assert n_tiles(7, True, batch_size=512, tile_pairs=10) == 1
    assert n_tiles(1, True, batch_size=512, tile_pairs=10) == 1  # no pair: one tile, labels
    with pytest.raises(ValueError, match="tile_pairs must be a positive integer"):
        n_tiles(7, True, 4, 0)


@pytest.mark.parametrize(
    ("metric", "batch_size", "tile_pairs"),
    [("cka", 4, 8), ("cka", 512, 1), ("procrustes", 3, 3), ("linear_predictivity", 5, 12)],
)
def test_merged_tiles_equal_untiled_bit_for_bit(tmp_path, stores, metric, batch_size, tile_pairs):
    untiled = tmp_path / "untiled.zarr"
    engine = {"backend": "inprocess", "batch_size": batch_size}
    compare_files(stores, metric, out=untiled, progress=False, **engine)
    run_tiles(stores, metric, tile_pairs, tmp_path / "tiles", batch_size=batch_size)
    merge_tiles(tmp_path / "tiles", tmp_path / "merged.zarr")
    assert_bitwise_same(untiled, tmp_path / "merged.zarr")
    merged = xr.open_zarr(tmp_path / "merged.zarr").load()
    # The diverged network's row and column: NaN with the reason naming it (status kept).
    bad = merged["model_a"].values[4]
    assert np.isnan(merged["distance"].sel(model_a=bad)).all()
    assert all("network diverged" in s for s in merged["status"].sel(model_b=bad).values)
    # hidden_size exists for four networks: a float coordinate with NaN for the others.
    assert np.isnan(merged["hidden_size_a"].values[4:]).all()
    assert list(merged["hidden_size_a"].values[:4]) == [5, 6, 7, 8]


def test_a_tile_reads_only_the_networks_of_its_pairs(tmp_path, stores):
    # batch 4, tiles of one batch: tile 0 holds pairs of networks 0..2 only (the first 2x2
    # block of the tiled order), so it must not need the others to exist.
    content = compare_tile(stores, "cka", 0, 4, batch_size=4, backend="inprocess")
    assert set(content["networks"]) < set(range(N_NETWORKS))
    assert len(content["values"]) == 4


def test_merge_names_missing_and_foreign_tiles(tmp_path, stores):
    run_tiles(stores, "cka", 8, tmp_path / "tiles", batch_size=4)
    merge_tiles(tmp_path / "tiles")
    (tmp_path / "tiles" / tile_file(1)).unlink()
    with pytest.raises(ValueError, match=r"3 tiles; missing tile00001\.npz"):
        merge_tiles(tmp_path / "tiles")
    # A tile of another run (other parameters) in the set is named.
    compare_tile(
        stores,
        "cka",
        1,
        8,
        out=tmp_path / "tiles" / tile_file(1),
        backend="inprocess",
        batch_size=4,
        metric_params={"score_method": "one_minus"},
    )
    with pytest.raises(ValueError, match=r"tile00001\.npz: a tile of another run .*params"):
        merge_tiles(tmp_path / "tiles")
    (tmp_path / "tiles" / tile_file(1)).write_bytes(b"truncated")
    with pytest.raises(ValueError, match=r"tile00001\.npz: not a readable tile"):
        merge_tiles(tmp_path / "tiles")
    with pytest.raises(ValueError, match="no tiles"):
        merge_tiles(tmp_path / "empty")


def test_tile_out_of_range_is_refused(stores):
    with pytest.raises(ValueError, match=r"tile 3: 7 networks \(21 pairs, batches of 4\)"):
        compare_tile(stores, "cka", 3, 8, batch_size=4)


def test_cli_tiles_from_a_list_file_then_merge(tmp_path, stores, capsys):
    listing = tmp_path / "networks.txt"
    listing.write_text("# one path per line\n" + "".join(f"{p}\n" for p in stores))
    assert read_list(listing) == list(stores)
    untiled = tmp_path / "untiled.zarr"
    args = ["--metric", "cka", "--backend", "inprocess", "--no-progress", "--batch-size", "4"]
    code = main(
        ["compare", "--inputs-from", str(listing), *args, "--allow-partial"] + ["-o", str(untiled)]
    )
    assert code == 0
    for k in range(n_tiles(N_NETWORKS, True, 4, 10)):
        out = tmp_path / "tiles" / tile_file(k)
        tile = ["--tile", str(k), "--tile-pairs", "10", "-o", str(out)]
        assert main(["compare", "--inputs-from", str(listing), *args, *tile]) == 0
    assert main(["merge", str(tmp_path / "tiles"), "-o", str(tmp_path / "merged.zarr")]) == 0
    assert_bitwise_same(untiled, tmp_path / "merged.zarr")
    capsys.readouterr()
    # Errors name the option or file, before any work.
    assert main(["compare", "--inputs-from", str(tmp_path / "nope.txt"), *args]) == 2
    assert "nope.txt" in capsys.readouterr().err
    assert main(["compare", str(stores[0]), "--tile", "0", "-o", "t.npz", *args]) == 2
    assert "--tile-pairs" in capsys.readouterr().err
    assert main(["compare", str(stores[0]), "--tile", "0", "--tile-pairs", "4", *args]) == 2
    assert "-o must name the tile's .npz" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "none"), "-o", str(tmp_path / "m.zarr")]) == 2
    assert "no tiles" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "0.5", "many"])
def test_tile_pairs_config_is_checked_by_name(tmp_path, capsys, value):
    defaults = Path(__file__).resolve().parents[1] / "config.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"compare:\n  tile_pairs: {value}\n")
    assert main(["check-config", str(bad), "--defaults", str(defaults)]) == 2
    assert "compare.tile_pairs" in capsys.readouterr().err
    good = tmp_path / "good.yaml"
    good.write_text("compare:\n  tile_pairs: 250000\n")
    assert main(["check-config", str(good), "--defaults", str(defaults)]) == 0
