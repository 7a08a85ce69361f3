"""Checkpoint files (dynsim.training.checkpoint) and the network store's format
(dynsim.store.network_store / record_network): one definition each, in the library."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import xarray as xr

from dynsim import cli
from dynsim.store import network_attrs, network_store, open_network, record_network
from dynsim.training import (
    CheckpointError,
    InsdConfig,
    NetworkSpec,
    TrainingConfig,
    TrainingResult,
    load_training,
    record_activity,
    save_training,
    train,
)

SMALL = TrainingConfig(
    max_steps=6, batch_size=8, eval_every=3, eval_trials=16, snapshot_every=2, pretrain_steps=4
)


def spec(task: str = "pdm", regime: str = "master", **kw) -> NetworkSpec:
    return NetworkSpec(task=task, arch="leaky_rnn", seed=1, regime=regime, hidden_size=6,
                       training=SMALL, **kw)  # fmt: skip


@pytest.fixture(scope="module")
def pretrained() -> TrainingResult:
    torch.set_num_threads(1)
    return train(spec("anti_pdm_delay", "pretrain_anti_frozen"))


def assert_same_result(a: TrainingResult, b: TrainingResult) -> None:
    assert a.spec == b.spec and (a.status, a.final_step) == (b.status, b.final_step)
    assert list(a.snapshots) == list(b.snapshots)
    for step, state in a.snapshots.items():
        assert list(state) == list(b.snapshots[step])
        assert all(torch.equal(v, b.snapshots[step][k]) for k, v in state.items())
    assert a.loss == b.loss and a.eval_steps == b.eval_steps
    assert a.eval_accuracy == b.eval_accuracy and a.seconds == b.seconds
    assert a.phases == b.phases


def test_save_then_load_is_the_same_result(tmp_path, pretrained):
    path = save_training(pretrained, tmp_path / "deep" / "net.pt")
    assert path.exists() and not list(path.parent.glob(".*tmp*"))  # atomic: no temporary left
    assert_same_result(load_training(path), pretrained)
    # The file is torch.save(result.to_dict()), readable without unpickling arbitrary objects.
    data = torch.load(path, weights_only=True)
    assert data.keys() == pretrained.to_dict().keys()
    assert data["phases"][0]["name"] == "pretrain"


def test_load_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.pt"):
        load_training(tmp_path / "missing.pt")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read checkpoint file .*garbage.pt"):
        load_training(garbage)
    assert issubclass(CheckpointError, RuntimeError)  # what the CLI raised before
    not_a_result = tmp_path / "tensor.pt"
    torch.save({"weights": torch.zeros(2)}, not_a_result)
    with pytest.raises(CheckpointError, match="tensor.pt"):
        load_training(not_a_result)


def test_network_store_holds_attrs_and_curves(pretrained):
    ds = network_store(pretrained, record_activity(pretrained, n_repeats=1))
    assert ds.attrs["regime"] == "pretrain_anti_frozen" and ds.attrs["seed"] == 1
    assert json.loads(ds.attrs["spec"]) == pretrained.spec.to_dict()
    assert ds.attrs["train_seconds"] == pretrained.seconds
    assert [p["name"] for p in json.loads(ds.attrs["phases"])] == ["pretrain", "target"]
    assert "variant" not in ds.attrs and "penalty_curve" not in ds
    np.testing.assert_array_equal(ds["loss_curve"].values, pretrained.loss)
    np.testing.assert_array_equal(ds["train_step"].values, np.arange(1, 7))
    np.testing.assert_array_equal(ds["eval_accuracy"].values, pretrained.eval_accuracy)
    np.testing.assert_array_equal(ds["eval_step"].values, pretrained.eval_steps)
    np.testing.assert_array_equal(ds["pretrain_loss_curve"].values, pretrained.phases[0]["loss"])
    assert network_attrs(pretrained).items() <= ds.attrs.items()


def test_network_store_of_a_deflated_link_and_a_grid_variant():
    ff = dict(task_params={"sigma": 0.0}, model_params={"noise_std": 0.05})
    link0 = train(spec("flipflop", "insd_0", **ff))
    link1 = train(spec("flipflop", "insd_1", insd=InsdConfig(lam=0.5), **ff), previous=[link0])
    ds = network_store(link1, record_activity(link1, n_repeats=1))
    np.testing.assert_array_equal(ds["penalty_curve"].values, link1.phases[0]["penalty"])
    assert ds["penalty_curve"].dims == ("train_step",) and "pretrain_loss_curve" not in ds
    variant = spec().with_variant({"hidden_size": 7})
    attrs = network_attrs(TrainingResult(variant, "untrained", 0, {}, [], [], [], 0.0))
    assert attrs["variant"] == "hidden_size7" and attrs["hidden_size"] == 7
    assert json.loads(attrs["grid"]) == {"hidden_size": 7}


def test_dynsim_record_writes_the_library_store(tmp_path, pretrained, capsys):
    checkpoint = save_training(pretrained, tmp_path / "net.pt")
    out = tmp_path / "cli.zarr"
    argv = ["record", "--checkpoint", str(checkpoint), "--out", str(out), "--n-repeats", "1"]
    assert cli.main(argv) == 0
    by_cli = open_network(out).load()
    written = record_network(checkpoint, tmp_path / "lib.zarr", n_repeats=1)
    assert by_cli.attrs == written.attrs | {"dynsim_version": by_cli.attrs["dynsim_version"]}
    xr.testing.assert_identical(
        by_cli.drop_attrs(), open_network(tmp_path / "lib.zarr").load().drop_attrs()
    )
    assert cli.main(["record", "--checkpoint", str(tmp_path / "nope.pt"), "--out", "x"]) == 2
    assert "checkpoint file not found" in capsys.readouterr().err


def test_dynsim_train_saves_what_train_returns(tmp_path):
    s = spec()
    out = tmp_path / "net.pt"
    argv = ["train", "--spec", json.dumps(s.to_dict()), "--out", str(out), "--ray", "never"]
    assert cli.main(argv) == 0
    saved, trained = load_training(out), train(s)
    assert math.isfinite(saved.seconds)
    saved.seconds = trained.seconds
    assert_same_result(saved, trained)


def test_store_and_spec_import_no_torch():
    code = "import sys, dynsim.store; assert 'torch' not in sys.modules, 'torch imported'"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
