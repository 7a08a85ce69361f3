"""The standard metric suite: debiased CKA, RSA, CCA, SVCCA, shape metrics, linear predictivity.

Closed-form cases are checked against textbook formulas written out here (not the library's
own algebra); every declared invariance is checked with random maps; RSA is checked against
rsatoolbox when it is installed.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import pdist

import dynsim.metrics as dm
from dynsim.metrics import cka_debiased as cka_debiased_module
from dynsim.metrics.base import INVARIANCES

SUITE = ("cka_debiased", "rsa", "cca", "svcca", "shape", "linear_predictivity")

# (name, params, invariances checked). Defaults check the class's declared invariances; extra
# configurations check what their docstrings promise.
CONFIGS: list[tuple[str, dict[str, Any], frozenset[str]]] = [
    (name, {}, dm.get(name).invariances) for name in SUITE
] + [
    (
        "rsa",
        {"rdm": "correlation", "compare_method": "pearson"},
        frozenset({"permutation", "isotropic_scale"}),
    ),
    ("rsa", {"rdm": "sqeuclidean", "compare_method": "tau_a"}, dm.get("rsa").invariances),
    ("rsa", {"rdm_over": "trial_mean", "compare_method": "rho_a"}, dm.get("rsa").invariances),
    ("rsa", {"rdm_over": "sample", "compare_method": "cosine"}, dm.get("rsa").invariances),
    ("svcca", {"n_components": 3}, dm.get("svcca").invariances),
    ("shape", {"alpha": 0.0}, dm.get("shape").invariances | {"invertible_linear"}),
    ("shape", {"alpha": 0.5}, dm.get("shape").invariances),
    ("linear_predictivity", {"alpha": 0.0}, dm.get("linear_predictivity").invariances),
    ("linear_predictivity", {"n_folds": 1}, dm.get("linear_predictivity").invariances),
]
CONFIG_IDS = [
    f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'default'}" for n, p, _ in CONFIGS
]


def traj(seed: int, trials: int = 8, time: int = 12, units: int = 5) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(trials, time, units))


def related(seed: int, units_out: int = 6, noise: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Two networks sharing structure, so that distances are well away from 0 and from π/2."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, 12, 5))
    Y = np.tanh(X @ rng.normal(size=(5, units_out))) + noise * rng.normal(size=(8, 12, units_out))
    return X, Y


def orthogonal(rng: np.random.Generator, p: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(p, p)))
    return q * np.sign(np.diag(r))


def flat(X: np.ndarray) -> np.ndarray:
    return X.reshape(-1, X.shape[-1]).astype(np.float64)


def centred(X: np.ndarray) -> np.ndarray:
    Z = flat(X)
    return Z - Z.mean(axis=0)


def inv_sqrt_psd(C: np.ndarray) -> np.ndarray:
    lam, V = np.linalg.eigh(C)
    return (V / np.sqrt(lam)) @ V.T


# --------------------------------------------------------------------------------------------
# Interface and registration
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SUITE)
def test_registered_with_flags(name: str) -> None:
    metric = dm.get(name)
    assert name in dm.available()
    assert metric.name == name
    assert metric.invariances <= INVARIANCES
    assert isinstance(metric.symmetric, bool) and isinstance(metric.is_metric, bool)
    assert metric.attrs()["metric"] == name
    assert dm.get("linear_predictivity").symmetric is False


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cka_debiased", {"score_method": "cosine"}),
        ("rsa", {"rdm_over": "time"}),
        ("rsa", {"rdm": "cosine"}),
        ("rsa", {"compare_method": "kendall_b"}),
        ("rsa", {"score_method": "radians"}),
        ("cca", {"rank_tol": -1.0}),
        ("cca", {"rank_tol": 1e-12}),  # below what Gram eigenvalues resolve
        ("shape", {"rank_tol": 1.0}),
        ("cca", {"score_method": "euclidean"}),
        ("svcca", {"n_components": 0}),
        ("svcca", {"n_components": 2.5}),
        ("svcca", {"keep": 0.0}),
        ("svcca", {"keep": 1.5}),
        ("svcca", {"n_components": 3, "keep": 0.9}),
        ("shape", {"alpha": 1.5}),
        ("shape", {"alpha": -0.1}),
        ("shape", {"score_method": "one_minus"}),
        ("linear_predictivity", {"alpha": -1.0}),
        ("linear_predictivity", {"alpha": float("nan")}),
        ("linear_predictivity", {"n_folds": 0}),
        ("linear_predictivity", {"n_folds": 2.5}),
    ],
)
def test_constructor_validates(name: str, params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        dm.get(name, **params)


@pytest.mark.parametrize("name", dm.available())
def test_pairwise_works_for_every_registered_metric(name: str) -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(6, 40, 4))
    data = [base + 0.3 * k * rng.normal(size=base.shape) for k in range(4)]
    mat = dm.pairwise(data, name)
    assert mat.dims == ("model_a", "model_b") and mat.shape == (4, 4)
    np.testing.assert_array_equal(np.diag(mat.values), 0.0)
    if name in SUITE:  # metrics of this suite must compute every pair of this data
        assert (mat["status"].values == "").all(), mat["status"].values
        assert np.all(np.isfinite(mat.values))
        assert np.all(mat.values[~np.eye(4, dtype=bool)] > 0)
        if dm.get(name).symmetric:
            np.testing.assert_allclose(mat.values, mat.values.T, atol=1e-12)


def test_linear_predictivity_fills_both_triangles_differently() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 15, 6))
    small = X[..., :2] @ rng.normal(size=(2, 2))  # predictable from X, but cannot predict X
    junk = np.concatenate([X, rng.normal(size=(10, 15, 4))], axis=-1)
    mat = dm.pairwise([X, small, junk], "linear_predictivity").values
    off = ~np.eye(3, dtype=bool)
    assert np.all(np.isfinite(mat[off]))
    assert not np.allclose(mat, mat.T)
    assert mat[0, 1] < 0.05 < 0.5 < mat[1, 0]  # X → small is easy, small → X is not
    assert mat[2, 0] < 0.05 < mat[0, 2]  # X + junk predicts X, X cannot predict the junk


@pytest.mark.parametrize("value", [1.0, 0.1, 1 / 3])  # 0.1, 1/3: centring leaves rounding
@pytest.mark.parametrize("name", SUITE)
def test_constant_network_fails_only_its_pairs(name: str, value: float) -> None:
    data = [traj(0), traj(1), np.full((8, 12, 5), value)]
    mat = dm.pairwise(data, name)
    status = mat["status"].values
    assert status[0, 1] == "" and np.isfinite(mat.values[0, 1])
    # the reason names the failed network, on either side (issue 13 item 6)
    assert (
        status[0, 2].startswith("network 'model2': prepare failed") and status[2, 0] == status[0, 2]
    )
    assert np.isnan(mat.values[0, 2])


# --------------------------------------------------------------------------------------------
# Properties shared by every configuration
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "params", "_inv"), CONFIGS, ids=CONFIG_IDS)
def test_self_distance_is_zero(name: str, params: dict[str, Any], _inv: frozenset[str]) -> None:
    metric = dm.get(name, **params)
    X = traj(3)
    d = metric.score(X, X)
    if name == "linear_predictivity" and metric.alpha > 0:
        assert 0 <= d < 1e-2  # ridge shrinkage and cross-validation: small, not 0
    else:
        assert d == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("name", "params", "_inv"), CONFIGS, ids=CONFIG_IDS)
def test_float32_input_no_nan_and_float64_accumulation(
    name: str, params: dict[str, Any], _inv: frozenset[str]
) -> None:
    metric = dm.get(name, **params)
    X32 = (traj(4) * 1e3 + 5e3).astype(np.float32)  # large offset: float32 sums would be poor
    Y32 = (related(4)[1]).astype(np.float32)
    d_self = metric.score(X32, X32)
    assert np.isfinite(d_self)
    if not (name == "linear_predictivity" and metric.alpha > 0):
        assert d_self == pytest.approx(0.0, abs=1e-6)
    # float32 input is promoted before any arithmetic: identical to the float64 copy.
    d32 = metric.score(X32, Y32)
    d64 = metric.score(X32.astype(np.float64), Y32.astype(np.float64))
    assert np.isfinite(d32)
    assert d32 == pytest.approx(d64, abs=1e-12)


@pytest.mark.parametrize(("name", "params", "_inv"), CONFIGS, ids=CONFIG_IDS)
def test_symmetry_and_batch(name: str, params: dict[str, Any], _inv: frozenset[str]) -> None:
    metric = dm.get(name, **params)
    nets = [traj(10), *related(11), traj(12)]
    prepared = [metric.prepare(X) for X in nets]
    pairs = np.array([(i, j) for i in range(4) for j in range(4) if i != j])
    batch = metric.compare_batch(prepared, prepared, pairs)
    loop = np.array([metric.compare(prepared[i], prepared[j]) for i, j in pairs])
    np.testing.assert_allclose(batch, loop, atol=1e-12)
    d = dict(zip(map(tuple, pairs), batch, strict=True))
    if metric.symmetric:
        for i, j in combinations(range(4), 2):
            assert d[i, j] == pytest.approx(d[j, i], abs=1e-10)
    else:
        assert any(abs(d[i, j] - d[j, i]) > 1e-3 for i, j in combinations(range(4), 2))


def _transform(kind: str, Z: np.ndarray, seed: int, scale: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = Z.shape[-1]
    if kind == "rotation":
        return Z @ orthogonal(rng, p)
    if kind == "isotropic_scale":
        return scale * Z
    if kind == "translation":
        return Z + scale * rng.normal(size=p)
    if kind == "permutation":
        return Z[..., rng.permutation(p)]
    if kind == "invertible_linear":
        # Well-conditioned but far from orthogonal: singular values in [e⁻¹, e].
        sv = np.exp(rng.uniform(-1, 1, size=p))
        return Z @ (orthogonal(rng, p) * sv) @ orthogonal(rng, p)
    raise AssertionError(kind)


INVARIANCE_CASES = [
    (name, params, kind) for name, params, kinds in CONFIGS for kind in sorted(kinds)
]


@pytest.mark.parametrize(
    ("name", "params", "kind"),
    INVARIANCE_CASES,
    ids=[
        f"{cid}-{k}"
        for (n, p, kinds), cid in zip(CONFIGS, CONFIG_IDS, strict=True)
        for k in sorted(kinds)
    ],
)
@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), scale=st.floats(0.01, 100.0))
def test_declared_invariances(
    name: str, params: dict[str, Any], kind: str, seed: int, scale: float
) -> None:
    metric = dm.get(name, **params)
    X, Y = related(seed % 1000)
    d0 = metric.score(X, Y)
    assert 0.01 < d0
    # Transform the second network and, for an asymmetric metric, the first one too.
    assert metric.score(X, _transform(kind, Y, seed, scale)) == pytest.approx(d0, abs=1e-7)
    if not metric.symmetric:
        assert metric.score(_transform(kind, X, seed, scale), Y) == pytest.approx(d0, abs=1e-7)


@pytest.mark.parametrize("name", ["cka_debiased", "rsa", "svcca", "shape"])
def test_not_invariant_to_general_linear_maps(name: str) -> None:
    # Sanity check that the invariance test above can fail: these are rotation- but not
    # GL-invariant, while cca is GL-invariant.
    X, Y = related(5)
    Y2 = _transform("invertible_linear", Y, 6, 1.0) @ np.diag([5.0, 1, 1, 1, 1, 0.2])
    metric = dm.get(name, **({"n_components": 2} if name == "svcca" else {}))
    assert abs(metric.score(X, Y2) - metric.score(X, Y)) > 1e-4
    assert dm.get("cca").score(X, Y2) == pytest.approx(dm.get("cca").score(X, Y), abs=1e-8)


# --------------------------------------------------------------------------------------------
# Debiased CKA
# --------------------------------------------------------------------------------------------


def hsic_unbiased_song(K: np.ndarray, L: np.ndarray) -> float:
    """Song et al. (2012), eq. 5, written out literally."""
    n = K.shape[0]
    Kt = K - np.diag(np.diag(K))
    Lt = L - np.diag(np.diag(L))
    one = np.ones(n)
    return (
        np.trace(Kt @ Lt)
        + (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2))
        - 2.0 / (n - 2) * (one @ Kt @ Lt @ one)
    ) / (n * (n - 3))


def test_cka_debiased_closed_form() -> None:
    X, Y = related(20)
    Xs, Ys = flat(X), flat(Y)  # uncentred on purpose: HSIC_u needs no centring
    K, L = Xs @ Xs.T, Ys @ Ys.T
    expected = hsic_unbiased_song(K, L) / np.sqrt(
        hsic_unbiased_song(K, K) * hsic_unbiased_song(L, L)
    )
    metric = dm.get("cka_debiased", score_method="one_minus")
    assert 1 - metric.score(X, Y) == pytest.approx(expected, abs=1e-10)
    assert np.cos(dm.get("cka_debiased").score(X, Y)) == pytest.approx(expected, abs=1e-10)


def test_cka_debiased_feature_path_matches_gram_path(monkeypatch: pytest.MonkeyPatch) -> None:
    X, Y = related(21)
    metric = dm.get("cka_debiased")
    via_gram = metric.score(X, Y)
    monkeypatch.setattr(cka_debiased_module, "_MAX_GRAM_SAMPLES", 0)
    a, b = metric.prepare(X), metric.prepare(Y)
    assert a.gram_u is None
    assert metric.compare(a, b) == pytest.approx(via_gram, abs=1e-10)
    batch = metric.compare_batch([a, b], [a, b], np.array([[0, 1], [1, 0]]))
    np.testing.assert_allclose(batch, via_gram, atol=1e-10)


def test_cka_debiased_near_zero_for_independent_data() -> None:
    biased, debiased = [], []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        X, Y = rng.normal(size=(32, 128)), rng.normal(size=(32, 128))  # n = 32, d = 128
        biased.append(np.cos(dm.get("cka").score(X, Y)))
        debiased.append(1 - dm.get("cka_debiased", score_method="one_minus").score(X, Y))
    assert 0.7 < np.mean(biased) < 0.9  # the inflation debiasing removes
    assert abs(np.mean(debiased)) < 0.05
    assert max(abs(v) for v in debiased) < 0.15


def test_cka_debiased_needs_four_samples() -> None:
    with pytest.raises(dm.PreparationError):
        dm.get("cka_debiased").prepare(np.ones((1, 3, 2)) * np.arange(3)[:, None])


# --------------------------------------------------------------------------------------------
# RSA
# --------------------------------------------------------------------------------------------


def tau_a_literal(v: np.ndarray, w: np.ndarray) -> float:
    n = len(v)
    total = 0.0
    for i in range(n):
        total += np.sum(np.sign(v[i] - v[i + 1 :]) * np.sign(w[i] - w[i + 1 :]))
    return total / (n * (n - 1) / 2)


def rank_corr_a_literal(v: np.ndarray, w: np.ndarray) -> float:
    n = len(v)
    rv, rw = stats.rankdata(v), stats.rankdata(w)
    return 12.0 * np.sum((rv - (n + 1) / 2) * (rw - (n + 1) / 2)) / (n**3 - n)


def rsa_patterns(X: np.ndarray, rdm_over: str) -> np.ndarray:
    if rdm_over == "trial":
        return np.stack([X[t].ravel() for t in range(X.shape[0])])
    if rdm_over == "trial_mean":
        return np.stack([X[t].mean(axis=0) for t in range(X.shape[0])])
    return flat(X)


@pytest.mark.parametrize("rdm_over", ["trial", "trial_mean", "sample"])
@pytest.mark.parametrize("rdm", ["euclidean", "sqeuclidean", "correlation"])
@pytest.mark.parametrize("method", ["pearson", "spearman", "rho_a", "tau_a", "cosine"])
def test_rsa_closed_form(rdm_over: str, rdm: str, method: str) -> None:
    X, Y = related(30)
    X, Y = X[:, :4], Y[:, :4]  # keeps the "sample" RDMs small
    v = pdist(rsa_patterns(X, rdm_over), metric=rdm)
    w = pdist(rsa_patterns(Y, rdm_over), metric=rdm)
    expected = {
        "pearson": lambda: stats.pearsonr(v, w).statistic,
        "spearman": lambda: stats.spearmanr(v, w).statistic,
        "rho_a": lambda: rank_corr_a_literal(v, w),
        "tau_a": lambda: tau_a_literal(v, w),
        "cosine": lambda: v @ w / np.linalg.norm(v) / np.linalg.norm(w),
    }[method]()
    metric = dm.get(
        "rsa", rdm_over=rdm_over, rdm=rdm, compare_method=method, score_method="one_minus"
    )
    np.testing.assert_allclose(metric.rdm_vector(X), v, atol=1e-9)
    assert 1 - metric.score(X, Y) == pytest.approx(expected, abs=1e-9)
    angular = dm.get("rsa", rdm_over=rdm_over, rdm=rdm, compare_method=method)
    assert angular.score(X, Y) == pytest.approx(np.arccos(expected), abs=1e-8)


def test_rsa_rank_methods_with_ties() -> None:
    # Integer patterns give many tied distances: rho_a and tau_a differ from spearman / tau_b.
    rng = np.random.default_rng(31)
    X = rng.integers(0, 3, size=(12, 1, 3)).astype(float)
    Y = rng.integers(0, 3, size=(12, 1, 4)).astype(float)
    v, w = pdist(X[:, 0], "sqeuclidean"), pdist(Y[:, 0], "sqeuclidean")
    assert len(np.unique(v)) < len(v) / 5  # heavily tied
    for method, expected in [
        ("rho_a", rank_corr_a_literal(v, w)),
        ("tau_a", tau_a_literal(v, w)),
        ("spearman", stats.spearmanr(v, w).statistic),
    ]:
        metric = dm.get("rsa", rdm="sqeuclidean", compare_method=method, score_method="one_minus")
        assert 1 - metric.score(X, Y) == pytest.approx(expected, abs=1e-12), method


RSATOOLBOX_METHODS = {
    "pearson": "corr",
    "spearman": "spearman",
    "rho_a": "rho-a",
    "tau_a": "tau-a",
    "cosine": "cosine",
}


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("rdm", ["sqeuclidean", "correlation", "euclidean"])
@pytest.mark.parametrize("method", list(RSATOOLBOX_METHODS))
def test_rsa_agrees_with_rsatoolbox(rdm: str, method: str, tied: bool) -> None:
    pytest.importorskip("rsatoolbox")
    from rsatoolbox.data import Dataset
    from rsatoolbox.rdm import RDMs, calc_rdm, compare

    rng = np.random.default_rng(32)
    if tied:
        X = rng.integers(0, 3, size=(10, 2, 3)).astype(float)
        Y = rng.integers(0, 3, size=(10, 2, 3)).astype(float)
    else:
        X, Y = related(32)

    def toolbox_rdm(Z: np.ndarray) -> Any:
        pats = Z.reshape(Z.shape[0], -1)  # rdm_over="trial"
        method_name = "correlation" if rdm == "correlation" else "euclidean"
        diss = calc_rdm(Dataset(measurements=pats), method=method_name).dissimilarities
        if rdm == "euclidean":  # rsatoolbox's "euclidean" is squared (and divided by p)
            diss = np.sqrt(diss)
        if tied:  # exact ties that rounding split apart (dynsim merges those; see merge_near_ties)
            diss = np.round(diss, 10)
        return RDMs(dissimilarities=diss)

    expected = float(
        compare(toolbox_rdm(X), toolbox_rdm(Y), method=RSATOOLBOX_METHODS[method])[0, 0]
    )
    metric = dm.get("rsa", rdm=rdm, compare_method=method, score_method="one_minus")
    assert 1 - metric.score(X, Y) == pytest.approx(expected, abs=1e-6)


def test_rsa_rejects_mismatched_conditions_and_constant_rdm() -> None:
    metric = dm.get("rsa")
    with pytest.raises(ValueError, match="condition counts differ"):
        metric.compare(metric.prepare(traj(0, trials=6)), metric.prepare(traj(1, trials=7)))
    simplex = np.eye(4)[:, None, :]  # 4 trials, equidistant patterns
    with pytest.raises(dm.PreparationError, match="constant"):
        metric.prepare(simplex)
    with pytest.raises(dm.PreparationError, match="at least 3"):
        metric.prepare(traj(0, trials=2))


# --------------------------------------------------------------------------------------------
# CCA and SVCCA
# --------------------------------------------------------------------------------------------


def canonical_correlations_textbook(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Singular values of Σ_xx^{-1/2} Σ_xy Σ_yy^{-1/2} (full-rank data)."""
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    n = Xc.shape[0]
    Sxx, Syy, Sxy = Xc.T @ Xc / (n - 1), Yc.T @ Yc / (n - 1), Xc.T @ Yc / (n - 1)
    return np.linalg.svd(inv_sqrt_psd(Sxx) @ Sxy @ inv_sqrt_psd(Syy), compute_uv=False)


