"""The Yang et al. 2019 / Driscoll et al. 2024 task family: shared layout, trial structure,
answers implied by the condition labels, responders, test grids, timing, seeding, training."""

import functools
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dynsim import cli, tasks
from dynsim.config import ConfigError, schema, validate
from dynsim.store import network_dataset
from dynsim.tasks.base import ms_to_steps
from dynsim.tasks.yang import angular_distance, decode_angle, encode_angle
from dynsim.training import NetworkSpec, TrainingConfig, record_activity, train

YANG = list(tasks.YANG_TASKS)
ENCODINGS = ["ring", "sincos"]
PRO_ANTI = ["delay_pro", "delay_anti", "memory_pro", "memory_anti", "react_pro", "react_anti"]
TWO_STIMULI = [
    "integration_mod1",
    "integration_mod2",
    "ctx_int_mod1",
    "ctx_int_mod2",
    "integration_multimodal",
]
MATCH = ["react_match2sample", "react_nonmatch2sample", "react_category_pro", "react_category_anti"]
# The epochs of each task and the epochs during which its first and second stimulus are on
# (written out here from the published task definitions, independently of the module).
EPOCHS = {
    **dict.fromkeys(["delay_pro", "delay_anti"], ("fixation", "stimulus", "decision")),
    **dict.fromkeys(["memory_pro", "memory_anti"], ("fixation", "stimulus", "delay", "decision")),
    **dict.fromkeys(["react_pro", "react_anti"], ("fixation", "decision")),
    **dict.fromkeys(
        TWO_STIMULI, ("fixation", "stimulus1", "delay1", "stimulus2", "delay2", "decision")
    ),
    **dict.fromkeys(MATCH, ("fixation", "sample", "delay", "decision")),
}
SHOWN = {
    **dict.fromkeys(["delay_pro", "delay_anti"], (("stimulus", "decision"), ())),
    **dict.fromkeys(["memory_pro", "memory_anti"], (("stimulus",), ())),
    **dict.fromkeys(["react_pro", "react_anti"], (("decision",), ())),
    **dict.fromkeys(TWO_STIMULI, (("stimulus1",), ("stimulus2",))),
    **dict.fromkeys(MATCH, (("sample",), ("decision",))),
}
# Reaction-time tasks: the fixation cue stays on through the response (Yang et al.).
CUE_STAYS_ON = {"react_pro", "react_anti", *MATCH}


def make(name, encoding="ring", **params):
    return tasks.get(name, encoding=encoding, **params)


def train_batch(task, n=48, seed=0):
    return task.generate(n, mode="train", generator=torch.Generator().manual_seed(seed))


def expected_answer(name, c):
    """(go, response angle) per trial, worked out from the stimulus labels and the rule."""
    a1, a2 = c["stim1_angle"], c["stim2_angle"]
    s = {(i, m): c[f"stim{i}_strength_mod{m}"] for i in (1, 2) for m in (1, 2)}
    n = len(a1)
    go = np.ones(n, dtype=bool)
    if name in PRO_ANTI:
        response = np.mod(a1 + (np.pi if name.endswith("anti") else 0.0), 2 * np.pi)
    elif name in TWO_STIMULI:
        if name.endswith("mod1"):
            first = s[1, 1] > s[2, 1]
        elif name.endswith("mod2"):
            first = s[1, 2] > s[2, 2]
        else:
            first = s[1, 1] + s[1, 2] > s[2, 1] + s[2, 2]
        response = np.where(first, a1, a2)
    else:
        if "category" in name:
            match = (a1 >= np.pi) == (a2 >= np.pi)
        else:
            match = circular(a1, a2) < 1e-9
        go = match if name in ("react_match2sample", "react_category_pro") else ~match
        response = np.where(go, a2, np.nan)
    return go, response


def circular(a, b):
    """|a − b| on the circle (numpy)."""
    return np.abs(np.angle(np.exp(1j * (np.asarray(a) - np.asarray(b)))))


