"""The one pairwise engine: resume plans that cover everything determining a value (review §7,
issue 13 "Stale resume"), the same engine behind both APIs, and its layering."""

import logging
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

import dynsim
from dynsim import metrics
from dynsim.metrics.procrustes import Procrustes
from dynsim.pairwise import Plan, Selection, compute, compute_over_learning
from dynsim.store import atomic_write_zarr

N_CHECKPOINTS, N_TRIALS, N_STEPS, N_UNITS = 3, 6, 8, 5


def tiny_store(path, seed, *, data_seed=None):
    """A dynsim-shaped activation store of network ``seed`` (its key and labels): random
    (checkpoint, trial, time, unit) activity drawn with ``data_seed`` (default ``seed``),
    different at every checkpoint; two epochs and a trial label."""
    rng = np.random.default_rng(seed if data_seed is None else data_seed)
    hidden = rng.normal(size=(N_CHECKPOINTS, N_TRIALS, N_STEPS, N_UNITS))
    dataset = xr.Dataset(
        {
            "hidden": (("checkpoint", "trial", "time", "unit"), hidden),
            "accuracy": ("checkpoint", np.linspace(0.5, 1.0, N_CHECKPOINTS)),
        },
        coords={
            "checkpoint": np.arange(N_CHECKPOINTS),
            "progress": ("checkpoint", np.linspace(0.0, 1.0, N_CHECKPOINTS)),
            "trial": np.arange(N_TRIALS),
            "time": np.arange(N_STEPS) * 20.0,
            "epoch": ("time", np.array(["fixation"] * 3 + ["stimulus"] * 5, dtype=object)),
            "unit": np.arange(N_UNITS),
            "coherence": ("trial", np.array([0.1, 0.2, 0.4] * 2)),
        },
        attrs={
            "task": "pdm",
            "arch": "gru",
            "regime": "master",
            "seed": seed,
            "status": "converged",
            "dynsim_version": dynsim.__version__,
        },
    )
    return atomic_write_zarr(dataset, path)


@pytest.fixture
def stores(tmp_path):
    return [tiny_store(tmp_path / "stores" / f"seed{k}.zarr", k) for k in range(3)]


def assert_same_matrix(got: xr.Dataset, expected: xr.Dataset) -> None:
    """Exactly the same values (bits, NaNs included) and statuses."""
    assert got["distance"].values.tobytes() == expected["distance"].values.tobytes()
    assert (got["status"].values == expected["status"].values).all()
    assert list(got["model_a"].values) == list(expected["model_a"].values)


# (a) the review's §7 scenario and its siblings: any change of selection invalidates partials.
@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Selection(checkpoint=0.0), Selection(checkpoint=1.0)),  # review §7
        (Selection(checkpoint="final"), Selection(checkpoint=0)),  # issue 13 item 1
        (Selection(checkpoint=1), Selection(checkpoint=1.0)),  # index 1 ≠ progress 1.0
        (Selection(), Selection(epoch="stimulus")),
        (Selection(), Selection(trials=(("coherence", (0.1, 0.2)),))),
        (Selection(), Selection(average_over=("coherence",))),
    ],
)
def test_resume_with_another_selection_equals_a_fresh_run(stores, tmp_path, first, second, caplog):
    partial = tmp_path / "partial"
    old = compute("cka", stores, selection=first, batch_size=1, partial_dir=partial, progress=False)
    assert len(list(partial.glob("batch*.npz"))) == 3  # left behind, as by a killed job
    fresh = compute("cka", stores, selection=second, batch_size=1, progress=False)
    assert not np.allclose(old["distance"].values, fresh["distance"].values)  # a real change
    with caplog.at_level(logging.WARNING, logger="dynsim.pairwise.resume"):
        resumed = compute(
            "cka", stores, selection=second, batch_size=1, partial_dir=partial, progress=False
        )
    assert_same_matrix(resumed, fresh)
    assert resumed.attrs["checkpoint"] == str(second.checkpoint)
    notices = [r.getMessage() for r in caplog.records]
    assert len(notices) == 1 and "discarding 3 finished batch(es)" in notices[0]
    assert str(partial) in notices[0] and "\n" not in notices[0]


