"""The pairwise engine never gives a quiet wrong answer (issue 13, items 4, 6 and 8):

* a network that cannot be prepared is NaN in its whole row, column *and diagonal*, and every
  such entry's status names that network — whichever side it is on, for every metric,
  symmetric or not, one set or two (item 6);
* any exception of a metric's prepare or compare (OverflowError, TypeError, …) is contained
  to that network's row or that pair, with a reason naming it; the matrix still completes
  (the engine half of item 4);
* the selection (checkpoint, epoch, trials) applies to any input that has what it selects
  on — users' own Zarr/NetCDF stores, in-memory DataArrays — or is refused naming the input
  (item 8).
"""

import numpy as np
import pytest
import xarray as xr

from dynsim import metrics
from dynsim.metrics.procrustes import Procrustes
from dynsim.pairwise import Selection, SelectionError, compare_files, compute
from dynsim.pairwise.files import open_sources
from dynsim.store import StoreError

SHAPE = (6, 12, 4)  # (trial, time, unit): enough trials for linear_predictivity's 5 folds


def good(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=SHAPE)


BAD = np.full(SHAPE, np.nan)


def assert_failed(ds: xr.Dataset, a: str, b: str, *names: str) -> None:
    """Entry (a, b) is NaN and its status names exactly the failed networks ``names``."""
    value = float(ds["distance"].sel(model_a=a, model_b=b))
    status = str(ds["status"].sel(model_a=a, model_b=b).values)
    assert np.isnan(value), (a, b, value)
    for name in ("ok", "ok2", "bad", "ok_b", "bad_b"):
        mentioned = f"network {name!r}: prepare failed" in status
        assert mentioned == (name in names), (a, b, status)


@pytest.mark.parametrize("metric", metrics.available())
def test_failed_network_is_named_on_either_side_and_nan_on_its_diagonal(metric):
    """Item 6: `status[bad, ok]` named the good network ("model_b: prepare failed") and the
    bad network's own diagonal was 0.0 with an empty status."""
    data = {"ok": good(0), "ok2": good(1), "bad": BAD}
    ds = compute(metric, data, progress=False)
    for other in ("ok", "ok2"):
        assert_failed(ds, "bad", other, "bad")
        assert_failed(ds, other, "bad", "bad")
    assert_failed(ds, "bad", "bad", "bad")
    assert "non-finite" in str(ds["status"].sel(model_a="bad", model_b="bad").values)
    # the rest is complete: computed off the diagonal, 0 on it
    assert np.isfinite(float(ds["distance"].sel(model_a="ok", model_b="ok2")))
    assert np.isfinite(float(ds["distance"].sel(model_a="ok2", model_b="ok")))
    for name in ("ok", "ok2"):
        assert float(ds["distance"].sel(model_a=name, model_b=name)) == 0.0
        assert ds["status"].sel(model_a=name, model_b=name).item() == ""

    # the same through dynsim.metrics.pairwise (the DataArray API)
    da = metrics.pairwise(data, metric)
    assert np.isnan(da.sel(model_a="bad", model_b="bad"))
    assert "network 'bad'" in da["status"].sel(model_a="ok", model_b="bad").item()
    assert "network 'bad'" in da["status"].sel(model_a="bad", model_b="ok").item()


@pytest.mark.parametrize("metric", ["cka", "linear_predictivity"])  # symmetric, asymmetric
def test_failed_networks_of_two_sets_are_named(metric):
    ds = compute(
        metric,
        {"ok": good(0), "bad": BAD},
        {"ok_b": good(1), "bad_b": BAD},
        progress=False,
    )
    assert np.isfinite(float(ds["distance"].sel(model_a="ok", model_b="ok_b")))
    assert_failed(ds, "bad", "ok_b", "bad")
    assert_failed(ds, "ok", "bad_b", "bad_b")
    assert_failed(ds, "bad", "bad_b", "bad", "bad_b")


class Fragile(Procrustes):
    """Procrustes that fails the way a metric meeting data it cannot handle may: an
    OverflowError preparing a huge network, a TypeError comparing one pair, and a batch route
    that always raises (so the per-pair fallback is used)."""

    def prepare(self, X):
        if np.abs(np.asarray(X)).max() > 1e70:
            raise OverflowError("(34, 'Numerical result out of range')")
        return super().prepare(X)

    def compare_batch(self, prepared_a, prepared_b, pairs):
        raise ZeroDivisionError("the batch route is broken")

    def compare(self, a, b):
        if a.shape != b.shape:
            raise TypeError("unsupported operand shapes")
        return super().compare(a, b)


