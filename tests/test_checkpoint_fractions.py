"""Checkpoint fractions that select one snapshot: recorded once, labelled with each fraction
(dynsim.training.record, dynsim.store, dynsim.pairwise.selection).

With snapshots every 5 steps, fractions 0.0 and 0.01 of a run of at most 40 steps both select
step 0 (0.01 × 40 = 0.4 is nearer 0 than 5). Before, step 0 was recorded twice."""

import numpy as np
import pytest

from dynsim.pairwise import Selection
from dynsim.store import atomic_write_zarr, network_dataset, open_network
from dynsim.training import NetworkSpec, TrainingConfig, record_activity, train


def _spec(checkpoints):
    training = TrainingConfig(
        max_steps=40, eval_every=20, snapshot_every=5, checkpoints=checkpoints
    )
    return NetworkSpec(task="pdm", arch="gru", seed=2, hidden_size=6, training=training)


@pytest.fixture(scope="module")
def recordings():
    met = train(_spec((0.0, 0.01, 0.5, 1.0)))
    apart = train(_spec((0.0, 0.5, 1.0)))  # the same training: checkpoints do not change it
    return met, record_activity(met, n_repeats=1), record_activity(apart, n_repeats=1)


def test_fractions_that_meet_are_recorded_once_with_both_labels(recordings):
    result, met, apart = recordings
    final = result.final_step
    half = int(np.argmin(np.abs(np.array(sorted(result.snapshots)) - 0.5 * final))) * 5
    assert list(met["steps"]) == [0, half, final]
    np.testing.assert_array_equal(met["progress"], [0.0, half / final, 1.0])
    assert list(met["fraction_indices"]) == ["0 1", "2", "3"]
    assert list(met["fractions"]) == ["0.0 0.01", "0.5", "1.0"]
    # the same activity as the recording whose fractions never met, checkpoint by checkpoint
    assert list(apart["steps"]) == list(met["steps"])
    np.testing.assert_array_equal(met["hidden"], apart["hidden"])
    np.testing.assert_array_equal(met["accuracy"], apart["accuracy"])


def test_a_store_selects_by_fraction_index_and_by_progress(recordings, tmp_path):
    result, met, _ = recordings
    info = {"task": "pdm", "arch": "gru", "seed": 2, "regime": "master", "status": result.status}
    path = atomic_write_zarr(network_dataset(met, info), tmp_path / "net.zarr")
    store = open_network(path)
    assert list(store["fractions"].values) == ["0.0 0.01", "0.5", "1.0"]
    hidden = store["hidden"]
    step = {}
    for index in (0, 1, 2, 3, -1, -4):  # indices into training.checkpoints
        step[index] = int(Selection(checkpoint=index).select(hidden)["step"])
    assert step == {
        0: 0,
        1: 0,
        2: int(met["steps"][1]),
        3: result.final_step,
        -1: result.final_step,
        -4: 0,
    }
    # over learning (compare.learning): progress 0.01 is the checkpoint nearest to it, step 0
    assert int(Selection(checkpoint=0.01).select(hidden)["step"]) == 0
    with pytest.raises(ValueError, match="training.checkpoints had 4 fractions"):
        Selection(checkpoint=4).select(hidden)
