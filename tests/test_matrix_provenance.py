"""A stored matrix says how it was computed: every compare-time setting that changes its
numbers (the selection — checkpoint, epoch, trials, average_over, time_normalize — besides
the metric's parameters) is in its attributes, written and read back equal to the config's
values, kept by ``dynsim merge`` of tiles, and tiles computed with other settings refuse to
merge, naming the setting."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from dynsim.cli import main
from dynsim.pairwise import Selection, compare_files, compute
from dynsim.pairwise.tiles import compare_tile, merge_tiles, n_tiles, tile_file
from dynsim.store import atomic_write_zarr, network_dataset, open_matrix
from dynsim.training import NetworkSpec, TrainingConfig, record_activity, train

# A config's compare section with every setting that changes the numbers set (pdm's trials:
# coherence 0.05/0.1/0.2/0.4 × direction ±1; epochs fixation, stimulus, decision).
COMPARE = {
    "checkpoint": "final",
    "epoch": ["stimulus", "decision"],
    "trials": {"coherence": [0.2, 0.4]},
    "average_over": ["coherence", "direction"],
    "time_normalize": {"phases": {"stimulus": 6, "decision": 3}},
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Four dynsim activation stores of random activity in one real (tiny) recording's layout."""
    spec = NetworkSpec(
        task="pdm",
        arch="gru",
        seed=0,
        hidden_size=5,
        training=TrainingConfig(max_steps=4, checkpoints=(0.0, 1.0)),
    )
    recording = record_activity(train(spec), n_repeats=1)
    root = tmp_path_factory.mktemp("stores")
    rng = np.random.default_rng(3)
    paths = []
    for k in range(4):
        hidden = rng.standard_normal(recording["hidden"].shape).astype(np.float32)
        info = {"task": "pdm", "arch": "gru", "regime": "master", "seed": k, "status": "ok"}
        data = network_dataset({**recording, "hidden": hidden}, info)
        paths.append(atomic_write_zarr(data, root / f"net{k}.zarr"))
    return paths


def assert_attrs_are_the_configs(attrs: dict, compare: dict) -> None:
    assert attrs["checkpoint"] == str(compare["checkpoint"])
    assert json.loads(attrs["epoch"]) == compare["epoch"]
    assert json.loads(attrs["trials"]) == compare["trials"]
    assert json.loads(attrs["average_over"]) == compare["average_over"]
    phases = json.loads(attrs["time_normalize"])
    assert phases == compare["time_normalize"]["phases"]
    assert list(phases) == list(compare["time_normalize"]["phases"])  # time order kept


def test_selection_round_trips_through_the_stored_matrix(tmp_path, stores):
    out = tmp_path / "cka.zarr"
    selection = Selection.from_config(COMPARE)
    written = compare_files(
        stores, "cka", selection=selection, out=out, backend="inprocess", progress=False
    )
    reopened = open_matrix(out)
    assert reopened.attrs == written.attrs
    assert_attrs_are_the_configs(reopened.attrs, COMPARE)
    assert reopened.attrs["metric"] == "cka" and reopened.attrs["variable"] == "hidden"
    # The attributes describe the numbers: the same selection recomputed gives them.
    again = compute("cka", stores, selection=selection, backend="inprocess", progress=False)
    np.testing.assert_array_equal(again["distance"].values, reopened["distance"].values)
    # Without time_normalize the numbers differ, and so does the record.
    plain = Selection.from_config({**COMPARE, "time_normalize": None})
    other = compute("cka", stores, selection=plain, backend="inprocess", progress=False)
    assert json.loads(other.attrs["time_normalize"]) == {}
    off = ~np.eye(4, dtype=bool)
    assert not np.allclose(other["distance"].values[off], reopened["distance"].values[off])


def test_defaults_are_recorded_too(stores):
    ds = compute("cka", stores[:2], backend="inprocess", progress=False)
    assert ds.attrs["checkpoint"] == "final"
    assert json.loads(ds.attrs["epoch"]) is None
    assert json.loads(ds.attrs["trials"]) == {}
    assert json.loads(ds.attrs["average_over"]) == []
    assert json.loads(ds.attrs["time_normalize"]) == {}
    assert not any(key.endswith("_b") for key in ds.attrs)  # one selection for both sides


