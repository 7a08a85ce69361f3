"""The config check builds each task's test trials at most once (dynsim.config.checks): the
selection check (compare.epoch, trials, average_over) and the time-normalisation check both
need them, and building a task's test set is the check's main cost."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

import dynsim.tasks
from dynsim.config import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def builds(monkeypatch) -> Counter:
    """Count each task's test-set builds: every task dynsim.tasks.get returns has its
    test_batch wrapped with a counter (our own code, not a library's)."""
    count: Counter = Counter()
    real_get = dynsim.tasks.get

    def counting_get(name, **params):
        task = real_get(name, **params)
        real_test_batch = task.test_batch

        def test_batch(*args, **kwargs):
            count[name] += 1
            return real_test_batch(*args, **kwargs)

        task.test_batch = test_batch
        return task

    monkeypatch.setattr(dynsim.tasks, "get", counting_get)
    return count


def _validate(overlay: dict, tmp_path: Path, drop: tuple[str, ...] = ()) -> dict:
    """config/yang2019.yaml (which sets compare.time_normalize) with ``overlay`` over its
    compare section and the compare keys ``drop`` removed, validated."""
    config = yaml.safe_load((ROOT / "config" / "yang2019.yaml").read_text())
    config["compare"].update(overlay)
    for key in drop:
        del config["compare"][key]
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))  # phases in time order
    return load([path], defaults=ROOT / "config.yaml")


BY_LABEL = {"trials": {"stim1_strength_mod1": [1.0]}, "average_over": ["stim1_angle", "rule"]}


@pytest.mark.parametrize(
    ("selection", "phases"),
    [
        (BY_LABEL, {"fixation": 5, "stimulus+delay": 20, "decision": 5}),
        (
            {"epoch": ["fixation", "stimulus", "decision"], **BY_LABEL},
            {"fixation": 5, "stimulus": 10, "decision": 5},
        ),
    ],
)
def test_selection_and_time_normalisation_build_each_test_set_once(
    selection, phases, builds, tmp_path
):
    config = _validate({**selection, "time_normalize": {"phases": phases}}, tmp_path)
    assert set(builds) == set(config["tasks"])
    assert all(n == 1 for n in builds.values()), builds  # twice before (one per check)


def test_each_check_alone_still_builds_the_test_sets(builds, tmp_path):
    config = _validate({}, tmp_path)  # time normalisation only
    assert builds == Counter({name: 1 for name in config["tasks"]})
    builds.clear()
    _validate({"trials": {"stim1_strength_mod1": [1.0]}}, tmp_path, drop=("time_normalize",))
    assert builds == Counter({name: 1 for name in config["tasks"]})
