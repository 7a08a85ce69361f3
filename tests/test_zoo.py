"""The task and model zoo: Go/NoGo, LSTM and Mamba, regimes (curricula with freezing), records."""

import copy
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from dynsim import cli, models, tasks
from dynsim.config import ConfigError, network_specs, schema, validate
from dynsim.training import (
    REGIME_PATTERN,
    NetworkSpec,
    TrainingConfig,
    curriculum,
    parse_regime,
    record_activity,
    select_checkpoints,
    train,
)

ROOT = Path(__file__).resolve().parents[1]


# -- tasks ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["gonogo", "anti_gonogo_delay"])
def test_gonogo_test_mode_fixed_timing_and_grid(name):
    task = tasks.get(name, test_timing={"stimulus": 300})
    batch = task.test_batch(n_repeats=3)
    assert batch.n_trials == 6
    for start, stop in batch.epochs.values():
        assert len(set(start)) == 1 and len(set(stop)) == 1
    assert batch.epochs["stimulus"][1][0] - batch.epochs["stimulus"][0][0] == 300 / 20
    assert sorted(set(batch.conditions["cue"])) == ["go", "nogo"]
    # Exactly one cue channel is on (before noise) during the stimulus: check the means.
    labels = batch.epoch_labels()
    cue = batch.inputs[..., 1:3].numpy()
    go = batch.conditions["cue"] == "go"
    stim = labels == "stimulus"
    assert (
        cue[go[:, None] & stim][:, 0].mean() > 0.8
        and abs(cue[~go[:, None] & stim][:, 0].mean()) < 0.2
    )


def test_tasks_share_layout_within_a_family_and_rule_input_is_one_hot():
    for members in tasks.FAMILIES.values():
        layouts = {(tasks.get(t).n_inputs, tasks.get(t).n_outputs) for t in members.values()}
        assert len(layouts) == 1
        for k, name in enumerate(sorted(members.values(), key=list(members.values()).index)):
            batch = tasks.get(name).test_batch()
            rule = batch.inputs[..., 3:].numpy()
            inside = batch.mask.numpy() > 0
            assert np.all(rule[inside].sum(-1) == 1)
            assert np.all(rule[inside][:, k] == 1)
    assert tasks.family("anti_gonogo")["target"] == "anti_gonogo_delay"
    assert tasks.family("nope") is None


def test_timing_is_converted_with_dt():
    coarse = tasks.get("pdm_delay", dt=20).test_batch()
    fine = tasks.get("pdm_delay", dt=10).test_batch()
    assert fine.n_steps == 2 * coarse.n_steps
    with pytest.raises(ValueError, match="unknown epoch"):
        tasks.get("pdm", train_timing={"stimulsu": (100, 200)})


# -- models ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("arch", models.available())
def test_input_parameters_are_the_parameters_that_see_the_input(arch):
    torch.manual_seed(0)
    model = models.build(arch, n_input=5, n_hidden=8, n_output=2)
    inputs = model.input_parameters()
    assert inputs and all(any(p is q for q in model.parameters()) for p in inputs)
    # Zeroing the input weights removes every effect of the input.
    model.eval()
    with torch.no_grad():
        for p in inputs:
            p.zero_()
        x = torch.randn(3, 6, 5)
        _, a = model(x)
        _, b = model(torch.randn(3, 6, 5))
    torch.testing.assert_close(a, b)


def test_mamba_hidden_choice():
    model = models.build("mamba", 4, 8, 2, n_layers=2, d_state=4, hidden="ssm_state")
    outputs, hidden = model(torch.randn(3, 7, 4))
    assert outputs.shape == (3, 7, 2) and hidden.shape == (3, 7, 2 * 8 * 4)
    with pytest.raises(ValueError, match="hidden must be one of"):
        models.build("mamba", 4, 8, 2, hidden="nope")


def test_mamba_is_causal():
    torch.manual_seed(0)
    model = models.build("mamba", 4, 8, 2).eval()
    x = torch.randn(2, 10, 4)
    y = x.clone()
    y[:, 6:] = torch.randn(2, 4, 4)
    with torch.no_grad():
        _, a = model(x)
        _, b = model(y)
    torch.testing.assert_close(a[:, :6], b[:, :6])
    assert not torch.allclose(a[:, 6:], b[:, 6:])