def perfect_outputs(task, batch):
    """The ideal answer, built from the epochs and the condition labels (not the targets)."""
    labels = batch.epoch_labels()
    decision = torch.as_tensor(labels == "decision")
    go = torch.as_tensor(batch.conditions["go"] == 1)[:, None]
    answering = decision & go
    outputs = torch.zeros(batch.n_trials, batch.n_steps, task.n_outputs)
    outputs[..., 0] = ((batch.mask > 0) & ~answering).float()
    code = task.encode(torch.as_tensor(batch.conditions["response_angle"]))
    outputs[..., 1:] = answering[..., None].float() * code[:, None, :]
    return outputs


def timed_blind_outputs(task, batch, angle):
    """Fixates until the decision epoch, then always answers ``angle``: ignores the stimuli."""
    decision = torch.as_tensor(batch.epoch_labels() == "decision")
    outputs = torch.zeros(batch.n_trials, batch.n_steps, task.n_outputs)
    outputs[..., 0] = ((batch.mask > 0) & ~decision).float()
    code = task.encode(torch.tensor([angle]))[0]
    outputs[..., 1:] = decision[..., None].float() * code
    return outputs


def best_fixed_angle_share(task, batch):
    """The best accuracy any stimulus-blind fixed answer can reach on this batch."""
    go = batch.conditions["go"] == 1
    response = batch.conditions["response_angle"][go]
    candidates = np.linspace(0, 2 * np.pi, 1440, endpoint=False)
    distance = circular(candidates[:, None], response[None, :])
    return (distance < task.tolerance).sum(1).max() / batch.n_trials


# -- registry, layout, config -------------------------------------------------------------------
def test_family_is_registered_in_rule_order_with_one_layout():
    assert len(YANG) == len(set(YANG)) == 15
    enum = schema()["properties"]["tasks"]["items"]["enum"]
    for name in YANG:
        assert name in tasks.available() and name in enum
        task = make(name)
        assert isinstance(task, tasks.YangTask) and tasks.family(name) is None
        doc = (type(task).__doc__ or "").strip()
        assert doc and len(doc.splitlines()) == 1
    for encoding, n_code in (("ring", 32), ("sincos", 2)):
        family = [make(name, encoding) for name in YANG]
        assert {(t.n_inputs, t.n_outputs) for t in family} == {(1 + 2 * n_code + 15, 1 + n_code)}
        assert all(t.input_names == family[0].input_names for t in family)
        assert all(t.output_names == family[0].output_names for t in family)
        assert family[0].input_names[1 + 2 * n_code :] == [f"rule_{r}" for r in YANG]
    keys = {name: set(make(name).test_batch().conditions) for name in YANG}
    assert len({frozenset(k) for k in keys.values()}) == 1  # batches of the family can merge
    assert tasks.get("memory_pro", encoding="ring", n_ring=16).n_inputs == 1 + 32 + 15


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="encoding"):
        tasks.get("memory_pro", encoding="polar")
    with pytest.raises(ValueError, match="unknown epoch"):
        tasks.get("memory_pro", train_timing={"stimulus2": (100, 200)})
    with pytest.raises(ValueError, match="grace_ms"):
        tasks.get("react_pro", grace_ms=400, test_timing={"decision": 300})
    with pytest.raises(ValueError, match="n_test_angles"):
        tasks.get("react_category_pro", n_test_angles=5)


