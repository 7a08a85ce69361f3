"""Task structure, responders, training to criterion, determinism, checkpoints."""

import numpy as np
import pytest
import torch

from dynsim import models, tasks
from dynsim.training import NetworkSpec, TrainingConfig, record_activity, select_checkpoints, train

# The decision-making families (classification targets); the INSD tasks (regression targets)
# are tested in test_insd_tasks.py.
DECISION_TASKS = [name for name in tasks.available() if tasks.family(name) is not None]


@pytest.mark.parametrize("name", DECISION_TASKS)
def test_trial_structure(name):
    task = tasks.get(name)
    batch = task.generate(64, mode="train", generator=torch.Generator().manual_seed(0))
    assert batch.inputs.shape[:2] == batch.targets.shape == batch.mask.shape
    order = ["fixation", "stimulus", *(["delay"] if "delay" in name else []), "decision"]
    assert list(batch.epochs) == order
    for first, second in zip(order, order[1:], strict=False):  # epochs abut, in order
        np.testing.assert_array_equal(batch.epochs[first][1], batch.epochs[second][0])
    fixation_cue = batch.inputs[..., 0].numpy()
    labels = batch.epoch_labels()
    assert np.all(fixation_cue[labels == "decision"] == 0)
    assert np.all(fixation_cue[np.isin(labels, order[:-1])] == 1)
    evidence = batch.inputs[..., 1:3].numpy()
    assert np.all(evidence[labels != "stimulus"] == 0)
    # Targets: fixate before the decision epoch, the correct side during it.
    targets = batch.targets.numpy()
    assert np.all(targets[np.isin(labels, order[:-1])] == 0)
    correct = batch.conditions["correct_choice"]
    assert np.all((targets == correct[:, None])[labels == "decision"])
    # The mask covers each trial and nothing after it (padding to the longest trial).
    np.testing.assert_array_equal(batch.mask.numpy().sum(1), batch.epochs["decision"][1])
    if "direction" in batch.conditions:
        # PDM: anti variants answer the side opposite to the stronger evidence.
        direction = batch.conditions["direction"]
        stronger = np.where(direction > 0, 1, 2)
        expected = 3 - stronger if name.startswith("anti") else stronger
    else:
        # Go/NoGo: respond (1) after "go", withhold (0) after "nogo"; anti swaps them.
        go = (batch.conditions["cue"] == "go").astype(np.int64)
        expected = 1 - go if name.startswith("anti") else go
    np.testing.assert_array_equal(correct, expected)


@pytest.mark.parametrize("name", DECISION_TASKS)
def test_perfect_and_constant_responders(name):
    task = tasks.get(name)
    batch = task.test_batch(n_repeats=8)
    perfect = torch.nn.functional.one_hot(batch.targets, task.n_outputs).float()
    assert task.accuracy(perfect, batch) == 1.0
    constant = torch.zeros(batch.n_trials, batch.n_steps, task.n_outputs)
    constant[..., 1] = 1.0  # always answers choice 1 (PDM) or "respond" (Go/NoGo)
    assert task.accuracy(constant, batch) == pytest.approx(0.5)


def test_test_mode_has_fixed_timing_and_full_condition_grid():
    task = tasks.get("pdm_delay", test_timing={"delay": 600})
    batch = task.test_batch(n_repeats=2)
    for start, stop in batch.epochs.values():
        assert len(set(start)) == 1 and len(set(stop)) == 1
    assert batch.epochs["delay"][1][0] - batch.epochs["delay"][0][0] == 600 / 20
    grid = set(zip(batch.conditions["coherence"], batch.conditions["direction"], strict=True))
    assert len(grid) == 2 * len(task.coherences)


def test_unknown_names_are_reported():
    with pytest.raises(ValueError, match="unknown task 'nope'"):
        tasks.get("nope")
    with pytest.raises(ValueError, match="unknown architecture 'nope'"):
        models.build("nope", 3, 4, 2)


