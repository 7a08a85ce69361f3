"""Procrustes and linear CKA against closed forms written independently here, and invariances."""

import numpy as np
import pytest
from conftest import random_orthogonal
from hypothesis import given, settings
from hypothesis import strategies as st

import dynsim.metrics as dm


def textbook_procrustes_angle(X, Y):
    """arccos of the max over orthogonal Q of <X, YQ>, Q found by the SVD solution."""
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    X = X / np.linalg.norm(X)
    Y = Y / np.linalg.norm(Y)
    U, _, Vt = np.linalg.svd(Y.T @ X)
    Q = U @ Vt
    return np.arccos(np.clip(np.sum(X * (Y @ Q)), -1, 1))


def textbook_linear_cka(X, Y):
    """Kornblith et al. (2019) with HSIC = tr(K H L H) / (n-1)^2 and linear kernels."""
    n = X.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    K, L = X @ X.T, Y @ Y.T
    hsic = lambda A, B: np.trace(A @ H @ B @ H)  # noqa: E731
    return hsic(K, L) / np.sqrt(hsic(K, K) * hsic(L, L))


@pytest.mark.parametrize("shape_b", [(6, 15, 4), (6, 15, 9)])
def test_procrustes_matches_closed_form(rng, shape_b):
    X = rng.normal(size=(6, 15, 4))
    Y = rng.normal(size=shape_b) + 0.5 * np.pad(X, ((0, 0), (0, 0), (0, shape_b[2] - 4)))
    Xs, Ys = X.reshape(-1, 4), Y.reshape(-1, shape_b[2])
    if shape_b[2] != 4:  # zero-pad the narrower network, as the metric does implicitly
        Xs = np.pad(Xs, ((0, 0), (0, shape_b[2] - 4)))
    expected = textbook_procrustes_angle(Xs, Ys)
    assert dm.get("procrustes").score(X, Y) == pytest.approx(expected, abs=1e-10)
    euclid = dm.get("procrustes", score_method="euclidean").score(X, Y)
    assert euclid == pytest.approx(np.sqrt(2 - 2 * np.cos(expected)), abs=1e-10)


def test_cka_matches_closed_form(rng):
    X = rng.normal(size=(5, 12, 6))
    Y = np.tanh(X @ rng.normal(size=(6, 8))) + 0.3 * rng.normal(size=(5, 12, 8))
    expected = textbook_linear_cka(X.reshape(-1, 6), Y.reshape(-1, 8))
    metric = dm.get("cka")
    assert metric.similarity(metric.prepare(X), metric.prepare(Y)) == pytest.approx(
        expected, abs=1e-10
    )
    assert metric.score(X, Y) == pytest.approx(np.arccos(expected), abs=1e-10)
    assert dm.get("cka", score_method="one_minus").score(X, Y) == pytest.approx(
        1 - expected, abs=1e-10
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), scale=st.floats(0.01, 100), det=st.sampled_from([-1, 1]))
def test_rotated_scaled_shifted_copy_is_identical(seed, scale, det):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4, 10, 6))
    Q = random_orthogonal(6, rng, det=det)
    Y = scale * X @ Q + rng.normal(size=6)  # rotation/reflection, scale, translation
    assert dm.get("procrustes").score(X, Y) < 1e-6
    cka = dm.get("cka")
    assert cka.similarity(cka.prepare(X), cka.prepare(Y)) == pytest.approx(1.0, abs=1e-10)
    assert cka.score(X, Y) < 1e-6


@pytest.mark.parametrize("name", ["procrustes", "cka"])
def test_identity_symmetry_and_float32(rng, name):
    X = rng.normal(size=(3, 20, 5)).astype(np.float32)
    Y = rng.normal(size=(3, 20, 7)).astype(np.float32)
    metric = dm.get(name)
    assert 0.0 <= metric.score(X, X) < 1e-7  # cosine clipped before arccos: never NaN
    assert metric.score(X, Y) == pytest.approx(metric.score(Y, X), abs=1e-12)
    assert np.isfinite(metric.score(X, Y))


def test_permutation_invariance(rng):
    X = rng.normal(size=(3, 20, 5))
    perm = rng.permutation(5)
    for name in ("procrustes", "cka"):
        assert dm.get(name).score(X, X[..., perm]) < 1e-7


def test_dataarray_dims_are_read_by_name(rng):
    xr = pytest.importorskip("xarray")
    X = rng.normal(size=(3, 20, 5))
    named = xr.DataArray(X.transpose(2, 0, 1), dims=("unit", "trial", "time"))
    assert dm.get("procrustes").score(named, X) < 1e-7
    with pytest.raises(ValueError, match="checkpoint"):
        dm.get("procrustes").prepare(
            xr.DataArray(X[None], dims=("checkpoint", "trial", "time", "unit"))
        )


def test_unknown_metric_and_bad_params():
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        dm.get("nope")
    with pytest.raises(ValueError, match="score_method"):
        dm.get("procrustes", score_method="cosine")


def test_pairwise_matrix_labels_and_values(rng):
    base = rng.normal(size=(3, 10, 4))
    data = {"a": base, "b": base @ random_orthogonal(4, rng), "c": rng.normal(size=(3, 10, 4))}
    matrix = dm.pairwise(data, "procrustes")
    assert matrix.dims == ("model_a", "model_b")
    assert list(matrix.model_a.values) == ["a", "b", "c"]
    assert matrix.sel(model_a="a", model_b="b") < 1e-7
    assert matrix.sel(model_a="a", model_b="c") == pytest.approx(
        dm.get("procrustes").score(data["a"], data["c"])
    )
    np.testing.assert_allclose(matrix.values, matrix.values.T)