# -- regimes --------------------------------------------------------------------------------------
def test_regime_names():
    assert parse_regime("pretrain_basic_anti_frozen") == {
        "pretrain": ("basic", "anti"),
        "frozen": True,
    }
    assert parse_regime("pretrain_unfrozen") == {
        "pretrain": ("basic", "anti", "delay"),
        "frozen": False,
    }
    assert parse_regime("master_frozen")["frozen"]
    for bad in ("pretrain_anti_basic_frozen", "pretrain_basic", "masters", "pretrain_x_frozen"):
        with pytest.raises(ValueError, match="unknown regime"):
            parse_regime(bad)
    pattern = schema()["properties"]["regimes"]["items"]["pattern"]
    assert pattern == REGIME_PATTERN
    assert re.match(pattern, "pretrain_anti_delay_frozen")


def spec(regime, seed=0, task="anti_pdm_delay", arch="leaky_rnn", **training):
    cfg = {
        "max_steps": 40,
        "pretrain_steps": 60,
        "eval_every": 20,
        "snapshot_every": 10,
        "eval_trials": 64,
        "batch_size": 32,
        "checkpoints": (0.0, 0.5, 1.0),
        **training,
    }
    return NetworkSpec(
        task=task,
        arch=arch,
        seed=seed,
        regime=regime,
        hidden_size=16,
        training=TrainingConfig(**cfg),
    )


def test_curricula():
    assert curriculum(spec("untrained")) == []
    (master,) = curriculum(spec("master"))
    assert master.tasks == ("anti_pdm_delay",) and master.trainable == "all" and master.recorded
    pre, target = curriculum(spec("pretrain_basic_delay_frozen"))
    assert pre.tasks == ("pdm", "pdm_delay") and not pre.recorded and pre.max_steps == 60
    assert target.tasks == ("anti_pdm_delay",) and target.trainable == "input"
    pre, target = curriculum(spec("pretrain_unfrozen", task="anti_gonogo_delay"))
    assert pre.tasks == ("gonogo", "anti_gonogo", "gonogo_delay") and target.trainable == "all"
    (multi,) = curriculum(spec("multitask"))
    assert multi.tasks == ("pdm", "anti_pdm", "pdm_delay", "anti_pdm_delay")


def _input_keys(s):
    model = s.build_model()
    ids = {id(p) for p in model.input_parameters()}
    return {name for name, p in model.named_parameters() if id(p) in ids}


def test_frozen_trains_only_input_weights_and_differs_from_master():
    # Acceptance 3: same seed, master vs pretrain_*_frozen.
    master = train(spec("master"))
    frozen_spec = spec("pretrain_basic_anti_frozen")
    frozen = train(frozen_spec)
    assert [p["name"] for p in frozen.phases] == ["pretrain", "target"]
    assert frozen.phases[0]["tasks"] == ["pdm", "anti_pdm"]
    assert frozen.phases[0]["steps"] > 0
    first, last = frozen.snapshots[0], frozen.snapshots[frozen.final_step]
    inputs = _input_keys(frozen_spec)
    changed = {k for k in first if not torch.equal(first[k], last[k])}
    assert changed and changed <= inputs, changed
    # Pretraining changed everything, so the frozen network's start is not master's start.
    assert not torch.equal(first["recurrent.weight"], master.snapshots[0]["recurrent.weight"])
    a = record_activity(master, n_repeats=1)["hidden"][-1]
    b = record_activity(frozen, n_repeats=1)["hidden"][-1]
    assert a.shape == b.shape and not np.allclose(a, b)


def test_unfrozen_trains_everything_after_pretraining():
    result = train(spec("pretrain_unfrozen", max_steps=20, pretrain_steps=30))
    first, last = result.snapshots[0], result.snapshots[result.final_step]
    assert all(not torch.equal(first[k], last[k]) for k in first)
    assert result.phases[0]["tasks"] == ["pdm", "anti_pdm", "pdm_delay"]


@pytest.mark.parametrize("arch", ["lstm", "mamba"])
def test_frozen_freezes_other_architectures(arch):
    s = spec("master_frozen", arch=arch, max_steps=10)
    result = train(s)
    first, last = result.snapshots[0], result.snapshots[result.final_step]
    changed = {k for k in first if not torch.equal(first[k], last[k])}
    assert changed and changed <= _input_keys(s)


def test_pretrain_regime_is_bitwise_deterministic():
    s = spec("pretrain_delay_frozen", max_steps=10, pretrain_steps=20)
    first = record_activity(train(s), n_repeats=1)
    second = record_activity(train(s), n_repeats=1)
    np.testing.assert_array_equal(first["hidden"], second["hidden"])
    np.testing.assert_array_equal(first["output"], second["output"])


def test_untrained_has_one_checkpoint_at_step_zero():
    result = train(spec("untrained"))
    assert result.status == "untrained" and result.final_step == 0 and list(result.snapshots) == [0]
    assert select_checkpoints(result) == [(0, 0.0)]
    recording = record_activity(result, n_repeats=1)
    assert recording["hidden"].shape[0] == 1
    assert 0.0 <= recording["accuracy"][0] <= 1.0