def test_cca_closed_form() -> None:
    X, Y = related(40, units_out=7)
    rho = canonical_correlations_textbook(flat(X), flat(Y))
    assert rho.size == 5
    assert 1 - dm.get("cca", score_method="one_minus").score(X, Y) == pytest.approx(
        rho.mean(), abs=1e-10
    )
    assert dm.get("cca").score(X, Y) == pytest.approx(np.arccos(rho.mean()), abs=1e-9)


def test_cca_rank_tolerance_drops_redundant_units() -> None:
    X, Y = related(41)
    # Duplicate and linearly combined units add no new directions.
    X_redundant = np.concatenate([X, X[..., :2] @ np.array([[1.0, 2.0], [3.0, -1.0]])], axis=-1)
    metric = dm.get("cca")
    assert metric.prepare(X_redundant).basis.shape[1] == 5
    assert metric.score(X_redundant, Y) == pytest.approx(metric.score(X, Y), abs=1e-8)


def pca_scores_textbook(X: np.ndarray, k: int) -> np.ndarray:
    Xc = X - X.mean(axis=0)
    lam, V = np.linalg.eigh(Xc.T @ Xc)
    return Xc @ V[:, np.argsort(lam)[::-1][:k]]


def test_svcca_closed_form() -> None:
    X, Y = related(42, units_out=7)
    Xf, Yf = flat(X), flat(Y)
    # n_components
    rho = canonical_correlations_textbook(pca_scores_textbook(Xf, 3), pca_scores_textbook(Yf, 3))
    metric = dm.get("svcca", n_components=3, score_method="one_minus")
    assert 1 - metric.score(X, Y) == pytest.approx(rho.mean(), abs=1e-10)
    # keep: the smallest k explaining ≥ 90 % of the variance, for each network separately

    def k_for(Z: np.ndarray, keep: float) -> int:
        lam = np.sort(np.linalg.eigvalsh(np.cov(Z.T)))[::-1]
        return int(np.argmax(np.cumsum(lam) / lam.sum() >= keep)) + 1

    X, Y = X * [5.0, 3.0, 1.0, 0.5, 0.2], Y * [4.0, 2.0, 2.0, 1.0, 0.3, 0.2, 0.1]  # anisotropic
    Xf, Yf = flat(X), flat(Y)
    kx, ky = k_for(Xf, 0.9), k_for(Yf, 0.9)
    assert 1 < kx < 5 and 1 < ky < 7 and kx != ky  # a non-trivial reduction
    rho = canonical_correlations_textbook(pca_scores_textbook(Xf, kx), pca_scores_textbook(Yf, ky))
    metric = dm.get("svcca", keep=0.9, score_method="one_minus")
    assert metric.prepare(X).basis.shape[1] == kx
    assert 1 - metric.score(X, Y) == pytest.approx(rho.mean(), abs=1e-10)
    # keep = 1 and the default (0.99) on full-rank data
    assert dm.get("svcca", keep=1.0).score(X, Y) == pytest.approx(
        dm.get("cca").score(X, Y), abs=1e-9
    )
    assert dm.get("svcca").params == {
        "n_components": None,
        "keep": None,
        "score_method": "angular",
        "rank_tol": 1e-6,
    }