def test_resume_with_another_other_selection_equals_a_fresh_run(stores, tmp_path):
    partial = tmp_path / "partial"
    kwargs = {"batch_size": 2, "partial_dir": partial, "progress": False}
    compute("procrustes", stores, stores[:1], other_selection=Selection(checkpoint=0), **kwargs)
    resumed = compute(
        "procrustes", stores, stores[:1], other_selection=Selection(checkpoint=2), **kwargs
    )
    fresh = compute(
        "procrustes", stores, stores[:1], other_selection=Selection(checkpoint=2), progress=False
    )
    assert_same_matrix(resumed, fresh)


# (b) a store rebuilt under the same name with different data.
def test_resume_after_a_store_is_rebuilt_equals_a_fresh_run(stores, tmp_path):
    partial = tmp_path / "partial"
    compute("cka", stores, batch_size=1, partial_dir=partial, progress=False)
    before = compute("cka", stores, batch_size=1, progress=False)
    tiny_store(stores[1], seed=1, data_seed=99)  # same path, attributes and key; other activity
    resumed = compute("cka", stores, batch_size=1, partial_dir=partial, progress=False)
    fresh = compute("cka", stores, batch_size=1, progress=False)
    assert list(fresh["model_a"].values) == list(before["model_a"].values)
    assert not np.allclose(fresh["distance"].values, before["distance"].values)
    assert_same_matrix(resumed, fresh)


def test_resume_with_other_in_memory_arrays_under_the_same_names(rng, tmp_path):
    partial = tmp_path / "partial"
    data = {f"net{k}": rng.normal(size=(4, 10, 5)) for k in range(4)}
    compute("procrustes", data, batch_size=2, partial_dir=partial, progress=False)
    data["net2"] = rng.normal(size=(4, 10, 5))
    resumed = compute("procrustes", data, batch_size=2, partial_dir=partial, progress=False)
    assert_same_matrix(resumed, compute("procrustes", data, batch_size=2, progress=False))


def test_resume_with_other_metric_parameters_or_batching(rng, tmp_path):
    partial = tmp_path / "partial"
    data = {f"net{k}": rng.normal(size=(4, 10, 5)) for k in range(4)}
    compute("cka", data, batch_size=2, partial_dir=partial, progress=False)
    params = {"score_method": "one_minus"}
    resumed = compute(
        "cka", data, metric_params=params, batch_size=2, partial_dir=partial, progress=False
    )
    assert_same_matrix(
        resumed, compute("cka", data, metric_params=params, batch_size=2, progress=False)
    )
    resumed = compute("cka", data, batch_size=4, partial_dir=partial, progress=False)
    assert_same_matrix(resumed, compute("cka", data, batch_size=4, progress=False))


# (c) a real interruption still resumes from its own partial results.
class DyingProcrustes(Procrustes):
    """Procrustes that counts compared batches and can be made to die after some of them."""

    batches = 0
    die_after: int | None = None

    def compare_batch(self, prepared_a, prepared_b, pairs):
        if self.die_after is not None and DyingProcrustes.batches >= self.die_after:
            raise KeyboardInterrupt  # the job is killed
        DyingProcrustes.batches += 1
        return super().compare_batch(prepared_a, prepared_b, pairs)


def test_interrupted_store_run_resumes_its_own_batches(tmp_path):
    paths = [tiny_store(tmp_path / f"s{k}.zarr", k) for k in range(5)]  # 10 pairs
    partial = tmp_path / "partial"
    selection = Selection(checkpoint=0.5, epoch="stimulus")
    kwargs = {"selection": selection, "batch_size": 2, "partial_dir": partial, "progress": False}
    dying = DyingProcrustes()
    dying.die_after = 3
    DyingProcrustes.batches = 0
    with pytest.raises(KeyboardInterrupt):
        compute(dying, paths, backend="inprocess", **kwargs)
    assert len(list(partial.glob("batch*.npz"))) == 3
    DyingProcrustes.batches = 0
    resumed = compute(DyingProcrustes(), paths, backend="inprocess", **kwargs)
    assert DyingProcrustes.batches == 5 - 3  # only the missing batches
    fresh = compute(DyingProcrustes(), paths, selection=selection, batch_size=2, progress=False)
    assert_same_matrix(resumed, fresh)