@pytest.mark.parametrize("arch", models.available())
def test_models_return_hidden_trajectory(arch):
    model = models.build(arch, n_input=7, n_hidden=12, n_output=3, dt=20, tau=100)
    outputs, hidden = model(torch.randn(5, 9, 7))
    assert outputs.shape == (5, 9, 3) and hidden.shape == (5, 9, 12)


def small_spec(arch="leaky_rnn", seed=0, **training):
    cfg = {"max_steps": 400, "eval_every": 20, "snapshot_every": 5, **training}
    return NetworkSpec(
        task="pdm", arch=arch, seed=seed, hidden_size=24, training=TrainingConfig(**cfg)
    )


@pytest.mark.parametrize("arch", models.available())
def test_training_reaches_criterion(arch):
    result = train(small_spec(arch))
    assert result.status == "converged"
    assert result.eval_accuracy[-1] >= 0.9
    steps = [s for s, _ in select_checkpoints(result)]
    assert steps[0] == 0 and steps[-1] == result.final_step and steps == sorted(steps)


def test_same_seed_gives_bitwise_identical_activity():
    spec = small_spec(max_steps=30)
    first = record_activity(train(spec), n_repeats=1)
    second = record_activity(train(spec), n_repeats=1)
    np.testing.assert_array_equal(first["hidden"], second["hidden"])
    other = record_activity(train(small_spec(seed=1, max_steps=30)), n_repeats=1)
    assert not np.array_equal(first["hidden"], other["hidden"])


def test_divergence_is_recorded_not_raised():
    # A recurrent gain of 1e20 overflows the ReLU network's state within a few steps.
    spec = NetworkSpec(
        task="pdm",
        arch="leaky_rnn",
        seed=0,
        hidden_size=8,
        model_params={"init_gain": 1e20},
        training=TrainingConfig(max_steps=50),
    )
    result = train(spec)
    assert result.status == "diverged"
    assert np.isnan(result.loss[-1]) and result.final_step == 0


def test_spec_round_trip():
    spec = small_spec()
    assert NetworkSpec.from_dict(spec.to_dict()) == spec
    assert spec.config_hash() == NetworkSpec.from_dict(spec.to_dict()).config_hash()


def test_phase_log_keeps_the_books():
    """PhaseLog, the bookkeeping both training loops share: evaluation every eval_every steps
    and at the last, snapshots every snapshot_every plus the first and last, the criterion,
    divergence (NaN, weights from before the step), penalised links training on."""
    from dynsim.training import Phase, PhaseLog

    cfg = TrainingConfig(max_steps=7, eval_every=3, snapshot_every=2)
    phase = Phase("target", ("pdm",), "all", max_steps=7, target_accuracy=0.9, recorded=True)
    weights = {"w": torch.zeros(1)}
    log = PhaseLog(phase, cfg, state=lambda: {"w": weights["w"].clone()})
    evaluated = []
    while log.running:
        weights["w"] += 1
        log.stepped(float(log.step))
        if log.evaluating:
            evaluated.append(log.step)
            log.evaluated({"pdm": 0.5})
    log.finish()
    assert evaluated == log.eval_steps == [3, 6, 7] and log.status == "budget_exhausted"
    assert list(log.snapshots) == [0, 2, 4, 6, 7] and log.snapshots[7]["w"].item() == 7
    assert log.summary()["steps"] == 7 and "penalty" not in log.summary()

    log = PhaseLog(phase, cfg, state=lambda: {"w": weights["w"].clone()})
    log.stepped(0.1)
    log.diverged()
    assert not log.running and log.status == "diverged" and log.step == 1
    assert log.loss[0] == 0.1 and np.isnan(log.loss[1]) and list(log.snapshots) == [0, 1]

    for penalised, (status, steps) in [(False, ("converged", 3)), (True, ("budget_exhausted", 7))]:
        log = PhaseLog(phase, cfg, state=dict, penalised=penalised, penalty=[])
        accuracy = iter([0.95, 0.5, 0.5])  # reaches the criterion at the first evaluation
        while log.running:
            log.stepped(1.0)
            if log.evaluating:
                log.evaluated({"pdm": next(accuracy)})
        log.finish()
        assert (log.status, log.step) == (status, steps) and log.summary()["penalty"] == []