# --------------------------------------------------------------------------------------------
# Shape metric
# --------------------------------------------------------------------------------------------


def shape_textbook(X: np.ndarray, Y: np.ndarray, alpha: float) -> float:
    def phi(Z: np.ndarray) -> np.ndarray:
        Zc = Z - Z.mean(axis=0)
        Zc = Zc / np.sqrt(np.trace(Zc.T @ Zc) / Zc.shape[1])
        W = alpha * np.eye(Zc.shape[1]) + (1 - alpha) * inv_sqrt_psd(Zc.T @ Zc)
        return Zc @ W

    A, B = phi(X), phi(Y)
    nuc = np.linalg.norm(A.T @ B, ord="nuc")
    return float(np.arccos(nuc / np.linalg.norm(A) / np.linalg.norm(B)))


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.5, 1.0])
def test_shape_closed_form(alpha: float) -> None:
    X, Y = related(50, units_out=7)
    assert dm.get("shape", alpha=alpha).score(X, Y) == pytest.approx(
        shape_textbook(flat(X), flat(Y), alpha), abs=1e-9
    )
    d = dm.get("shape", alpha=alpha).score(X, Y)
    euclid = dm.get("shape", alpha=alpha, score_method="euclidean").score(X, Y)
    assert euclid == pytest.approx(np.sqrt(2 - 2 * np.cos(d)), abs=1e-10)