def test_config_accepts_the_family_with_per_task_parameters():
    base = {"experiment": "x", "architectures": ["leaky_rnn"], "seeds": [0]}
    config = validate(
        {
            **base,
            "tasks": ["memory_pro", "react_match2sample"],
            "task": {"params": {"memory_pro": {"encoding": "sincos", "tolerance_deg": 36}}},
        }
    )
    assert config["tasks"] == ["memory_pro", "react_match2sample"]
    with pytest.raises(ConfigError, match="memory_pro"):
        validate({**base, "tasks": ["memory_pro"], "task": {"params": {"memory_pro": {"x": 1}}}})
    # The shared key input_noise reaches the family's tasks (and no other); typos name the key.
    from dynsim.config import network_specs

    config = validate({**base, "tasks": ["memory_pro", "pdm"], "task": {"input_noise": "all"}})
    params = {s.task: s.task_params for s in network_specs(config)}
    assert params["memory_pro"]["input_noise"] == "all" and "input_noise" not in params["pdm"]
    with pytest.raises(ConfigError, match="task.input_noise"):
        validate({**base, "tasks": ["memory_pro"], "task": {"input_noise": "rules"}})


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_input_noise_on_the_stimuli_or_on_every_channel(encoding):
    """``input_noise="stimuli"`` leaves the fixation cue and the rule exact; ``"all"`` (Yang et
    al.'s code) adds noise of std sigma to them as well, inside the trial only; the noise-free
    inputs are the same either way."""
    sigma = 0.3
    clean = train_batch(make("memory_anti", encoding, sigma=0.0), n=400)
    k = make("memory_anti", encoding).n_code
    cue_and_rule = [0, *range(1 + 2 * k, clean.inputs.shape[-1])]
    inside = clean.mask.numpy() > 0
    for mode in ("stimuli", "all"):
        batch = train_batch(make("memory_anti", encoding, sigma=sigma, input_noise=mode), n=400)
        np.testing.assert_array_equal(batch.mask, clean.mask)  # same trials and timings
        extra = (batch.inputs - clean.inputs).numpy()
        stimulus = extra[..., 1 : 1 + 2 * k]
        assert np.std(stimulus[inside]) == pytest.approx(sigma, rel=0.02)
        assert np.all(stimulus[~inside] == 0) and np.all(extra[..., cue_and_rule][~inside] == 0)
        others = extra[..., cue_and_rule][inside]
        if mode == "stimuli":
            assert np.all(others == 0)
        else:
            assert np.std(others) == pytest.approx(sigma, rel=0.02)
            assert abs(np.mean(others)) < 0.01
    with pytest.raises(ValueError, match="input_noise"):
        make("memory_anti", encoding, input_noise="rule")


# -- trial structure ------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("name", YANG)
def test_trial_structure(name, encoding):
    task = make(name, encoding, sigma=0.0)
    batch = train_batch(task)
    n, t = batch.n_trials, batch.n_steps
    k = task.n_code
    assert batch.inputs.shape == (n, t, task.n_inputs)
    assert batch.targets.shape == (n, t, task.n_outputs) and batch.targets.dtype == torch.float32
    assert batch.mask.shape == (n, t)
    assert len(batch.input_names) == task.n_inputs and len(batch.output_names) == task.n_outputs
    # Epochs in order, abutting, from step 0; the mask covers each trial and nothing after.
    order = EPOCHS[name]
    assert tuple(batch.epochs) == order
    assert np.all(batch.epochs[order[0]][0] == 0)
    for first, second in zip(order, order[1:], strict=False):
        np.testing.assert_array_equal(batch.epochs[first][1], batch.epochs[second][0])
    np.testing.assert_array_equal(batch.mask.numpy().sum(1), batch.epochs["decision"][1])
    labels = batch.epoch_labels()
    inside = batch.mask.numpy() > 0
    before = np.isin(labels, order[:-1])
    decision = labels == "decision"
    # The fixation cue: on before the decision, off during it (on for reaction-time tasks).
    cue = batch.inputs[..., 0].numpy()
    assert np.all(cue[before] == 1) and np.all(cue[~inside] == 0)
    assert np.all(cue[decision] == (1 if name in CUE_STAYS_ON else 0))
    # The rule: one-hot on this task's index for the whole trial.
    rule = batch.inputs[..., 1 + 2 * k :].numpy()
    assert np.all(rule[inside] == np.eye(15)[YANG.index(name)]) and np.all(rule[~inside] == 0)
    # Stimuli (noise-free here): each stimulus's code, at its strength in each modality, during
    # the epochs it is shown, and nothing outside them.
    stimuli = batch.inputs[..., 1 : 1 + 2 * k]
    expected = torch.zeros_like(stimuli)
    for i, epochs in enumerate(SHOWN[name], start=1):
        on = torch.as_tensor(np.isin(labels, epochs))
        angle = torch.as_tensor(batch.conditions[f"stim{i}_angle"])
        for m in (1, 2):
            strength = torch.as_tensor(batch.conditions[f"stim{i}_strength_mod{m}"])
            code = task.encode(angle, strength)
            expected[..., (m - 1) * k : m * k] += on[..., None].float() * code[:, None, :]
    torch.testing.assert_close(stimuli, expected)
    # Targets: fixate before the decision; in it, answer (go) or keep fixating (no-go).
    go = batch.conditions["go"] == 1
    fixate = batch.targets[..., 0].numpy()
    assert np.all(fixate[before] == 1) and np.all(fixate[~inside] == 0)
    assert np.all(fixate[decision] == np.broadcast_to(~go[:, None], decision.shape)[decision])
    response = batch.targets[..., 1:].numpy()
    assert np.all(response[~decision] == 0)