def test_the_workflows_command_line_records_the_config(tmp_path, stores):
    """The flags rule compare passes (workflow/rules/common.smk, compare_options) for COMPARE,
    through `dynsim compare`, for one matrix and over learning."""
    flags = ["--checkpoint", "final", "--epoch", "stimulus", "--epoch", "decision"]
    flags += ["--trials", "coherence=0.2,0.4", "--average-over", "coherence"]
    flags += ["--average-over", "direction"]
    flags += ["--time-normalize", "stimulus=6", "--time-normalize", "decision=3"]
    common = ["--metric", "cka", "--backend", "inprocess", "--no-progress", *flags]
    out = tmp_path / "cka.zarr"
    assert main(["compare", *map(str, stores), *common, "-o", str(out)]) == 0
    assert_attrs_are_the_configs(open_matrix(out).attrs, COMPARE)
    learning = tmp_path / "cka_learning.zarr"
    argv = ["compare", *map(str, stores), *common, "--over-learning", "0,1", "-o", str(learning)]
    assert main(argv) == 0
    attrs = xr.open_zarr(learning).attrs
    assert attrs["checkpoint"] == "matched by training progress"
    assert_attrs_are_the_configs({**attrs, "checkpoint": "final"}, COMPARE)


def test_a_reference_sets_selection_is_recorded(stores):
    selection = Selection.from_config(COMPARE)
    ds = compute(
        "cka",
        stores[:2],
        stores[2:],
        selection=selection,
        other_selection=Selection(checkpoint=0),
        backend="inprocess",
        progress=False,
    )
    assert_attrs_are_the_configs(ds.attrs, COMPARE)
    assert ds.attrs["checkpoint_b"] == "0"
    assert json.loads(ds.attrs["time_normalize_b"]) == {}
    assert json.loads(ds.attrs["epoch_b"]) is None


def _tiles(stores, directory, selection):
    for k in range(n_tiles(len(stores), True, 2, 2)):
        compare_tile(
            stores,
            "cka",
            k,
            2,
            selection=selection,
            out=directory / tile_file(k),
            backend="inprocess",
            batch_size=2,
        )


def test_merged_tiles_keep_the_settings_and_refuse_others(tmp_path, stores):
    selection = Selection.from_config(COMPARE)
    untiled = compute(
        "cka", stores, selection=selection, backend="inprocess", batch_size=2, progress=False
    )
    _tiles(stores, tmp_path / "tiles", selection)
    assert main(["merge", str(tmp_path / "tiles"), "-o", str(tmp_path / "merged.zarr")]) == 0
    merged = open_matrix(tmp_path / "merged.zarr")
    assert merged.attrs == {**untiled.attrs, "variable": "hidden"}
    assert_attrs_are_the_configs(merged.attrs, COMPARE)
    np.testing.assert_array_equal(merged["distance"].values, untiled["distance"].values)

    # One tile computed with other phases: the merge names the setting.
    other = Selection.from_config(
        {**COMPARE, "time_normalize": {"phases": {"stimulus": 5, "decision": 3}}}
    )
    compare_tile(
        stores,
        "cka",
        1,
        2,
        selection=other,
        out=tmp_path / "tiles" / tile_file(1),
        backend="inprocess",
        batch_size=2,
    )
    refused = r"tile00001\.npz: .*differs in selection\.time_normalize\)"
    with pytest.raises(ValueError, match=refused):
        merge_tiles(tmp_path / "tiles")
    # A tile without it (not applied) is refused too, and so is one of other trials.
    for changed in ({"time_normalize": None}, {"trials": {"coherence": [0.4]}}):
        compare_tile(
            stores,
            "cka",
            1,
            2,
            selection=Selection.from_config({**COMPARE, **changed}),
            out=tmp_path / "tiles" / tile_file(1),
            backend="inprocess",
            batch_size=2,
        )
        setting = f"selection.{next(iter(changed))}"
        with pytest.raises(ValueError, match=rf"differs in {setting}\)"):
            merge_tiles(tmp_path / "tiles")


def test_selection_from_dict_inverts_to_dict():
    for selection in (
        Selection(),
        Selection.from_config(COMPARE),
        Selection(checkpoint=0.5, epoch="stimulus"),
        Selection(checkpoint=1),
    ):
        plain = json.loads(json.dumps(selection.to_dict()))
        assert Selection.from_dict(plain) == selection