def test_shape_endpoints_are_procrustes_and_cca() -> None:
    X, Y = related(51)  # 5 and 6 units: unequal ranks
    assert dm.get("shape", alpha=1.0).score(X, Y) == pytest.approx(
        dm.get("procrustes").score(X, Y), abs=1e-10
    )
    rho = canonical_correlations_textbook(flat(X), flat(Y))
    assert dm.get("shape", alpha=0.0).score(X, Y) == pytest.approx(
        np.arccos(rho.sum() / np.sqrt(5 * 6)), abs=1e-9
    )
    Y5 = Y[..., :5]
    rho = canonical_correlations_textbook(flat(X), flat(Y5))
    assert dm.get("shape", alpha=0.0).score(X, Y5) == pytest.approx(
        dm.get("cca").score(X, Y5), abs=1e-9
    )
    assert np.cos(dm.get("cca").score(X, Y5)) == pytest.approx(rho.mean(), abs=1e-10)


@pytest.mark.parametrize(
    ("name", "params"),
    [(n, p) for n, p, _ in CONFIGS if dm.get(n).is_metric and p.get("compare_method") != "tau_a"]
    + [("shape", {"alpha": 0.0}), ("shape", {"alpha": 0.5})],
)
def test_triangle_inequality_where_declared(name: str, params: dict[str, Any]) -> None:
    rng = np.random.default_rng(52)
    base = rng.normal(size=(8, 12, 5))
    nets = [base + s * rng.normal(size=base.shape) for s in (0.2, 0.5, 1.0, 2.0, 4.0, 0.1)]
    mat = dm.pairwise(nets, name, **params).values
    assert np.all(np.isfinite(mat))
    for k in range(len(nets)):  # d(i, j) ≤ d(i, k) + d(k, j) for every i, j, k
        assert np.all(mat <= mat[:, [k]] + mat[[k], :] + 1e-12)


