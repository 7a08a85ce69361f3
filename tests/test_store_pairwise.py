"""Zarr stores (round trip, atomicity, errors naming the file) and the pairwise engine."""

import numpy as np
import pytest
import xarray as xr
from conftest import random_orthogonal

from dynsim import metrics
from dynsim.metrics.procrustes import Procrustes
from dynsim.pairwise import Selection, compute
from dynsim.store import StoreError, atomic_write_zarr, network_dataset, open_network
from dynsim.training import NetworkSpec, TrainingConfig, record_activity, train


@pytest.fixture(scope="module")
def recorded():
    spec = NetworkSpec(
        task="pdm_delay",
        arch="gru",
        seed=3,
        hidden_size=6,
        training=TrainingConfig(max_steps=10, checkpoints=(0.0, 0.5, 1.0)),
    )
    result = train(spec)
    recording = record_activity(result, n_repeats=1)
    info = {
        "task": spec.task,
        "arch": spec.arch,
        "seed": spec.seed,
        "regime": spec.regime,
        "status": result.status,
    }
    return recording, network_dataset(recording, info)


def test_network_store_round_trip(tmp_path, recorded):
    recording, dataset = recorded
    path = atomic_write_zarr(dataset, tmp_path / "net.zarr")
    reopened = open_network(path)
    assert reopened["hidden"].dims == ("checkpoint", "trial", "time", "unit")
    np.testing.assert_array_equal(reopened["hidden"].values, recording["hidden"])
    assert reopened["hidden"].encoding["chunks"][0] == 1  # one checkpoint = one chunk
    assert list(np.unique(reopened["epoch"].values)) == sorted(
        ["fixation", "stimulus", "delay", "decision"]
    )
    assert reopened["rule"].values[0] == "pdm_delay"
    assert reopened.attrs["task"] == "pdm_delay" and reopened.attrs["seed"] == 3
    assert list(reopened["progress"].values) == [0.0, 0.5, 1.0]
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary left behind