@pytest.mark.parametrize("name", YANG)
def test_labels_give_the_answer_the_rule_asks_for(name):
    task = make(name)
    for batch in (train_batch(task, n=256, seed=3), task.test_batch()):
        c = batch.conditions
        go, response = expected_answer(name, c)
        np.testing.assert_array_equal(c["go"], go.astype(np.int64))
        assert np.all(np.isnan(c["response_angle"][~go]))
        assert np.all(circular(c["response_angle"][go], response[go]) < 1e-9)
        np.testing.assert_allclose(c["response_cos"], np.where(go, np.cos(response), 0.0))
        strengths = np.stack([c[f"stim1_strength_mod{m}"] for m in (1, 2)], 1)
        if name in PRO_ANTI or name in MATCH:
            # One stimulus (two for match tasks) of strength 1, each in one modality.
            assert np.all(np.sort(strengths, 1) == [0.0, 1.0])
        if name in ("integration_mod1", "integration_mod2"):
            unused = 2 if name.endswith("mod1") else 1
            assert np.all(c[f"stim1_strength_mod{unused}"] == 0)
            assert np.all(np.isnan(c[f"coherence_mod{unused}"]))
        if name not in TWO_STIMULI:  # no strengths to compare
            assert np.all(np.isnan(c["coherence_mod1"]) & np.isnan(c["coherence_mod2"]))
        if name in TWO_STIMULI:
            separation = circular(c["stim1_angle"], c["stim2_angle"])
            assert np.all(separation >= np.pi / 2 - 1e-9)
        if name in ("react_match2sample", "react_nonmatch2sample"):
            far = circular(c["stim1_angle"], c["stim2_angle"])
            assert np.all((far < 1e-9) | (far >= np.pi / 9 - 1e-9))
            np.testing.assert_array_equal(c["match"], (far < 1e-9).astype(np.int64))
    train = train_batch(task, n=512, seed=5)
    if name in MATCH:  # go and no-go trials are about equally likely
        assert 0.4 < train.conditions["go"].mean() < 0.6


# -- responders -----------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("name", YANG)
def test_perfect_and_constant_responders(name, encoding):
    task = make(name, encoding)
    for batch in (task.test_batch(n_repeats=2), train_batch(task, n=64)):
        perfect = perfect_outputs(task, batch)
        torch.testing.assert_close(perfect, batch.targets)
        assert task.accuracy(perfect, batch) == 1.0
        assert float(task.loss(perfect, batch)) == 0.0
        jitter = torch.randn(perfect.shape, generator=torch.Generator().manual_seed(0))
        noisy = perfect + 0.05 * jitter
        assert task.accuracy(noisy, batch) == 1.0
        no_go = float((batch.conditions["go"] == 0).mean())
        # Constant outputs: always fixating is right on no-go trials only; never fixating is
        # never right.
        fixating = torch.zeros_like(perfect)
        fixating[..., 0] = 1.0
        assert task.accuracy(fixating, batch) == pytest.approx(no_go)
        answering = torch.zeros_like(perfect)
        answering[..., 1:] = task.encode(torch.tensor([0.3]))[0]
        assert task.accuracy(answering, batch) == 0.0
    # A responder that times its answer right but ignores the stimuli: at best chance.
    batch = task.test_batch()
    assert (batch.conditions["go"] == 0).mean() == (0.5 if name in MATCH else 0.0)
    for angle in (0.0, 0.3, np.pi):
        blind = task.accuracy(timed_blind_outputs(task, batch, angle), batch)
        assert blind <= best_fixed_angle_share(task, batch) + 1e-9
    assert best_fixed_angle_share(task, batch) <= 1 / 8 + 1e-9