# --------------------------------------------------------------------------------------------
# Linear predictivity
# --------------------------------------------------------------------------------------------


def cv_ridge_r2_textbook(
    X: np.ndarray, Y: np.ndarray, alpha: float, n_folds: int, relative: bool
) -> float:
    """Ridge with intercept fitted per fold (trial k in fold k mod n_folds), pooled R²."""
    n_trials, n_time = X.shape[:2]
    fold = np.repeat(np.arange(n_trials) % n_folds, n_time)
    Xf, Yf = flat(X), flat(Y)
    sse = 0.0
    for f in range(n_folds):
        test = fold == f if n_folds > 1 else np.ones(len(fold), bool)
        train = ~test if n_folds > 1 else test
        mx, my = Xf[train].mean(axis=0), Yf[train].mean(axis=0)
        Xc, Yc = Xf[train] - mx, Yf[train] - my
        a = alpha * np.trace(Xc.T @ Xc) / Xf.shape[1] if relative else alpha
        W = np.linalg.solve(Xc.T @ Xc + a * np.eye(Xf.shape[1]), Xc.T @ Yc)
        sse += np.sum((Yf[test] - my - (Xf[test] - mx) @ W) ** 2)
    return 1 - sse / np.sum((Yf - Yf.mean(axis=0)) ** 2)