def test_multitask_reaches_criterion_on_all_tasks_or_exhausts_budget():
    result = train(spec("multitask", task="gonogo", max_steps=16, eval_every=8))
    assert result.status in ("converged", "budget_exhausted")
    (phase,) = result.phases
    assert set(phase["eval_accuracy"]) == set(tasks.FAMILIES["gonogo"].values())
    assert result.eval_accuracy == phase["eval_accuracy"]["gonogo"]


# -- config ---------------------------------------------------------------------------------------
@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_regimes_fan_out(config):
    config = copy.deepcopy(config)
    config["regimes"] = ["master", "untrained", "pretrain_anti_frozen"]
    validate(config)
    specs = network_specs(config)
    assert len(specs) == 3 * len(config["tasks"]) * len(config["architectures"]) * len(
        config["seeds"]
    )
    assert {s.regime for s in specs} == set(config["regimes"])


@pytest.mark.parametrize("bad", ["pretrain_frozn", "pretrain_delay_anti_frozen", "Master"])
def test_bad_regime_names_the_key(config, bad):
    config = copy.deepcopy(config)
    config["regimes"] = ["master", bad]
    with pytest.raises(ConfigError, match="'regimes.1'"):
        validate(config)


def test_curricula_config_is_valid():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config.update(yaml.safe_load((ROOT / "config" / "curricula.yaml").read_text()))
    validate(config)
    regimes = {s.regime for s in network_specs(config)}
    assert {"master", "untrained", "pretrain_unfrozen"} <= regimes


def test_grid_multiplies_regimes_and_curricula_keep_their_variant():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config.update(yaml.safe_load((ROOT / "config" / "curricula.yaml").read_text()))
    config["grid"] = {"hidden_size": [8, 12], "batch_size": [16, 32]}
    validate(config)
    specs = network_specs(config)
    assert len(specs) == 4 * len(config["regimes"])  # 1 task, 1 arch, 1 seed
    frozen = [s for s in specs if s.regime == "pretrain_basic_anti_frozen"]
    assert [s.variant_name for s in frozen] == [
        "hidden_size8-batch_size16",
        "hidden_size8-batch_size32",
        "hidden_size12-batch_size16",
        "hidden_size12-batch_size32",
    ]
    assert {(s.hidden_size, s.training.batch_size) for s in frozen} == {
        (8, 16),
        (8, 32),
        (12, 16),
        (12, 32),
    }
    assert all(s.training.pretrain_steps == 400 for s in frozen)  # the rest is the config's
    round_trip = NetworkSpec.from_dict(json.loads(json.dumps(frozen[0].to_dict())))
    assert round_trip == frozen[0] and round_trip.key == frozen[0].key


def test_insd_link_refuses_earlier_links_of_another_variant():
    link0 = train(spec("insd_0", max_steps=2))
    link1 = spec("insd_1", max_steps=2).with_variant({"hidden_size": 8})
    with pytest.raises(ValueError, match="another grid variant"):
        train(link1, previous=[link0])


# -- records --------------------------------------------------------------------------------------
def test_store_keeps_status_regime_hyperparameters_and_phases(tmp_path):
    import xarray as xr

    s = spec("pretrain_anti_frozen", max_steps=10, pretrain_steps=10)
    checkpoint, store = tmp_path / "net.pt", tmp_path / "net.zarr"
    assert cli.main(["train", "--spec", json.dumps(s.to_dict()), "--out", str(checkpoint)]) == 0
    assert cli.main(["record", "--checkpoint", str(checkpoint), "--out", str(store)]) == 0
    ds = xr.open_zarr(store)
    assert ds.attrs["regime"] == "pretrain_anti_frozen"
    assert ds.attrs["status"] in ("converged", "budget_exhausted")
    assert ds.attrs["hidden_size"] == 16 and ds.attrs["learning_rate"] == s.training.learning_rate
    phases = json.loads(ds.attrs["phases"])
    assert [p["name"] for p in phases] == ["pretrain", "target"]
    assert phases[1]["trainable"] == "input"
    assert ds["pretrain_loss_curve"].size == phases[0]["steps"]
    assert ds["loss_curve"].size == phases[1]["steps"]


# -- example-trial plot ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["pdm_delay", "anti_gonogo"])
def test_task_plot(tmp_path, name):
    out = tmp_path / f"{name}.png"
    assert cli.main(["task-plot", name, "-o", str(out), "--trial", "1"]) == 0
    assert out.stat().st_size > 1000
