"""Damaged stores (issue 13, item 3): a deleted chunk is not NaN data and a truncated chunk is
not a bare codec error — every reader names the store, the variable and the chunk."""

import shutil

import numpy as np
import pytest
import xarray as xr

from dynsim.analysis import experiment_summary
from dynsim.pairwise import compute
from dynsim.store import (
    ALL_CHUNKS_WRITTEN,
    StoreError,
    atomic_write_zarr,
    open_experiment,
    open_matrix,
    open_network,
    open_zarr_dataset,
    write_matrix,
)


def network(seed: int = 0, n_checkpoints: int = 3) -> xr.Dataset:
    """A small activation store as dynsim writes it: one chunk per checkpoint."""
    rng = np.random.default_rng(seed)
    hidden = rng.standard_normal((n_checkpoints, 6, 10, 4)).astype(np.float32)
    ds = xr.Dataset(
        {
            "hidden": (("checkpoint", "trial", "time", "unit"), hidden),
            "accuracy": ("checkpoint", np.linspace(0.5, 1.0, n_checkpoints)),
            # All zero: equal to the fill value (0), a chunk zarr skips by default.
            "correct_choice": ("trial", np.zeros(6, np.int64)),
        },
        coords={"checkpoint": np.arange(n_checkpoints), "progress": ("checkpoint", [0, 0.5, 1])},
        attrs={
            **{"task": "pdm", "arch": "gru", "regime": "master", "seed": seed, "status": "ok"},
            "dynsim_version": "0.1.0",  # what `dynsim compare` recognises as a network store
        },
    )
    ds["hidden"].encoding["chunks"] = (1, 6, 10, 4)
    return ds


def matrix() -> xr.Dataset:
    names = np.array(["a", "b"], dtype=object)
    return xr.Dataset(
        {
            "distance": (("model_a", "model_b"), np.array([[0.0, 0.3], [0.3, 0.0]])),
            "status": (("model_a", "model_b"), np.full((2, 2), "", dtype=object)),
        },
        coords={"model_a": names, "model_b": names, "seed_a": ("model_a", [0, 0])},
        attrs={"metric": "cka"},
    )


