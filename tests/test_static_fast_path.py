"""The static metrics' fast path (blocked matrix products over networks, shared per-run forms,
low-rank prepared forms) against their per-pair definitions, blocked against unblocked, and
the memory form each chooses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dynsim.metrics as dm
from dynsim.metrics import _linalg
from dynsim.pairwise.core import plan_pairs
from dynsim.pairwise.engine import ray_saving_s

STATIC = [
    ("cka", {}),
    ("cka_debiased", {}),
    ("procrustes", {}),
    ("procrustes", {"score_method": "euclidean", "center": False}),
    ("rsa", {"compare_method": "pearson"}),
    ("rsa", {"compare_method": "spearman"}),
    ("rsa", {"compare_method": "cosine"}),
]


def networks(seed: int, count: int, trials: int, steps: int, units: int) -> list[np.ndarray]:
    """Random networks, some rank-deficient (3 latent dimensions) and one duplicated, so
    that the low-rank form and the identical-pair rule are exercised."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        if k % 3 == 2:
            latent = rng.normal(size=(trials, steps, min(3, units)))
            out.append(latent @ rng.normal(size=(latent.shape[-1], units)))
        else:
            out.append(rng.normal(size=(trials, steps, units)))
    out.append(out[0].copy())
    return out


def per_pair(metric, prep_a, prep_b, pairs) -> np.ndarray:
    return np.array([metric.compare(prep_a[i], prep_b[j]) for i, j in pairs])


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    count=st.integers(1, 6),
    trials=st.integers(3, 6),
    steps=st.integers(2, 12),
    units=st.integers(1, 12),
    which=st.sampled_from(range(len(STATIC))),
)
def test_fast_path_equals_per_pair_definition(seed, count, trials, steps, units, which):
    name, params = STATIC[which]
    metric = dm.get(name, **params)
    data = networks(seed, count, trials, steps, units)
    prepared = []
    for x in data:
        try:
            prepared.append(metric.prepare(x))
        except dm.PreparationError:
            return  # degenerate draw (e.g. a constant RDM): nothing to compare
    for pairs in (plan_pairs(len(prepared), None, True), plan_pairs(len(prepared), 2, False)):
        expected = per_pair(metric, prepared, prepared, pairs)
        plain = metric.compare_batch(prepared, prepared, pairs)
        stacked = metric.stack(prepared)
        shared = metric.compare_batch(stacked, stacked, pairs)
        np.testing.assert_allclose(plain, expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(shared, expected, rtol=0, atol=1e-12)
    # The duplicated network is at distance exactly 0 from its original.
    assert metric.compare_batch(prepared, prepared, np.array([[0, len(prepared) - 1]]))[0] == 0.0


@pytest.mark.parametrize(("name", "params"), STATIC)
def test_blocked_equals_unblocked(monkeypatch: pytest.MonkeyPatch, name, params):
    metric = dm.get(name, **params)
    prepared = [metric.prepare(x) for x in networks(3, 11, 6, 10, 7)]
    pairs = plan_pairs(len(prepared), None, True)
    whole = metric.compare_batch(metric.stack(prepared), metric.stack(prepared), pairs)
    # Blocks of one or two networks, nothing kept per run: many small products.
    monkeypatch.setattr(_linalg, "BLOCK_BYTES", 1)
    monkeypatch.setattr(_linalg, "STACK_BYTES", 0)
    blocked = metric.compare_batch(metric.stack(prepared), metric.stack(prepared), pairs)
    np.testing.assert_allclose(blocked, whole, rtol=0, atol=1e-12)
    np.testing.assert_allclose(whole, per_pair(metric, prepared, prepared, pairs), atol=1e-12)


def test_engine_matrix_independent_of_batching() -> None:
    data = {f"n{k}": x for k, x in enumerate(networks(5, 8, 4, 10, 6))}
    for name in ("cka", "procrustes", "rsa"):
        whole = dm.pairwise(data, name).values
        small = dm.pairwise(data, name, batch_size=3).values
        np.testing.assert_allclose(whole, small, rtol=0, atol=1e-12)


def test_cka_holds_the_small_form_at_workflow_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    """32 trials × 45 steps × 32 units: the prepared network is the 1,440 × 32 activity
    (368,640 bytes), not a 1,440² Gram matrix (16.6 MB). Gram vectors (8.3 MB packed) are
    kept only while a run's all fit STACK_BYTES; beyond, pairs use the feature-space form
    (forming Grams per block would cost more than n·p·q)."""
    rng = np.random.default_rng(0)
    metric = dm.get("cka")
    prepared = [metric.prepare(rng.normal(size=(32, 45, 32))) for _ in range(3)]
    assert prepared[0].samples.shape == (1440, 32) and prepared[0].gram is None
    pairs = plan_pairs(3, None, True)
    small_run = metric.stack(prepared)
    kept = metric.compare_batch(small_run, small_run, pairs)
    assert small_run.cache["cka_gram"].nbytes == 3 * 1440 * 1441 // 2 * 8
    # As for 1,000 networks (8.3 GB of Grams): nothing of size N × n² is formed.
    monkeypatch.setattr(_linalg, "STACK_BYTES", 2 * 1440 * 1441 // 2 * 8)
    large_run = metric.stack(prepared)
    features = metric.compare_batch(large_run, large_run, pairs)
    assert "cka_gram" not in large_run.cache
    np.testing.assert_allclose(features, kept, atol=1e-12)
    debiased = dm.get("cka_debiased").prepare(rng.normal(size=(32, 45, 32)))
    assert debiased.samples.shape == (1440, 32) and debiased.gram_u is None


def test_cka_uses_gram_space_when_it_is_cheaper(monkeypatch: pytest.MonkeyPatch) -> None:
    """200 samples × 64 units: n(n+1)/2 = 20,100 < n·p·q = 819,200, so Gram vectors are
    built once per run and kept; without room to keep them, feature space is cheaper."""
    rng = np.random.default_rng(1)
    metric = dm.get("cka")
    prepared = [metric.prepare(rng.normal(size=(10, 20, 64))) for _ in range(4)]
    pairs = plan_pairs(4, None, True)
    stacked = metric.stack(prepared)
    first = metric.compare_batch(stacked, stacked, pairs)
    assert stacked.cache["cka_gram"].shape == (4, 200 * 201 // 2)
    monkeypatch.setattr(_linalg, "STACK_BYTES", 0)
    again = metric.stack(prepared)
    np.testing.assert_allclose(metric.compare_batch(again, again, pairs), first, atol=1e-12)
    assert "cka_gram" not in again.cache


def test_low_rank_form_is_exact() -> None:
    rng = np.random.default_rng(2)
    full = rng.normal(size=(50, 6))
    assert _linalg.low_rank_form(full) is full  # full column rank: unchanged, bit for bit
    low = rng.normal(size=(50, 2)) @ rng.normal(size=(2, 6))
    reduced = _linalg.low_rank_form(low)
    assert reduced.shape == (50, 2)
    np.testing.assert_allclose(reduced @ reduced.T, low @ low.T, atol=1e-12)
    wide = rng.normal(size=(5, 40))  # fewer samples than units: rank ≤ samples
    assert _linalg.low_rank_form(wide).shape == (5, 5)
    y = rng.normal(size=(5, 7))
    np.testing.assert_allclose(
        np.linalg.svd(_linalg.low_rank_form(wide).T @ y, compute_uv=False).sum(),
        np.linalg.svd(wide.T @ y, compute_uv=False).sum(),
        rtol=1e-12,
    )


def test_ray_only_where_it_saves_time() -> None:
    assert ray_saving_s(1e6, workers=1) < 0  # one CPU: never
    assert ray_saving_s(10.0, workers=2) < 0  # 2 CPUs: 5 s saved < 5.7 s start-up
    assert ray_saving_s(100.0, workers=2) == pytest.approx(50.0 - 5.7)


@pytest.mark.parametrize("name", ["cka", "cka_debiased", "procrustes", "svcca", "cca", "shape"])
def test_preparation_leaves_the_callers_activity_unchanged(name) -> None:
    """Preparation centres and scales its own copy in place (one array per network): the
    caller's activity, float64 as given (a view reaches the metric), is never modified."""
    rng = np.random.default_rng(3)
    activity = rng.normal(size=(4, 10, 5)) * 3.0 + 7.0
    before = activity.copy()
    dm.get(name).prepare(activity)
    np.testing.assert_array_equal(activity, before)


def test_centred_samples_refuses_bad_activity_with_the_same_errors() -> None:
    """The single peak pass that now also tests finiteness gives the same errors as before:
    non-finite values counted, constant (and all-zero) activity refused."""
    for bad in (np.nan, np.inf, -np.inf):
        activity = np.ones((2, 5, 3))
        activity[1, 2, 0] = bad
        with pytest.raises(dm.PreparationError, match="1 non-finite values"):
            _linalg.centred_samples(activity)
    for constant in (np.zeros((2, 5, 3)), np.full((2, 5, 3), 1 / 3)):
        with pytest.raises(dm.PreparationError, match="zero variance"):
            _linalg.centred_samples(constant)


def test_pairwise_status_coordinate_as_before() -> None:
    """The status coordinate is attached after construction (no deep copy of the N² strings):
    same coordinates in the same order, object dtype, reasons naming the failed network."""
    data = {f"n{k}": x for k, x in enumerate(networks(5, 4, 3, 8, 4))}
    data["bad"] = np.full((3, 8, 4), np.nan)
    out = dm.pairwise(data, "cka")
    assert list(out.coords) == ["model_a", "model_b", "status"]
    status = out.coords["status"].values
    assert status.dtype == object and status.shape == (6, 6)
    assert status[0, 1] == "" and status[0, 0] == ""
    assert "network 'bad'" in status[0, 5] and "network 'bad'" in status[5, 5]
    assert np.isnan(out.values[0, 5]) and np.isfinite(out.values[0, 1])