@pytest.mark.parametrize("batch_size", [1, 512])
def test_any_exception_is_contained_to_its_network_or_pair(batch_size):
    """Item 4 (engine half): one network at 1e80 made cka_debiased raise OverflowError and
    the whole matrix was lost. Any exception of prepare is that network's row; of compare,
    that pair's entry; both with reasons naming them, and the rest is still computed."""
    data = {"ok": good(0), "ok2": good(1), "huge": 1e80 * good(2), "narrow": good(3)[..., :3]}
    ds = compute(Fragile(), data, progress=False, batch_size=batch_size)
    status = ds["status"]
    for other in ("ok", "ok2", "narrow", "huge"):
        reason = str(status.sel(model_a="huge", model_b=other).values)
        # The metric names itself (metrics.base contains numerical failures), the engine the
        # network.
        assert reason.startswith("network 'huge': prepare failed: OverflowError in procrustes")
        assert np.isnan(float(ds["distance"].sel(model_a=other, model_b="huge")))
    reason = str(status.sel(model_a="ok", model_b="narrow").values)
    assert reason == "compare of 'ok' vs 'narrow' failed: TypeError: unsupported operand shapes"
    assert str(status.sel(model_a="narrow", model_b="ok").values) == reason  # mirrored pair
    expected = Procrustes().compare(Procrustes().prepare(good(0)), Procrustes().prepare(good(1)))
    assert float(ds["distance"].sel(model_a="ok", model_b="ok2")) == expected
    assert float(ds["distance"].sel(model_a="narrow", model_b="narrow")) == 0.0


def test_real_metric_on_a_huge_network_never_loses_the_matrix():
    """The issue's instance with the real metric: whatever cka_debiased does with 1e80
    (a value once the metric normalises first, else a reason), the matrix completes."""
    data = {"ok": good(0), "ok2": good(1), "huge": 1e80 * good(2)}
    ds = compute("cka_debiased", data, progress=False)
    assert np.isfinite(float(ds["distance"].sel(model_a="ok", model_b="ok2")))
    for other in ("ok", "ok2"):
        entry = ds.sel(model_a="huge", model_b=other)
        assert np.isfinite(float(entry["distance"])) or "'huge'" in str(entry["status"].values)


def test_keyboard_interrupt_is_not_contained():
    """A job being stopped is not a bad network: it propagates (the resume tests rely on it)."""

    class Stopped(Procrustes):
        def prepare(self, X):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compute(Stopped(), {"a": good(0), "b": good(1)}, progress=False)


# -- item 8: the selection applies to users' own stores, or is refused -----------------------
N_CHECKPOINTS = 4


def foreign_store(path, seed, *, fmt="zarr", progress=True):
    """A Zarr/NetCDF dataset not written by dynsim: 'rates' and 'hidden' (checkpoint, trial,
    time, unit), every checkpoint different, an epoch coordinate and a trial label."""
    rng = np.random.default_rng(seed)
    hidden = rng.normal(size=(N_CHECKPOINTS, *SHAPE))
    coords = {
        "checkpoint": np.arange(N_CHECKPOINTS),
        "epoch": ("time", np.array(["fix"] * 4 + ["stim"] * 8)),
        "coherence": ("trial", np.array([0.1, 0.2, 0.4] * 2)),
    }
    if progress:
        coords["progress"] = ("checkpoint", np.linspace(0.0, 1.0, N_CHECKPOINTS))
    dims = ("checkpoint", "trial", "time", "unit")
    ds = xr.Dataset({"hidden": (dims, hidden), "rates": (dims, hidden)}, coords=coords)
    if fmt == "zarr":
        ds.to_zarr(path, mode="w")
    else:
        ds.to_netcdf(path)
    return path, hidden


@pytest.mark.parametrize("fmt", ["zarr", "nc"])
def test_checkpoint_selects_in_users_own_stores(tmp_path, fmt):
    """`dynsim compare a.zarr b.zarr c.zarr --checkpoint 0` compared the last checkpoint:
    every --checkpoint gave the same matrix. Each must equal the matrix of that checkpoint."""
    made = [foreign_store(tmp_path / f"{n}.{fmt}", k, fmt=fmt) for k, n in enumerate("abc")]
    paths = [p for p, _ in made]
    arrays = {p.stem: h for p, h in made}
    seen = []
    for checkpoint, index in [(0, 0), (2, 2), (-1, 3), ("final", 3), (0.0, 0), (0.4, 1)]:
        got = compare_files(
            paths, "cka", selection=Selection(checkpoint=checkpoint), progress=False
        )
        expected = compute("cka", {n: h[index] for n, h in arrays.items()}, progress=False)[
            "distance"
        ].values
        np.testing.assert_array_equal(got["distance"].values, expected)
        seen.append(got["distance"].values[0, 1])
    assert len(set(seen[:2])) == 2  # checkpoints 0 and 2 differ
    # epoch and trials apply too
    got = compare_files(
        paths,
        "cka",
        selection=Selection(checkpoint=1, epoch="stim", trials=(("coherence", (0.1, 0.2)),)),
        progress=False,
    )
    keep = np.isin([0.1, 0.2, 0.4] * 2, [0.1, 0.2])
    expected = compute("cka", {n: h[1][keep][:, 4:] for n, h in arrays.items()}, progress=False)[
        "distance"
    ].values
    np.testing.assert_array_equal(got["distance"].values, expected)