@pytest.mark.parametrize(
    ("alpha", "n_folds", "relative"),
    [(1e-3, 5, True), (0.3, 3, True), (2.0, 4, False), (0.0, 5, True), (0.1, 1, True)],
)
def test_linear_predictivity_closed_form(alpha: float, n_folds: int, relative: bool) -> None:
    X, Y = related(60)
    metric = dm.get("linear_predictivity", alpha=alpha, n_folds=n_folds, relative_alpha=relative)
    for A, B in ((X, Y), (Y, X)):
        expected = cv_ridge_r2_textbook(A, B, alpha, n_folds, relative)
        assert metric.score(A, B) == pytest.approx(1 - expected, abs=1e-10)


def test_linear_predictivity_matches_sklearn() -> None:
    sklearn = pytest.importorskip("sklearn")
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score
    from sklearn.model_selection import PredefinedSplit, cross_val_predict

    assert sklearn
    X, Y = related(61)
    n_trials, n_time = X.shape[:2]
    split = PredefinedSplit(np.repeat(np.arange(n_trials) % 4, n_time))
    pred = cross_val_predict(Ridge(alpha=0.7), flat(X), flat(Y), cv=split)
    expected = r2_score(flat(Y), pred, multioutput="variance_weighted")
    metric = dm.get("linear_predictivity", alpha=0.7, n_folds=4, relative_alpha=False)
    assert metric.score(X, Y) == pytest.approx(1 - expected, abs=1e-10)