@pytest.mark.parametrize("name", ["memory_pro", "react_match2sample"])
def test_accuracy_needs_fixation_before_the_response(name):
    task = make(name)
    batch = task.test_batch()
    outputs = perfect_outputs(task, batch)
    late = outputs.clone()
    start = int(batch.epochs["decision"][0][0])
    late[:, start - 2, 0] = 0.2  # breaks fixation just before the decision epoch
    assert task.accuracy(late, batch) == 0.0
    early = outputs.clone()
    early[:, : task.grace_steps, 0] = 0.0  # the first grace_ms are not scored
    assert task.accuracy(early, batch) == 1.0
    assert float(task.loss(early, batch)) == 0.0


@functools.lru_cache
def _memory_batch(encoding):
    task = make("memory_pro", encoding)
    return task, task.test_batch()


@settings(max_examples=40, deadline=None)
@given(
    shift=st.floats(-math.pi, math.pi),
    encoding=st.sampled_from(ENCODINGS),
)
def test_an_answer_is_correct_exactly_within_the_tolerance(shift, encoding):
    task, batch = _memory_batch(encoding)
    assume(abs(abs(shift) - task.tolerance) > 1e-3)
    outputs = perfect_outputs(task, batch)
    rotated = torch.as_tensor(batch.conditions["response_angle"]) + shift
    decision = torch.as_tensor(batch.epoch_labels() == "decision")
    outputs[..., 1:] = decision[..., None].float() * task.encode(rotated)[:, None, :]
    assert task.accuracy(outputs, batch) == (1.0 if abs(shift) < task.tolerance else 0.0)


@settings(max_examples=100, deadline=None)
@given(
    angle=st.floats(-20.0, 20.0),
    strength=st.floats(0.05, 5.0),
    encoding=st.sampled_from(ENCODINGS),
    n_ring=st.sampled_from([16, 32, 64]),
)
def test_decoding_recovers_any_encoded_angle(angle, strength, encoding, n_ring):
    code = encode_angle(torch.tensor([angle]), strength, encoding=encoding, n_ring=n_ring)
    assert code.shape == (1, n_ring if encoding == "ring" else 2)
    decoded = decode_angle(code, encoding=encoding)
    assert 0 <= float(decoded) < 2 * math.pi
    assert float(angular_distance(decoded.double(), torch.tensor([angle]))) < 1e-4
    # The strength scales the code; a missing stimulus (NaN angle) encodes to zero.
    unit = encode_angle(torch.tensor([angle]), 1.0, encoding=encoding, n_ring=n_ring)
    torch.testing.assert_close(code, strength * unit)
    assert not encode_angle(torch.tensor([math.nan]), strength, encoding=encoding).any()


# -- test mode, timing, seeding -------------------------------------------------------------------
@pytest.mark.parametrize("name", YANG)
def test_test_mode_has_fixed_timing_and_the_full_grid(name):
    task = make(name, test_timing={"decision": 600})
    batch = task.test_batch(n_repeats=2, seed=3)
    assert batch.n_trials == 2 * task.n_conditions
    for start, stop in batch.epochs.values():
        assert len(set(start)) == 1 and len(set(stop)) == 1
    decision = batch.epochs["decision"]
    assert decision[1][0] - decision[0][0] == 600 / 20
    keys = [k for k in batch.conditions if k != "rule"]
    table = np.stack([np.nan_to_num(batch.conditions[k], nan=-9.0) for k in keys], 1)
    rows, counts = np.unique(np.round(table, 6), axis=0, return_counts=True)
    assert len(rows) == task.n_conditions and set(counts) == {2}  # every condition, twice
    again = task.test_batch(n_repeats=2, seed=3)
    assert torch.equal(again.inputs, batch.inputs)
    angles = np.unique(np.round(np.mod(batch.conditions["stim1_angle"], 2 * np.pi), 9))
    assert len(angles) == task.n_test_angles
    if name in PRO_ANTI:
        modality = batch.conditions["stim1_strength_mod2"]
        assert set(modality) == {0.0, 1.0}