def test_selection_that_does_not_fit_a_users_store_is_refused(tmp_path):
    a, _ = foreign_store(tmp_path / "a.zarr", 0, progress=False)
    b, _ = foreign_store(tmp_path / "b.zarr", 1, progress=False)
    with pytest.raises(SelectionError, match=r"a\.zarr: checkpoint 4 is out of range: there are 4"):
        compare_files([a, b], "cka", selection=Selection(checkpoint=4), progress=False)
    with pytest.raises(SelectionError, match=r"a\.zarr: no 'progress' coordinate"):
        compare_files([a, b], "cka", selection=Selection(checkpoint=0.5), progress=False)
    with pytest.raises(SelectionError, match=r"a\.zarr: no time step is in epoch\(s\) \['delay'\]"):
        compare_files([a, b], "cka", selection=Selection(epoch="delay"), progress=False)
    np.save(tmp_path / "plain.npy", good(0))
    with pytest.raises(SelectionError, match=r"plain\.npy: has no 'checkpoint' dimension"):
        compare_files([a, tmp_path / "plain.npy"], "cka", selection=Selection(checkpoint=0))


def test_one_checkpoint_label_matches_only_its_own_index(tmp_path):
    """A store holding one checkpoint as a scalar label: that index (or 'final') selects it,
    any other is refused rather than silently compared."""
    one = xr.DataArray(good(0), dims=("trial", "time", "unit")).assign_coords(checkpoint=3)
    other = xr.DataArray(good(1), dims=("trial", "time", "unit")).assign_coords(checkpoint=3)
    data = {"one": one, "other": other}
    at3 = compute("cka", data, selection=Selection(checkpoint=3), progress=False)
    final = compute("cka", data, progress=False)
    np.testing.assert_array_equal(at3["distance"].values, final["distance"].values)
    with pytest.raises(SelectionError, match="network 'one'.*holds only checkpoint 3, not"):
        compute("cka", data, selection=Selection(checkpoint=0), progress=False)


def test_in_memory_sources_take_the_selection_or_refuse_it():
    """A DataArray with a checkpoint dim is cut like a store (it used to be a NaN row: "extra
    dims"); a plain array refuses any selection but the default, naming the network — so
    compute_over_learning can no longer give the same matrix at every point for it."""
    hidden = np.random.default_rng(0).normal(size=(N_CHECKPOINTS, *SHAPE))
    da = xr.DataArray(hidden, dims=("checkpoint", "trial", "time", "unit"))
    data = {"a": da, "b": da + np.random.default_rng(1).normal(size=da.shape)}
    ds = compute("cka", data, selection=Selection(checkpoint=1), progress=False)
    expected = compute("cka", {k: v.values[1] for k, v in data.items()}, progress=False)
    np.testing.assert_array_equal(ds["distance"].values, expected["distance"].values)
    with pytest.raises(SelectionError, match="network 'x': a plain array") as caught:
        compute("cka", {"x": good(0), "y": good(1)}, selection=Selection(epoch="stim"))
    assert caught.value.field == "epoch"


@pytest.mark.parametrize(
    "checkpoint, message",
    [
        (1.5, "not a progress fraction in \\[0, 1\\]"),
        (-0.1, "not a progress fraction"),
        (float("nan"), "not a progress fraction"),
        ("last", "checkpoint must be 'final'"),
        (True, "checkpoint must be 'final'"),
        (None, "checkpoint must be 'final'"),
    ],
)
def test_selection_refuses_impossible_checkpoints(checkpoint, message):
    with pytest.raises(SelectionError, match=message):
        Selection(checkpoint=checkpoint)
    with pytest.raises(SelectionError, match=message):
        Selection.from_config({"checkpoint": checkpoint})


def test_store_checkpoint_out_of_range_names_the_store(tmp_path):
    """`--checkpoint 12` with 10 checkpoints was an IndexError traceback."""
    from test_pairwise_engine import tiny_store

    stores = [tiny_store(tmp_path / f"seed{k}.zarr", k) for k in range(2)]
    with pytest.raises(StoreError, match=r"seed0\.zarr: checkpoint 12 is out of range"):
        compute("cka", stores, selection=Selection(checkpoint=12), progress=False)
    with pytest.raises(StoreError, match=r"seed0\.zarr: checkpoint -4 is out of range"):
        compute("cka", stores, selection=Selection(checkpoint=-4), progress=False)


def test_open_sources_refuses_non_activity_dims(tmp_path):
    np.save(tmp_path / "a.npy", good(0))
    with pytest.raises(ValueError, match=r"--dims 'trial,time,units': unknown axis name"):
        open_sources([tmp_path / "a.npy"], dims="trial,time,units")
    xr.Dataset({"rates": (("neuron", "time"), np.zeros((3, 4)))}).to_netcdf(tmp_path / "n.nc")
    with pytest.raises(ValueError, match=r"n\.nc: variable 'rates' \(--var\) has dims"):
        open_sources([tmp_path / "n.nc"], var="rates")


def test_bad_metric_parameter_is_a_value_error_naming_it():
    """The constructor's TypeError ("unexpected keyword") reached users as a traceback."""
    with pytest.raises(ValueError, match="metric 'dsa'.*n_delay"):
        compute("dsa", {"a": good(0), "b": good(1)}, metric_params={"n_delay": 5})
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        compute("cka", {"a": good(0), "b": good(1)}, batch_size=0)