def test_linear_predictivity_can_exceed_one_and_folds_split_trials() -> None:
    rng = np.random.default_rng(62)
    # The target is a per-trial constant unrelated to the predictor: out of sample, nothing is
    # predictable, and the ridge fit to the training trials makes things worse than the mean.
    X = rng.normal(size=(10, 20, 12))
    Y = np.repeat(rng.normal(size=(10, 1, 3)), 20, axis=1) + 0.01 * rng.normal(size=(10, 20, 3))
    assert dm.get("linear_predictivity", alpha=0.0).score(X, Y) > 1.0
    # In-sample (n_folds=1) the same regression looks better than chance: leakage.
    assert dm.get("linear_predictivity", alpha=0.0, n_folds=1).score(X, Y) < 1.0


def test_linear_predictivity_needs_enough_trials_and_matching_samples() -> None:
    metric = dm.get("linear_predictivity", n_folds=5)
    with pytest.raises(dm.PreparationError, match="at least 5 trials"):
        metric.prepare(traj(0, trials=4))
    with pytest.raises(ValueError, match="shapes differ"):
        metric.compare(metric.prepare(traj(0, time=12)), metric.prepare(traj(1, time=11)))


def test_linear_predictivity_wide_network_path(monkeypatch: pytest.MonkeyPatch) -> None:
    from dynsim.metrics import linear_predictivity as lp_module

    X, Y = related(63)
    metric = dm.get("linear_predictivity", alpha=0.05)
    expected = metric.score(X, Y)
    monkeypatch.setattr(lp_module, "_MAX_GRAM_UNITS", 0)
    a, b = metric.prepare(X), metric.prepare(Y)
    assert a.test_grams is None
    assert metric.compare(a, b) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(1 - cv_ridge_r2_textbook(X, Y, 0.05, 5, True), abs=1e-10)