@pytest.mark.parametrize("name", YANG)
def test_timing_scales_with_dt_and_train_timing_is_random(name):
    coarse = make(name, dt=20).test_batch()
    fine = make(name, dt=10).test_batch()
    assert fine.n_steps == 2 * coarse.n_steps
    for epoch in coarse.epochs:
        for i in (0, 1):
            np.testing.assert_array_equal(fine.epochs[epoch][i], 2 * coarse.epochs[epoch][i])
    task = make(name)
    batch = train_batch(task, n=128)
    for epoch, (start, stop) in batch.epochs.items():
        low, high = (ms_to_steps(ms, task.dt) for ms in task.train_timing[epoch])
        length = stop - start
        assert length.min() >= low and length.max() <= high
        assert len(set(length)) > 1
    assert task.grace_steps == 5 and make(name, dt=10).grace_steps == 10


@pytest.mark.parametrize("name", YANG)
def test_seeds_give_identical_batches_and_other_seeds_differ(name):
    task = make(name, "sincos")
    first, second = train_batch(task, seed=7), train_batch(task, seed=7)
    assert torch.equal(first.inputs, second.inputs) and torch.equal(first.targets, second.targets)
    for epoch in first.epochs:
        np.testing.assert_array_equal(first.epochs[epoch][0], second.epochs[epoch][0])
    for key, values in first.conditions.items():
        np.testing.assert_array_equal(values, second.conditions[key])
    other = train_batch(task, seed=8)
    assert not np.array_equal(first.conditions["stim1_angle"], other.conditions["stim1_angle"])
    t = min(first.n_steps, other.n_steps)
    assert not torch.equal(first.inputs[:, :t], other.inputs[:, :t])


def test_batches_are_made_on_the_requested_device():
    batch = make("memory_pro").generate(4, device="meta")
    assert batch.inputs.device.type == batch.targets.device.type == batch.mask.device.type == "meta"


# -- training and plotting ------------------------------------------------------------------------
def test_a_short_training_run_lowers_the_loss():
    spec = NetworkSpec(
        task="delay_pro",
        arch="leaky_rnn",
        seed=0,
        hidden_size=32,
        task_params={"encoding": "sincos"},
        training=TrainingConfig(
            max_steps=150,
            batch_size=32,
            learning_rate=1e-2,
            eval_every=150,
            eval_trials=64,
            snapshot_every=150,
        ),
    )
    result = train(spec)
    loss = np.asarray(result.loss)
    assert result.status in ("converged", "budget_exhausted")
    assert np.all(np.isfinite(loss))
    assert loss[-10:].mean() < 0.3 * loss[:10].mean()


def test_recordings_keep_regression_targets_and_condition_labels():
    spec = NetworkSpec(
        task="react_match2sample",
        arch="leaky_rnn",
        seed=0,
        hidden_size=8,
        regime="untrained",
        task_params={"encoding": "sincos"},
    )
    dataset = network_dataset(record_activity(train(spec), n_repeats=1), {})
    assert dataset["target"].dims == ("trial", "time", "out")
    assert list(dataset["out"].values) == ["fixate", "response_cos", "response_sin"]
    assert set(dataset["go"].values) == {0, 1} and "decision" in set(dataset["epoch"].values)


@pytest.mark.parametrize("name", ["ctx_int_mod1", "react_match2sample"])
def test_task_plot_draws_an_example_trial(name, tmp_path, capsys):
    out = tmp_path / f"{name}.png"
    assert cli.main(["task-plot", name, "--out", str(out)]) == 0
    assert out.stat().st_size > 10_000
    assert name in capsys.readouterr().out


def multitask_spec(seed: int, hidden_size: int, max_steps: int) -> NetworkSpec:
    """A small ``multitask`` leaky RNN on ``memory_pro`` (sin/cos code), evaluated twice."""
    return NetworkSpec(
        task="memory_pro",
        arch="leaky_rnn",
        seed=seed,
        regime="multitask",
        hidden_size=hidden_size,
        task_params={"encoding": "sincos"},
        training=TrainingConfig(
            max_steps=max_steps,
            batch_size=30,
            eval_every=max_steps // 2,
            eval_trials=15,
            checkpoints=(0.0, 1.0),
        ),
    )


