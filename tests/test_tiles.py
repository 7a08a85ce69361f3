"""Tiled compare: tiles (blocks of model_a × model_b) merged into the same store as one
untiled run, bit for bit; the merge refuses an incomplete or mixed set naming the tiles; the
CLI (`dynsim compare --tile`, `dynsim merge`) and an input list file."""

import json

import numpy as np
import pytest
import xarray as xr

from dynsim.cli import main
from dynsim.pairwise import compare_files
from dynsim.pairwise.tiles import blocks, compare_tile, merge_tiles, read_list, tile_file, tiles
from dynsim.store import atomic_write_zarr, network_dataset
from dynsim.training import NetworkSpec, TrainingConfig, record_activity, train

N_NETWORKS = 7


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Seven dynsim activation stores of random activity (one real recording as template):
    four with a grid label (hidden_size) and three without, one diverged (NaN row)."""
    spec = NetworkSpec(
        task="pdm",
        arch="gru",
        seed=0,
        hidden_size=5,
        training=TrainingConfig(max_steps=4, checkpoints=(0.0, 1.0)),
    )
    result = train(spec)
    recording = record_activity(result, n_repeats=1)
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
        rec = {**recording, "hidden": rng.standard_normal(recording["hidden"].shape)}
        rec["hidden"] = rec["hidden"].astype(recording["hidden"].dtype)
        paths.append(atomic_write_zarr(network_dataset(rec, info), root / f"net{k}.zarr"))
    return paths


def run_tiles(paths, metric, size, directory, **kw):
    symmetric = metric != "linear_predictivity"
    for tile in tiles(len(paths), size, symmetric):
        compare_tile(
            paths, metric, tile, size, out=directory / tile_file(*tile), backend="inprocess",
            progress=False, **kw,
        )


def assert_bitwise_same(path_a, path_b):
    a, b = xr.open_zarr(path_a).load(), xr.open_zarr(path_b).load()
    xr.testing.assert_identical(a, b)
    assert a.attrs == b.attrs
    assert a["distance"].dtype == b["distance"].dtype == np.float64
    assert a["distance"].values.tobytes() == b["distance"].values.tobytes()
    for name in a.coords:
        assert a[name].dtype == b[name].dtype, name


def test_tile_layout():
    assert [list(b) for b in blocks(7, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert tiles(7, 3, symmetric=True) == [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    assert len(tiles(7, 3, symmetric=False)) == 9
    assert tiles(7, 10, symmetric=True) == [(0, 0)]
    with pytest.raises(ValueError, match="tile size"):
        blocks(7, 0)


@pytest.mark.parametrize(
    ("metric", "size"), [("cka", 3), ("procrustes", 2), ("linear_predictivity", 3)]
)
def test_merged_tiles_equal_untiled_bit_for_bit(tmp_path, stores, metric, size):
    untiled = tmp_path / "untiled.zarr"
    compare_files(stores, metric, out=untiled, backend="inprocess", progress=False)
    run_tiles(stores, metric, size, tmp_path / "tiles")
    merge_tiles(tmp_path / "tiles", tmp_path / "merged.zarr")
    assert_bitwise_same(untiled, tmp_path / "merged.zarr")
    merged = xr.open_zarr(tmp_path / "merged.zarr").load()
    # The diverged network's row and column: NaN with the reason naming it (status kept).
    bad = "pdm/gru/master/seed4"
    assert np.isnan(merged["distance"].sel(model_a=bad)).all()
    assert all("network diverged" in s for s in merged["status"].sel(model_b=bad).values)
    # hidden_size exists for four networks: a float coordinate with NaN for the others.
    assert np.isnan(merged["hidden_size_a"].values[4:]).all()
    assert list(merged["hidden_size_a"].values[:4]) == [5, 6, 7, 8]


def test_merge_names_missing_and_foreign_tiles(tmp_path, stores):
    run_tiles(stores, "cka", 3, tmp_path / "tiles")
    merge_tiles(tmp_path / "tiles")
    import shutil

    shutil.rmtree(tmp_path / "tiles" / tile_file(1, 2))
    with pytest.raises(ValueError, match=r"missing tile0001_0002\.zarr"):
        merge_tiles(tmp_path / "tiles")
    # A tile of another run (other parameters) in the set is named.
    compare_tile(
        stores, "cka", (1, 2), 3, out=tmp_path / "tiles" / tile_file(1, 2),
        backend="inprocess",
        progress=False, batch_size=7,
    )
    merge_tiles(tmp_path / "tiles")  # batch size does not change values or attributes
    compare_tile(
        stores[:6], "cka", (1, 1), 3, out=tmp_path / "tiles" / tile_file(1, 1),
        backend="inprocess", progress=False,
    )
    with pytest.raises(ValueError, match=r"tile0001_0001\.zarr: a tile of another run"):
        merge_tiles(tmp_path / "tiles")
    with pytest.raises(ValueError, match="no tile stores"):
        merge_tiles(tmp_path / "empty")


def test_tile_below_diagonal_of_symmetric_metric_is_refused(stores):
    with pytest.raises(ValueError, match="tile 1,0: cka is symmetric"):
        compare_tile(stores, "cka", (1, 0), 3)
    with pytest.raises(ValueError, match="tile 3,0: 7 networks in tiles of 3 have 3"):
        compare_tile(stores, "cka", (3, 0), 3)


def test_cli_tiles_from_a_list_file_then_merge(tmp_path, stores, capsys):
    listing = tmp_path / "networks.txt"
    listing.write_text("# one path per line\n" + "".join(f"{p}\n" for p in stores))
    assert read_list(listing) == list(stores)
    untiled = tmp_path / "untiled.zarr"
    args = ["--metric", "cka", "--backend", "inprocess", "--no-progress", "--allow-partial"]
    assert main(["compare", "--inputs-from", str(listing), *args, "-o", str(untiled)]) == 0
    for r, c in tiles(N_NETWORKS, 4, symmetric=True):
        out = tmp_path / "tiles" / tile_file(r, c)
        code = main(
            ["compare", "--inputs-from", str(listing), "--tile", f"{r},{c}", "--tile-size", "4",
             *args, "-o", str(out)]
        )
        assert code == 0
    assert main(["merge", str(tmp_path / "tiles"), "-o", str(tmp_path / "merged.zarr")]) == 0
    assert_bitwise_same(untiled, tmp_path / "merged.zarr")
    capsys.readouterr()
    # Errors name the option or file, before any work.
    assert main(["compare", "--inputs-from", str(tmp_path / "nope.txt"), *args]) == 2
    assert "nope.txt" in capsys.readouterr().err
    assert main(["compare", str(stores[0]), "--tile", "0,0", *args]) == 2
    assert "--tile-size" in capsys.readouterr().err
    assert main(["compare", "--inputs-from", str(listing), "--tile", "x", "--tile-size", "4",
                 *args]) == 2
    assert "--tile" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "none"), "-o", str(tmp_path / "m.zarr")]) == 2
    assert "no tile stores" in capsys.readouterr().err