def test_plan_records_what_determines_the_values(stores, tmp_path):
    import json

    partial = tmp_path / "partial"
    compute("cka", stores, selection=Selection(epoch="stimulus"), partial_dir=partial,
            progress=False)  # fmt: skip
    plan = json.loads((partial / "plan.json").read_text())
    assert set(plan) == set(Plan.__dataclass_fields__)
    assert plan["metric"]["metric"] == "cka" and plan["metric"]["score_method"] == "angular"
    assert plan["selection"]["epoch"] == "stimulus" and plan["other_selection"] is None
    assert [n["name"] for n in plan["networks"]] == [f"pdm/gru/master/seed{k}" for k in range(3)]
    assert all({"path", "store", "data"} <= set(n) for n in plan["networks"])
    assert plan["n_pairs"] == 3 and plan["order"] == "tiled"


def test_over_learning_resumes_each_progress_point_in_its_own_directory(stores, tmp_path):
    partial = tmp_path / "partial"
    resumable = compute_over_learning(
        "cka", stores, [0.0, 1.0], partial_dir=partial, batch_size=1, progress=False
    )
    assert sorted(p.name for p in partial.iterdir()) == ["progress0.0", "progress1.0"]
    again = compute_over_learning(
        "cka", stores, [0.0, 1.0], partial_dir=partial, batch_size=1, progress=False
    )
    plain = compute_over_learning("cka", stores, [0.0, 1.0], batch_size=1, progress=False)
    for ds in (resumable, again):
        assert ds["distance"].values.tobytes() == plain["distance"].values.tobytes()


# -- one engine behind both APIs --------------------------------------------------------------
@pytest.mark.parametrize("name", ["procrustes", "cka", "rsa"])
def test_metrics_pairwise_is_the_engine(rng, name):
    data = {f"net{k}": rng.normal(size=(4, 10, 5)) for k in range(6)}
    data["bad"] = np.full((4, 10, 5), np.nan)
    array = metrics.pairwise(data, name)
    dataset = compute(name, data, batch_size=256, progress=False)
    assert array.values.tobytes() == dataset["distance"].values.tobytes()
    assert (array["status"].values == dataset["status"].values).all()
    assert list(array["model_a"].values) == list(dataset["model_a"].values)


def test_metrics_pairwise_reads_stores_too(stores):
    array = metrics.pairwise(stores, "cka")
    dataset = compute("cka", stores, progress=False)
    assert array.values.tobytes() == dataset["distance"].values.tobytes()
    assert list(array["seed_a"].values) == [0, 1, 2]


def test_old_matrix_helpers_still_import():
    from dynsim.metrics.matrix import OK, assemble, compare_pairs, plan_pairs, prepare_one
    from dynsim.pairwise import core

    assert (OK, assemble, compare_pairs, plan_pairs, prepare_one) == (
        core.OK,
        core.assemble,
        core.compare_pairs,
        core.plan_pairs,
        core.prepare_one,
    )


def test_metrics_do_not_load_the_engine():
    code = (
        "import sys, dynsim.metrics; "
        "assert not [m for m in sys.modules if m.startswith('dynsim.pairwise')], 'engine loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_compare_resumed_at_another_checkpoint_equals_a_fresh_run(stores, tmp_path, capsys):
    """Issue 13 item 1 through the command line: a partial directory left by a `--checkpoint
    final` run (printing runs keep it), then `--checkpoint 0` with the same directory."""
    from dynsim import cli
    from dynsim.store import open_matrix

    partial = tmp_path / "partial"
    argv = ["compare", *map(str, stores), "--metric", "cka", "--batch-size", "1", "--no-progress"]
    assert cli.main([*argv, "--partial-dir", str(partial)]) == 0
    assert len(list(partial.glob("batch*.npz"))) == 3
    resumed, fresh = tmp_path / "resumed.zarr", tmp_path / "fresh.zarr"
    assert (
        cli.main([*argv, "--checkpoint", "0", "--partial-dir", str(partial), "-o", str(resumed)])
        == 0
    )
    assert cli.main([*argv, "--checkpoint", "0", "-o", str(fresh)]) == 0
    assert not partial.exists()  # removed once the matrix is written, as before
    assert_same_matrix(open_matrix(resumed), open_matrix(fresh))
    assert open_matrix(resumed).attrs["checkpoint"] == "0"