def test_interrupted_write_leaves_no_store(tmp_path, recorded, monkeypatch):
    _, dataset = recorded

    def crash(self, *args, **kwargs):
        raise KeyboardInterrupt  # the job is killed in the middle of writing

    monkeypatch.setattr(xr.Dataset, "to_zarr", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_zarr(dataset, tmp_path / "net.zarr")
    assert not (tmp_path / "net.zarr").exists()


def test_missing_and_corrupt_stores_name_the_file(tmp_path):
    with pytest.raises(StoreError, match="nowhere.zarr"):
        open_network(tmp_path / "nowhere.zarr")
    broken = tmp_path / "broken.zarr"
    broken.mkdir()
    (broken / "zarr.json").write_text("{not json")
    with pytest.raises(StoreError, match="broken.zarr"):
        open_network(broken)


def test_selection_by_checkpoint_and_epoch(tmp_path, recorded):
    _, dataset = recorded
    path = atomic_write_zarr(dataset, tmp_path / "net.zarr")
    ds = open_network(path)
    delay = Selection(checkpoint=0.5, epoch="delay").apply(ds)
    assert set(ds["epoch"].values[np.isin(ds["time"], delay["time"])]) == {"delay"}
    np.testing.assert_array_equal(
        delay.values, ds["hidden"].isel(checkpoint=1).sel(time=ds["epoch"] == "delay").values
    )
    with pytest.raises(ValueError, match="no time step"):
        Selection(epoch="nonsense").apply(ds)


def networks(rng, n=5):
    base = rng.normal(size=(4, 12, 6))
    data = {f"net{k}": rng.normal(size=(4, 12, 6)) for k in range(n)}
    data["rotated"] = base @ random_orthogonal(6, rng)
    data["base"] = base
    return data


def test_nan_network_gives_nan_row_with_reason_rest_complete(rng):
    data = networks(rng)
    data["broken"] = np.full((4, 12, 6), np.nan)
    ds = compute("procrustes", data, progress=False, batch_size=4)
    row = ds["distance"].sel(model_a="broken").drop_sel(model_b="broken")
    assert row.isnull().all()
    assert all(
        "non-finite" in str(s)
        for s in ds["status"].sel(model_a="broken").drop_sel(model_b="broken").values
    )
    rest = ds["distance"].drop_sel(model_a="broken", model_b="broken")
    assert np.isfinite(rest.values).all()
    assert float(ds["distance"].sel(model_a="base", model_b="rotated")) < 1e-7
    assert ds.attrs["direction"].startswith("distance")


def test_ray_backend_matches_in_process(rng):
    data = networks(rng)
    local = compute("cka", data, progress=False)
    distributed = compute("cka", data, backend="ray", batch_size=3, num_cpus=2, progress=False)
    assert distributed.attrs["backend"] == "ray"
    np.testing.assert_allclose(distributed["distance"].values, local["distance"].values, atol=1e-12)


def test_two_sets_give_rectangular_matrix(rng):
    data = networks(rng)
    other = {"x": rng.normal(size=(4, 12, 3)), "base_again": data["base"]}
    ds = compute("procrustes", data, other, progress=False)
    assert ds["distance"].shape == (len(data), 2)
    assert float(ds["distance"].sel(model_a="base", model_b="base_again")) < 1e-7


class CountingProcrustes(Procrustes):
    """Procrustes that counts batches and can be made to die after some of them."""

    batches = 0
    die_after: int | None = None

    def compare_batch(self, prepared_a, prepared_b, pairs):
        if self.die_after is not None and CountingProcrustes.batches >= self.die_after:
            raise KeyboardInterrupt  # the job is killed
        CountingProcrustes.batches += 1
        return super().compare_batch(prepared_a, prepared_b, pairs)


def test_killed_compare_resumes_only_missing_batches(rng, tmp_path):
    data = networks(rng, n=8)  # 10 networks → 45 pairs → 9 batches of 5
    partial = tmp_path / "partial"
    dying = CountingProcrustes()
    dying.die_after = 4
    CountingProcrustes.batches = 0
    with pytest.raises(KeyboardInterrupt):
        compute(dying, data, batch_size=5, partial_dir=partial, progress=False, backend="inprocess")
    assert len(list(partial.glob("batch*.npz"))) == 4

    CountingProcrustes.batches = 0
    resumed = compute(
        CountingProcrustes(),
        data,
        batch_size=5,
        partial_dir=partial,
        progress=False,
        backend="inprocess",
    )
    assert CountingProcrustes.batches == 9 - 4
    fresh = compute("procrustes", data, batch_size=5, progress=False)
    np.testing.assert_allclose(resumed["distance"].values, fresh["distance"].values, atol=1e-12)


def test_partial_results_of_another_plan_are_discarded(rng, tmp_path):
    data = networks(rng)
    partial = tmp_path / "partial"
    compute("procrustes", data, batch_size=4, partial_dir=partial, progress=False)
    ds = compute("cka", data, batch_size=4, partial_dir=partial, progress=False)
    np.testing.assert_allclose(
        ds["distance"].values, metrics.pairwise(data, "cka").values, atol=1e-6
    )


def test_selection_of_trials_and_condition_average(tmp_path, recorded):
    _, dataset = recorded
    ds = open_network(atomic_write_zarr(dataset, tmp_path / "net.zarr"))
    coherences = sorted(set(ds["coherence"].values))
    chosen = tuple(coherences[-2:])
    sel = Selection(trials=(("coherence", chosen),), average_over=("coherence", "direction"))
    averaged = sel.apply(ds)
    assert averaged.dims == ("trial", "time", "unit") and averaged.sizes["trial"] == 4
    final = ds["hidden"].isel(checkpoint=-1)
    one = (ds["coherence"].values == chosen[0]) & (ds["direction"].values == 1)
    expected = final.isel(trial=one).mean("trial").values
    assert min(np.abs(averaged.values - expected).max(axis=(1, 2))) < 1e-6
    with pytest.raises(ValueError, match="no trial label 'colour'"):
        Selection(trials=(("colour", ("red",)),)).apply(ds)


def test_open_experiment_gathers_matrices(tmp_path, rng):
    from dynsim.store import open_experiment, write_matrix

    data = networks(rng)
    for metric in ("procrustes", "cka"):
        write_matrix(
            compute(metric, data, progress=False), tmp_path / "similarity" / f"{metric}.zarr"
        )
    ds = open_experiment(tmp_path)
    assert set(ds.data_vars) == {"procrustes", "procrustes_status", "cka", "cka_status"}
    assert ds["cka"].attrs["metric"] == "cka"
    np.testing.assert_allclose(
        ds["procrustes"].values, compute("procrustes", data, progress=False)["distance"].values
    )
    with pytest.raises(StoreError, match="no similarity stores"):
        open_experiment(tmp_path / "elsewhere")


def test_diverged_network_store_gives_nan_with_reason(tmp_path, recorded):
    _, dataset = recorded
    good = [
        atomic_write_zarr(dataset.assign_attrs(seed=k), tmp_path / f"ok{k}.zarr") for k in range(2)
    ]
    bad = atomic_write_zarr(dataset.assign_attrs(status="diverged"), tmp_path / "bad.zarr")
    ds = compute("cka", [*good, bad], progress=False)
    names = list(ds["model_a"].values)
    bad_name = names[2]
    assert np.isnan(ds["distance"].sel(model_a=bad_name).drop_sel(model_b=bad_name)).all()
    assert "diverged" in str(ds["status"].sel(model_a=names[0], model_b=bad_name).values)
    assert np.isfinite(float(ds["distance"].sel(model_a=names[0], model_b=names[1])))
    assert list(ds["status_a"].values) == [dataset.attrs["status"]] * 2 + ["diverged"]


# -- hyperparameter grids: variants in the stores and the matrices --------------------------------
@pytest.fixture(scope="module")
def variant_stores(tmp_path_factory):
    """Two networks of a grid over hidden_size (6 and 9 units), trained and recorded by the
    command line into the workflow's deeper layout task/arch/regime/<variant>/seed<k>."""
    import json

    from dynsim import cli

    root = tmp_path_factory.mktemp("grid")
    base = NetworkSpec(
        task="pdm",
        arch="leaky_rnn",
        seed=0,
        training=TrainingConfig(max_steps=10, eval_every=5, checkpoints=(0.0, 1.0)),
    )
    stores = []
    for size in (6, 9):
        spec = base.with_variant({"hidden_size": size, "activation": "tanh"})
        checkpoint = root / "checkpoints" / f"{spec.key}.pt"
        store = root / "activations" / f"{spec.key}.zarr"
        assert (
            cli.main(["train", "--spec", json.dumps(spec.to_dict()), "--out", str(checkpoint)]) == 0
        )
        assert cli.main(["record", "--checkpoint", str(checkpoint), "--out", str(store)]) == 0
        stores.append(store)
    return stores


def test_store_records_the_variant(variant_stores):
    from dynsim.store import network_key, network_labels

    ds = open_network(variant_stores[1])
    assert ds.attrs["variant"] == "hidden_size9-activationtanh"
    assert ds.attrs["hidden_size"] == 9 and ds.attrs["activation"] == "tanh"
    assert ds.sizes["unit"] == 9
    assert network_labels(ds) == {
        "task": "pdm",
        "arch": "leaky_rnn",
        "regime": "master",
        "seed": 0,
        "variant": "hidden_size9-activationtanh",
        "hidden_size": 9,
        "activation": "tanh",
    }
    assert network_key(ds) == "pdm/leaky_rnn/master/hidden_size9-activationtanh/seed0"


@pytest.mark.parametrize("metric", ["procrustes", "cka", "rsa"])
def test_variants_of_different_sizes_are_compared_with_variant_coordinates(variant_stores, metric):
    ds = compute(metric, variant_stores, progress=False)
    names = [str(n) for n in ds["model_a"].values]
    # Named by the key in each store's metadata, not by counting path parts.
    assert names == [
        "pdm/leaky_rnn/master/hidden_size6-activationtanh/seed0",
        "pdm/leaky_rnn/master/hidden_size9-activationtanh/seed0",
    ]
    assert list(ds["variant_b"].values) == ["hidden_size6-activationtanh", names[1].split("/")[3]]
    assert list(ds["hidden_size_a"].values) == [6, 9] and ds["hidden_size_a"].dtype.kind == "i"
    assert list(ds["activation_b"].values) == ["tanh", "tanh"]
    distance = float(ds["distance"].sel(model_a=names[0], model_b=names[1]))
    assert np.isfinite(distance) and distance > 0  # 6 vs 9 units: comparable
    assert (ds["status"].values == "").all()
    picked = ds["distance"].where((ds.hidden_size_a == 6) & (ds.hidden_size_b == 9), drop=True)
    assert picked.shape == (1, 1) and float(picked.squeeze()) == distance


def test_names_from_metadata_fallbacks(tmp_path, recorded, variant_stores):
    import shutil

    _, dataset = recorded
    # A store without a spec is named by its task/arch/regime/seed attributes; a user's store
    # anywhere keeps the store's own key; a foreign store without labels keeps its path parts.
    plain = atomic_write_zarr(dataset, tmp_path / "mine" / "net.zarr")
    moved = tmp_path / "elsewhere.zarr"
    shutil.copytree(variant_stores[0], moved)
    bare = atomic_write_zarr(dataset.assign_attrs(task=""), tmp_path / "x" / "y" / "z" / "w.zarr")
    ds = compute("procrustes", [plain, moved, bare], progress=False)
    assert list(ds["model_a"].values) == [
        "pdm_delay/gru/master/seed3",
        "pdm/leaky_rnn/master/hidden_size6-activationtanh/seed0",
        "x/y/z/w",
    ]
    # Networks without a variant next to ones with: "" and NaN, not a failure.
    assert list(ds["variant_a"].values) == ["", "hidden_size6-activationtanh", ""]
    assert np.isnan(ds["hidden_size_a"].values[[0, 2]]).all()
    # The same network twice: named by full paths, which differ.
    twice = compute("procrustes", [variant_stores[0], moved], progress=False)
    assert list(twice["model_a"].values) == [
        str(variant_stores[0].with_suffix("")),
        str(moved.with_suffix("")),
    ]


def test_cli_compare_names_grid_stores_by_their_keys(tmp_path, variant_stores):
    from dynsim import cli

    out = tmp_path / "cka.zarr"
    argv = ["compare", *map(str, variant_stores), "--metric", "cka", "-o", str(out)]
    assert cli.main([*argv, "--no-progress"]) == 0
    matrix = xr.open_zarr(out).load()
    assert [str(v).split("/")[3] for v in matrix["model_b"].values] == list(
        matrix["variant_b"].values
    )
    assert list(matrix["hidden_size_a"].values) == [6, 9]


def test_summary_splits_pairs_by_every_varying_factor(tmp_path):
    """Means over same-factor and different-factor pairs, computed by hand on a 4×4 matrix."""
    import xarray as xr

    from dynsim.analysis import experiment_summary
    from dynsim.store import write_matrix

    names = ["pdm/gru/master/seed0", "pdm/gru/master/seed1", "anti/gru/master/seed0", "x"]
    task = np.array(["pdm", "pdm", "anti", "anti"], dtype=object)
    arch = np.array(["gru"] * 4, dtype=object)  # does not vary: no row
    distance = np.array(
        [[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, np.nan], [3, 5, np.nan, 0]], dtype=float
    )
    status = np.where(np.isnan(distance), "diverged", "").astype(object)
    coords = {"model_a": names, "model_b": names}
    for key, values in {"task": task, "arch": arch, "seed": np.array([0, 1, 0, 1])}.items():
        coords[f"{key}_a"] = ("model_a", values)
        coords[f"{key}_b"] = ("model_b", values)
    matrix = xr.Dataset(
        {
            "distance": (("model_a", "model_b"), distance),
            "status": (("model_a", "model_b"), status),
        },
        coords=coords,
        attrs={"metric": "procrustes"},
    )
    path = write_matrix(matrix, tmp_path / "procrustes.zarr")
    text = experiment_summary([], [path])
    rows = {
        cells[1]: cells
        for line in text.splitlines()
        if line.startswith("| procrustes |")
        and len(cells := [c.strip() for c in line.strip("|").split("|")]) == 8
    }
    # task: same-task pairs (each once) {1, nan} → n 1, mean 1; different {2,3,4,5} → 3.5;
    # pairs without a value: the NaN pair, counted in both triangles → 2.
    assert rows["task"][2].startswith("n = 1: 1.000") and rows["task"][3].startswith("n = 4: 3.500")
    assert rows["task"][7] == "2"
    # seed: same seed {2, 5} → 3.5; different {1, 3, 4, nan} → 8/3.
    assert rows["seed"][2].startswith("n = 2: 3.500") and rows["seed"][3].startswith("n = 3: 2.667")
    assert rows["seed"][7] == "2"
    assert "arch" not in rows