def test_multitask_trains_the_whole_family_interleaved():
    """``multitask`` on a Yang task interleaves all 15 tasks; each is evaluated."""
    from dynsim.training import curriculum

    spec = multitask_spec(seed=0, hidden_size=16, max_steps=20)
    (phase,) = curriculum(spec)
    assert phase.tasks == tuple(tasks.YANG_TASKS) and len(phase.tasks) == 15
    result = train(spec)
    assert result.status == "budget_exhausted" and result.final_step == 20
    (summary,) = result.phases
    assert set(summary["eval_accuracy"]) == set(tasks.YANG_TASKS)
    assert all(len(acc) == 2 for acc in summary["eval_accuracy"].values())
    assert np.isfinite(result.loss).all()


def test_multitask_networks_of_the_family_are_one_training():
    """The multitask networks of two Yang task names train identically, so one training
    retargeted to the other name equals training it: snapshots bit for bit, evaluation on the
    other task, phases; anything else differing keeps them apart."""
    from dataclasses import replace

    from dynsim.training import retarget, same_training

    memory = multitask_spec(seed=3, hidden_size=12, max_steps=10)
    delay = replace(memory, task="delay_anti")
    assert same_training(memory, delay) and same_training(delay, memory)
    trained, copied = train(delay), retarget(train(memory), delay)
    assert copied.spec == delay and copied.status == trained.status
    assert copied.final_step == trained.final_step == 10
    assert copied.eval_accuracy == trained.eval_accuracy
    assert copied.eval_accuracy == trained.phases[-1]["eval_accuracy"]["delay_anti"]
    assert copied.phases == trained.phases and copied.loss == trained.loss
    assert copied.snapshots.keys() == trained.snapshots.keys()
    for step, state in trained.snapshots.items():
        for name, value in state.items():
            assert torch.equal(copied.snapshots[step][name], value), (step, name)
    # Not the same training: another seed, other task parameters, another regime, a family
    # whose multitask curriculum depends on the target task.
    assert not same_training(memory, replace(delay, seed=4))
    assert not same_training(memory, replace(delay, task_params={"encoding": "ring"}))
    assert not same_training(replace(memory, regime="master"), replace(delay, regime="master"))
    assert not same_training(replace(memory, task="gonogo"), replace(delay, task="anti_gonogo"))
    with pytest.raises(ValueError, match="not the same training"):
        retarget(trained, replace(memory, seed=4))


def test_cli_reuses_a_training_only_for_the_same_training(tmp_path, capsys):
    """``dynsim train --same-training-as``: a retargeted copy for the same training, an error
    naming the checkpoint for any other spec (nothing written)."""
    import json
    from dataclasses import replace

    source = multitask_spec(seed=1, hidden_size=8, max_steps=4)
    path = tmp_path / "source.pt"
    torch.save(train(source).to_dict(), path)
    copy = tmp_path / "copy.pt"
    other = replace(source, task="react_anti")
    argv = ["train", "--spec", json.dumps(other.to_dict()), "--out", str(copy)]
    assert cli.main([*argv, "--same-training-as", str(path)]) == 0
    assert torch.load(copy, weights_only=False)["spec"]["task"] == "react_anti"
    wrong = replace(other, hidden_size=9)
    argv = ["train", "--spec", json.dumps(wrong.to_dict()), "--out", str(tmp_path / "no.pt")]
    assert cli.main([*argv, "--same-training-as", str(path)]) == 2
    err = capsys.readouterr().err
    assert re.search(r"^dynsim train: error: .*source\.pt.*not the same training", err, re.M)
    assert not (tmp_path / "no.pt").exists()


def test_config_accepts_multitask_but_not_pretraining_for_the_family():
    import yaml

    root = Path(__file__).resolve().parents[1]
    config = yaml.safe_load((root / "config.yaml").read_text())
    config.update(yaml.safe_load((root / "config" / "yang2019.yaml").read_text()))
    validate(dict(config))
    config["regimes"] = ["master", "pretrain_frozen"]
    with pytest.raises(ConfigError, match="'regimes.1'.*delay_pro"):
        validate(config)