def truncate(chunk) -> None:
    data = chunk.read_bytes()
    chunk.write_bytes(data[: len(data) // 2])


def test_every_chunk_is_written_and_the_marker_is_not_read_back(tmp_path):
    original = network()
    path = atomic_write_zarr(original, tmp_path / "net.zarr")
    assert (path / "correct_choice" / "c" / "0").is_file()  # an all-fill chunk is on disk too
    assert xr.open_zarr(path).attrs[ALL_CHUNKS_WRITTEN] is True
    reopened = open_network(path)
    assert reopened.attrs == original.attrs  # what was written is what is read
    np.testing.assert_array_equal(reopened["hidden"].values, original["hidden"].values)
    np.testing.assert_array_equal(reopened["correct_choice"].values, 0)
    assert ALL_CHUNKS_WRITTEN not in original.attrs  # the caller's dataset is untouched
    assert open_matrix(write_matrix(matrix(), tmp_path / "m.zarr")).attrs == {"metric": "cka"}


def test_deleted_chunk_is_an_error_naming_store_and_chunk(tmp_path):
    path = atomic_write_zarr(network(), tmp_path / "net.zarr")
    (path / "hidden" / "c" / "1" / "0" / "0" / "0").unlink()
    expected = r"net\.zarr: variable 'hidden' is missing chunk hidden/c/1/0/0/0 — deleted"
    with pytest.raises(StoreError, match=expected):
        open_network(path)
    # The pairwise engine reads stores through open_network: an error, not a NaN row.
    other = atomic_write_zarr(network(1), tmp_path / "other.zarr")
    with pytest.raises(StoreError, match=expected):
        compute("cka", [other, path], progress=False)


def test_deleted_chunk_of_any_variable_and_of_a_matrix(tmp_path):
    path = atomic_write_zarr(network(), tmp_path / "net.zarr")
    (path / "correct_choice" / "c" / "0").unlink()  # an all-zero chunk: still data
    with pytest.raises(StoreError, match=r"'correct_choice' is missing chunk correct_choice/c/0"):
        open_network(path)
    m = write_matrix(matrix(), tmp_path / "similarity" / "cka.zarr")
    (m / "status" / "c" / "0" / "0").unlink()
    with pytest.raises(StoreError, match=r"similarity store .*cka\.zarr: variable 'status' is"):
        open_matrix(m)
    with pytest.raises(StoreError, match=r"missing chunk status/c/0/0"):
        open_experiment(tmp_path)


def test_old_store_without_marker_checks_the_activity(tmp_path):
    """A store written before every chunk was: a missing activity chunk is still an error
    (a recording of a non-diverged network is never all NaN); other arrays may have been
    skipped as fill values, and a diverged network's NaN checkpoint may be absent."""
    path = tmp_path / "old.zarr"
    network().to_zarr(path, zarr_format=3, consolidated=True)
    assert not (path / "correct_choice" / "c" / "0").exists()  # skipped by zarr: fill value
    np.testing.assert_array_equal(open_network(path)["correct_choice"].values, 0)
    shutil.rmtree(path / "hidden" / "c" / "2")
    with pytest.raises(StoreError, match=r"old\.zarr: variable 'hidden' is missing chunk"):
        open_network(path)
    diverged = network().assign_attrs(status="diverged")
    diverged["hidden"][2] = np.nan
    diverged.to_zarr(tmp_path / "diverged.zarr", zarr_format=3, consolidated=True)
    assert np.isnan(open_network(tmp_path / "diverged.zarr")["hidden"][2].values).all()


def test_truncated_chunk_names_store_variable_and_chunk(tmp_path):
    path = atomic_write_zarr(network(), tmp_path / "net.zarr")
    truncate(path / "hidden" / "c" / "2" / "0" / "0" / "0")
    ds = open_network(path)  # lazy: opening reads no activity
    np.testing.assert_array_equal(ds["hidden"][0].values, network()["hidden"][0].values)
    expected = r"net\.zarr: variable 'hidden' chunk 'hidden/c/2/0/0/0' is truncated or corrupt"
    with pytest.raises(StoreError, match=expected):
        ds["hidden"].isel(checkpoint=-1).load()
    other = atomic_write_zarr(network(1), tmp_path / "other.zarr")
    with pytest.raises(StoreError, match=expected):
        compute("cka", [other, path], progress=False)


def test_truncated_chunk_in_summary_and_matrix_readers(tmp_path):
    path = atomic_write_zarr(network(), tmp_path / "net.zarr")
    truncate(path / "accuracy" / "c" / "0")
    with pytest.raises(StoreError, match=r"net\.zarr: variable 'accuracy' chunk 'accuracy/c/0'"):
        experiment_summary([path], [])
    m = write_matrix(matrix(), tmp_path / "similarity" / "cka.zarr")
    truncate(m / "distance" / "c" / "0" / "0")
    expected = r"cka\.zarr: variable 'distance' chunk 'distance/c/0/0' is truncated"
    with pytest.raises(StoreError, match=expected):
        open_matrix(m)
    with pytest.raises(StoreError, match=expected):
        open_experiment(tmp_path)


def test_truncated_index_coordinate_names_the_chunk(tmp_path):
    path = atomic_write_zarr(network(), tmp_path / "net.zarr")
    truncate(path / "checkpoint" / "c" / "0")  # an index: read when the store is opened
    with pytest.raises(StoreError, match=r"net\.zarr \('checkpoint' chunk 'checkpoint/c/0'\)"):
        open_network(path)


def test_command_line_reports_the_damaged_store(tmp_path, capsys):
    """`dynsim compare` and `dynsim summary`: exit 2 with the store and chunk, no traceback."""
    from dynsim.cli import main

    good = atomic_write_zarr(network(1), tmp_path / "good.zarr")
    bad = atomic_write_zarr(network(), tmp_path / "bad.zarr")
    (bad / "hidden" / "c" / "2" / "0" / "0" / "0").unlink()
    out = str(tmp_path / "m.zarr")
    assert main(["compare", str(good), str(bad), "--metric", "cka", "-o", out]) == 2
    assert (
        "bad.zarr: variable 'hidden' is missing chunk hidden/c/2/0/0/0" in capsys.readouterr().err
    )
    matrices = str(write_matrix(matrix(), tmp_path / "cka.zarr"))
    summary = [
        "summary",
        "--networks",
        str(bad),
        "--matrices",
        matrices,
        "-o",
        str(tmp_path / "s.md"),
    ]
    assert main(summary) == 2
    assert "bad.zarr: variable 'hidden' is missing chunk" in capsys.readouterr().err
    assert not (tmp_path / "m.zarr").exists() and not (tmp_path / "s.md").exists()


def test_foreign_zarr_store_reader(tmp_path):
    """open_zarr_dataset, for Zarr stores of other writers: a truncated chunk names the store,
    variable and chunk; a chunk equal to the fill value may be absent (Zarr's default)."""
    path = tmp_path / "theirs.zarr"
    network().to_zarr(path, zarr_format=3)
    assert not (path / "correct_choice" / "c" / "0").exists()
    ds = open_zarr_dataset(path)
    np.testing.assert_array_equal(ds["correct_choice"].values, 0)
    truncate(path / "hidden" / "c" / "1" / "0" / "0" / "0")
    expected = r"Zarr store .*theirs\.zarr: variable 'hidden' chunk 'hidden/c/1/0/0/0' is truncated"
    with pytest.raises(StoreError, match=expected):
        open_zarr_dataset(path)["hidden"].load()
    with pytest.raises(StoreError, match="Zarr store not found"):
        open_zarr_dataset(tmp_path / "nowhere.zarr")
