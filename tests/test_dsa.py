"""Tests of Dynamical Similarity Analysis (dynsim.metrics.dsa).

The comparisons with the reference implementation (package ``dsa-metric``, import ``DSA``)
are skipped when it is not installed. Full-size versions of the exactness and reference
checks are in benchmarks/dsa_vs_reference.py.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dynsim.metrics as dm
from dynsim.metrics.base import PreparationError
from dynsim.metrics.dsa import (
    DSA,
    DSAWasserstein,
    PreparedDSA,
    align_operators,
    delay_embed,
    eigenvalue_wasserstein,
    fit_havok,
)
from dynsim.systems import tanh_linear_networks

HAVE_REFERENCE = importlib.util.find_spec("DSA") is not None
needs_reference = pytest.mark.skipif(not HAVE_REFERENCE, reason="dsa-metric not installed")


# ---------------------------------------------------------------------------------- helpers


def random_orthogonal(n: int, rng: np.random.Generator, det: float | None = None) -> np.ndarray:
    Q, R = np.linalg.qr(rng.normal(size=(n, n)))
    Q = Q * np.sign(np.diag(R))
    if det is not None and np.linalg.det(Q) * det < 0:
        Q[:, 0] *= -1
    return Q


def random_stable(n: int, rng: np.random.Generator) -> np.ndarray:
    G = rng.normal(size=(n, n))
    return G / np.max(np.abs(np.linalg.eigvals(G))) * rng.uniform(0.5, 0.99)


def angle(similarity: np.ndarray) -> np.ndarray:
    return np.arccos(np.clip(similarity, -1.0, 1.0))


def line_attractor(rng: np.random.Generator, trials: int = 12, steps: int = 60) -> np.ndarray:
    """Activity of 6 units driven by a 2-D linear system with one marginal (integrating) mode."""
    embed = rng.normal(size=(2, 6))
    z = rng.normal(size=(trials, 2)) * [2.0, 1.0]
    out = np.empty((trials, steps, 6))
    for t in range(steps):
        z = z * [1.0, 0.85] + 0.02 * rng.normal(size=z.shape)
        out[:, t] = z @ embed
    return out + 0.01 * rng.normal(size=out.shape)


def limit_cycle(rng: np.random.Generator, trials: int = 12, steps: int = 60) -> np.ndarray:
    """Activity of 6 units on a stable limit cycle (radius relaxes to 1, constant rotation)."""
    embed = rng.normal(size=(2, 6))
    radius = rng.uniform(0.3, 2.0, size=trials)
    phase = rng.uniform(0, 2 * np.pi, size=trials)
    out = np.empty((trials, steps, 6))
    for t in range(steps):
        radius = radius + 0.15 * radius * (1 - radius**2)
        phase = phase + 0.3
        lat = np.stack([radius * np.cos(phase), radius * np.sin(phase)], axis=1)
        out[:, t] = lat @ embed
    return out + 0.01 * rng.normal(size=out.shape)


# ---------------------------------------------------------------------------- HAVOK fitting


def test_delay_embedding_rows_are_newest_first() -> None:
    traj = np.arange(2 * 7 * 2, dtype=float).reshape(2, 7, 2)
    emb = delay_embed(traj, n_delays=3, delay_interval=2)
    assert emb.shape == (2, 7 - 4, 6)
    for k in range(2):
        for t in range(3):
            expected = np.concatenate([traj[k, t + 4], traj[k, t + 2], traj[k, t]])
            np.testing.assert_array_equal(emb[k, t], expected)


def test_regression_pairs_stay_within_trials() -> None:
    # Noise-free trials of x_{t+1} = F x_t from different starts: with the full rank and no
    # delays, A is similar to F exactly — but only if no (t, t+1) pair straddles two trials.
    rng = np.random.default_rng(0)
    F = random_stable(4, rng)
    traj = np.empty((5, 30, 4))
    for k in range(5):
        x = rng.normal(size=4)
        for t in range(30):
            traj[k, t] = x
            x = F @ x
    prep = fit_havok(traj, n_delays=1, rank=4)
    np.testing.assert_allclose(
        np.sort_complex(prep.eigenvalues), np.sort_complex(np.linalg.eigvals(F)), atol=1e-8
    )
    assert prep.r2 == pytest.approx(1.0, abs=1e-10)
    # Stacking the trials as one long trial (crossing boundaries) gives a different operator.
    joined = fit_havok(traj.reshape(1, -1, 4), n_delays=1, rank=4)
    assert (
        np.max(np.abs(np.sort_complex(joined.eigenvalues) - np.sort_complex(np.linalg.eigvals(F))))
        > 1e-3
    )


def test_havok_matches_explicit_formula_with_ridge() -> None:
    rng = np.random.default_rng(1)
    traj = rng.normal(size=(3, 40, 3)).cumsum(axis=1)
    lam = 0.3
    prep = fit_havok(traj, n_delays=4, delay_interval=1, rank=6, ridge=lam)
    H = delay_embed(traj, 4, 1)
    V, _, _ = np.linalg.svd(H.reshape(-1, H.shape[-1]), full_matrices=False)
    V = V[:, :6].reshape(3, -1, 6)
    vm, vp = V[:, :-1].reshape(-1, 6), V[:, 1:].reshape(-1, 6)
    A = (np.linalg.inv(vm.T @ vm + lam * np.eye(6)) @ vm.T @ vp).T
    # SVD signs are arbitrary, so the operators agree up to D A D (D diagonal ±1).
    np.testing.assert_allclose(np.abs(prep.operator), np.abs(A), atol=1e-10)
    assert prep.rank == 6


def test_rank_selection_rules() -> None:
    rng = np.random.default_rng(2)
    traj = rng.normal(size=(4, 50, 5))
    s = fit_havok(traj, n_delays=3, rank=None, rank_threshold=0.0).singular_values
    thr = 0.5 * (s[3] + s[4])
    assert fit_havok(traj, n_delays=3, rank=None, rank_threshold=thr).rank == 4
    cum = np.cumsum(s**2) / np.sum(s**2)
    frac = 0.5 * (cum[5] + cum[6])
    assert fit_havok(traj, n_delays=3, rank=None, rank_explained_variance=frac).rank == 7
    assert fit_havok(traj, n_delays=3, rank=None, rank_explained_variance=1.0).rank == 15
    # Rank is capped at the numerical rank: activity confined to 2 dims with 1 delay.
    low = rng.normal(size=(4, 50, 2)) @ rng.normal(size=(2, 5))
    assert fit_havok(low, n_delays=1, rank=5).rank == 2


def test_prepared_arrays_are_read_only_and_compare_does_not_mutate() -> None:
    rng = np.random.default_rng(3)
    metric = DSA(n_delays=3, rank=5, device="cpu")
    a = metric.prepare(rng.normal(size=(3, 40, 4)).cumsum(axis=1))
    b = metric.prepare(rng.normal(size=(3, 40, 4)).cumsum(axis=1))
    assert isinstance(a, PreparedDSA)
    assert a.operator.dtype == np.float64 and a.operator.shape == (5, 5)
    with pytest.raises(ValueError):
        a.operator[0, 0] = 1.0
    before = a.operator.copy(), b.operator.copy()
    d1 = metric.compare(a, b)
    d2 = metric.compare(a, b)
    np.testing.assert_array_equal(a.operator, before[0])
    np.testing.assert_array_equal(b.operator, before[1])
    assert d1 == d2


def test_preparation_errors() -> None:
    metric = DSA(device="cpu")
    bad = np.ones((2, 30, 3))
    bad[0, 3, 1] = np.nan
    with pytest.raises(PreparationError):
        metric.prepare(bad)
    with pytest.raises(PreparationError):
        metric.prepare(np.random.default_rng(0).normal(size=(2, 8, 3)))  # too few steps
    with pytest.raises(PreparationError):
        metric.prepare(np.zeros((2, 30, 3)))
    # 2 trials × (12 − 3·3 − 1) = 4 one-step pairs cannot determine a rank-6 operator (it would
    # fit any data exactly); a ridge makes the fit well posed.
    short = np.random.default_rng(1).normal(size=(2, 12, 4))
    with pytest.raises(PreparationError, match="only 4 one-step pairs.*rank-6"):
        fit_havok(short, n_delays=4, delay_interval=3, rank=6)
    assert fit_havok(short, n_delays=4, delay_interval=3, rank=6, ridge=0.1).rank == 6


# ------------------------------------------------------------------------------- alignment


def test_exact_on_conjugate_pairs_both_determinants() -> None:
    """Acceptance 1 (reduced): d(A, QᵀAQ) < 1e-3 rad, ranks 3–50, half with det Q = −1."""
    rng = np.random.default_rng(10)
    errors = []
    for case in range(100):
        n = int(rng.integers(3, 51))
        A = random_stable(n, rng)
        Q = random_orthogonal(n, rng, det=1.0 if case % 2 else -1.0)
        res = align_operators(A, Q.T @ A @ Q, device="cpu")
        errors.append(angle(res.similarity)[0])
        # The transform found maps B back onto A (up to the normalisation). It is ±Q, so
        # for even n it has Q's determinant.
        C = res.transform[0]
        B = Q.T @ A @ Q
        assert np.linalg.norm(A / np.linalg.norm(A) - C @ B @ C.T / np.linalg.norm(B)) < 1e-6
        if n % 2 == 0:
            assert np.linalg.det(C) == pytest.approx(np.linalg.det(Q), abs=1e-6)
    errors = np.array(errors)
    assert np.mean(errors < 1e-3) >= 0.99
    assert np.max(errors) < 1e-5


def test_search_beats_planted_solution_on_noisy_conjugates() -> None:
    """With noise the closed form is only a start; the search must still do at least as well
    as the planted rotation Q (it usually does better)."""
    rng = np.random.default_rng(11)
    A_list, B_list, planted = [], [], []
    n = 12
    for case in range(16):
        A = random_stable(n, rng)
        Q = random_orthogonal(n, rng, det=1.0 if case % 2 else -1.0)
        B = Q.T @ A @ Q + 0.08 * np.linalg.norm(A) / n * rng.normal(size=(n, n))
        An, Bn = A / np.linalg.norm(A), B / np.linalg.norm(B)
        planted.append(np.sum(An * (Q @ Bn @ Q.T)))
        A_list.append(A)
        B_list.append(B)
    res = align_operators(np.stack(A_list), np.stack(B_list), device="cpu")
    assert np.all(res.similarity >= np.array(planted) - 1e-10)
    assert np.all(angle(res.similarity) < 0.2)


def test_reflection_optimum_is_returned_as_an_orthogonal_det_minus_one_transform() -> None:
    # Even n: both optimal transforms ±Q have det −1, so a det +1 search could not find them.
    rng = np.random.default_rng(12)
    n = 6
    A = random_stable(n, rng)
    Q = random_orthogonal(n, rng, det=-1.0)
    B = Q.T @ A @ Q + 1e-3 * rng.normal(size=(n, n))
    res = align_operators(A, B, device="cpu", n_starts=16)
    C = res.transform[0]
    assert np.linalg.det(C) == pytest.approx(-1.0, abs=1e-8)
    np.testing.assert_allclose(C.T @ C, np.eye(n), atol=1e-12)
    assert angle(res.similarity)[0] < 0.01


def test_batch_matches_single_and_is_deterministic() -> None:
    rng = np.random.default_rng(13)
    A = np.stack([random_stable(8, rng) for _ in range(5)])
    B = np.stack([random_stable(8, rng) for _ in range(5)])
    batch = align_operators(A, B, device="cpu").similarity
    again = align_operators(A, B, device="cpu").similarity
    np.testing.assert_array_equal(batch, again)
    for k in (0, 3):
        single = align_operators(A[k], B[k], device="cpu").similarity[0]
        assert single == pytest.approx(batch[k], abs=1e-12)
    # More starts do not hurt here (the first 24 starts are the same).
    more = align_operators(A, B, device="cpu", n_starts=32).similarity
    assert np.all(more >= batch - 1e-9)


def test_inputs_are_not_modified() -> None:
    rng = np.random.default_rng(14)
    A, B = random_stable(5, rng), random_stable(5, rng)
    A0, B0 = A.copy(), B.copy()
    align_operators(A, B, device="cpu")
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(B, B0)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=10),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    reflect=st.booleans(),
    scale=st.floats(min_value=1e-3, max_value=1e3),
)
def test_property_invariance_under_orthogonal_conjugation(
    n: int, seed: int, reflect: bool, scale: float
) -> None:
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    Q = random_orthogonal(n, rng, det=-1.0 if reflect else 1.0)
    res = align_operators(A, scale * (Q.T @ A @ Q), device="cpu")
    assert angle(res.similarity)[0] < 1e-6


@settings(max_examples=25, deadline=None)
@given(n=st.integers(min_value=1, max_value=10), seed=st.integers(0, 2**32 - 1))
def test_property_wasserstein_similarity_invariance(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    A = random_stable(n, rng)
    S = np.eye(n) + 0.3 * rng.normal(size=(n, n)) / np.sqrt(n)  # well-conditioned
    ev_a = np.linalg.eigvals(A)
    ev_b = np.linalg.eigvals(np.linalg.solve(S, A @ S))
    assert eigenvalue_wasserstein(ev_a, ev_b) < 1e-8
    assert eigenvalue_wasserstein(ev_a, rng.permutation(ev_a)) < 1e-12


# ---------------------------------------------------------------------------- end to end


def test_end_to_end_invariance_and_discrimination() -> None:
    """Acceptance 3: invariance to an orthogonal change of unit basis, d(X, X) = 0, symmetry,
    and a clearly larger distance between different dynamics."""
    rng = np.random.default_rng(20)
    metric = dm.get("dsa", device="cpu")
    X = line_attractor(rng)
    Y = limit_cycle(rng)
    X2 = line_attractor(rng)  # same kind of dynamics, new system and trials
    Q = random_orthogonal(6, rng, det=-1.0)
    d_rot = metric.score(X, X @ Q)
    d_self = metric.score(X, X)
    d_diff = metric.score(X, Y)
    d_diff_rev = metric.score(Y, X)
    d_same_kind = metric.score(X, X2)
    assert d_self == 0.0
    assert d_rot < 1e-3
    assert abs(d_diff - d_diff_rev) <= 1e-6
    assert d_diff > 0.3
    assert d_diff > 100 * max(d_rot, 1e-6)
    assert d_same_kind < d_diff
    # Permuting and scaling units changes nothing either.
    perm = rng.permutation(6)
    assert metric.score(X, 3.7 * X[:, :, perm]) < 1e-3


def test_dataarray_input_selected_by_dim_name() -> None:
    xr = pytest.importorskip("xarray")
    rng = np.random.default_rng(21)
    X = line_attractor(rng, trials=6, steps=40)
    metric = DSA(device="cpu")
    da = xr.DataArray(X.transpose(2, 0, 1), dims=("unit", "trial", "time"))
    np.testing.assert_allclose(
        metric.prepare(da).operator, metric.prepare(X).operator, rtol=0, atol=1e-12
    )


def test_euclidean_score_and_padding_for_unequal_ranks() -> None:
    rng = np.random.default_rng(22)
    angular = DSA(device="cpu")
    euclid = DSA(score_method="euclidean", device="cpu")
    a = angular.prepare(line_attractor(rng))
    b = angular.prepare(limit_cycle(rng))
    th = angular.compare(a, b)
    assert euclid.compare(a, b) == pytest.approx(np.sqrt(2 - 2 * np.cos(th)), abs=1e-9)
    assert 0 <= th <= np.pi
    # Different ranks: the smaller operator is zero-padded to the larger one.
    small = fit_havok(line_attractor(rng), rank=4)
    big = fit_havok(limit_cycle(rng), rank=7)
    pad = np.zeros((7, 7))
    pad[:4, :4] = small.operator
    expected = angle(align_operators(pad, big.operator, device="cpu").similarity)[0]
    assert angular.compare(small, big) == pytest.approx(expected, abs=1e-9)
    assert angular.compare(big, small) == angular.compare(small, big)
    batch = angular.compare_batch([small, big], [big, small, a], np.array([[0, 0], [1, 1], [0, 2]]))
    assert batch[0] == pytest.approx(expected, abs=1e-9)
    assert batch[1] == pytest.approx(batch[0], abs=1e-12)


def test_wasserstein_metric() -> None:
    rng = np.random.default_rng(23)
    metric = dm.get("dsa_wasserstein")
    X, Y = line_attractor(rng), limit_cycle(rng)
    Q = random_orthogonal(6, rng)
    assert metric.score(X, X @ Q) < 1e-8
    d = metric.score(X, Y)
    assert d > 0.01
    assert metric.score(Y, X) == pytest.approx(d, abs=1e-12)
    # Known value: {0, 1} vs {1j, 1 + 1j} → each matched at distance 1.
    assert eigenvalue_wasserstein(np.array([0, 1]), np.array([1j, 1 + 1j])) == pytest.approx(1.0)
    # Padding: {2} vs {2, 0} → the padded zero matches the zero.
    assert eigenvalue_wasserstein(np.array([2.0]), np.array([0.0, 2.0])) == pytest.approx(0.0)


def test_registry_parameters_and_validation() -> None:
    metric = dm.get("dsa", n_delays=5, rank=4, device="cpu")
    assert isinstance(metric, DSA)
    attrs = metric.attrs()
    assert attrs["metric"] == "dsa" and attrs["rank"] == 4 and attrs["n_starts"] == 24
    assert dm.get("dsa").params["rank"] == 10  # the documented default
    assert isinstance(dm.get("dsa_wasserstein"), DSAWasserstein)
    assert DSA.symmetric and DSA.is_metric and "rotation" in DSA.invariances
    for bad in (
        {"n_delays": 0},
        {"delay_interval": 0},
        {"rank": 0},
        {"rank": 3, "rank_threshold": 0.1},
        {"rank_explained_variance": 1.5},
        {"ridge": -1.0},
        {"score_method": "cosine"},
        {"n_starts": 0},
        {"tol": 0.0},
        {"device": "tpu"},
    ):
        with pytest.raises(ValueError):
            DSA(**bad)
    with pytest.raises(ValueError):
        DSAWasserstein(rank=2, rank_explained_variance=0.9)


def test_device_selection() -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA present: the failure path cannot be exercised")
    rng = np.random.default_rng(24)
    A, B = random_stable(4, rng), random_stable(4, rng)
    with pytest.raises(RuntimeError):
        align_operators(A, B, device="cuda")
    auto = align_operators(A, B, device="auto").similarity
    cpu = align_operators(A, B, device="cpu").similarity
    np.testing.assert_array_equal(auto, cpu)


# ------------------------------------------------------------------ versus the reference


def havok_operator_pairs(rng: np.random.Generator, n: int, rank: int) -> list[tuple]:
    pairs = []
    makers = (line_attractor, limit_cycle)
    for k in range(n):
        X = makers[k % 2](rng)
        Y = makers[(k // 2) % 2](rng)
        a = fit_havok(X, rank=rank).operator
        b = fit_havok(Y, rank=rank).operator
        pairs.append((a, b))
    return pairs


@needs_reference
def test_never_worse_than_reference() -> None:
    """Acceptance 2 (reduced): conjugate and non-conjugate pairs, dynsim ≤ reference + 1e-3."""
    from DSA import SimilarityTransformDist

    rng = np.random.default_rng(30)
    pairs = []
    for case in range(3):
        n = int(rng.integers(4, 12))
        A = random_stable(n, rng)
        Q = random_orthogonal(n, rng, det=-1.0 if case % 2 else 1.0)
        pairs.append((A, Q.T @ A @ Q))
    pairs += havok_operator_pairs(rng, 3, rank=8)
    ours = angle(np.concatenate([align_operators(a, b, device="cpu").similarity for a, b in pairs]))
    ref = []
    for k, (a, b) in enumerate(pairs):
        torch.manual_seed(k)
        sim = SimilarityTransformDist(iters=1500, lr=5e-3, score_method="angular")
        ref.append(float(sim.fit_score(a.copy(), b.copy())))
    assert np.all(ours <= np.array(ref) + 1e-3), (ours, ref)
    assert np.all(ours[:3] < 1e-5)  # the reference is typically far above 0 on these


@needs_reference
def test_havok_operator_matches_reference() -> None:
    """Acceptance 5: same data and parameters → same operator up to an orthogonal change of
    basis (compared through the eigenvalues; the reference computes in float32)."""
    from DSA import DMD
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(31)
    for X, (nd, tau, rank) in (
        (line_attractor(rng), (5, 2, 8)),
        (limit_cycle(rng), (10, 1, 10)),
    ):
        ours = fit_havok(X, n_delays=nd, delay_interval=tau, rank=rank)
        dmd = DMD(torch.tensor(X), n_delays=nd, delay_interval=tau, rank=rank, lamb=0.0)
        dmd.fit()
        ref_ev = np.linalg.eigvals(dmd.A_v.cpu().numpy().astype(np.float64))
        cost = np.abs(ours.eigenvalues[:, None] - ref_ev[None, :])
        rows, cols = linear_sum_assignment(cost)
        assert cost[rows, cols].max() < 1e-3
        # Frobenius norms agree too (invariant to the change of basis).
        assert np.linalg.norm(ours.operator) == pytest.approx(
            float(np.linalg.norm(dmd.A_v.cpu().numpy())), rel=1e-4
        )


# -- reduced-rank regression ------------------------------------------------------------------


def _rrr_objective(traj, W, *, n_delays, rank, lam):
    """‖V₊ − V₋W‖² + λ‖W‖² in the HAVOK coordinates of ``traj``, computed here from scratch."""
    emb = np.concatenate(
        [traj[:, n_delays - 1 - d : traj.shape[1] - d] for d in range(n_delays)], axis=-1
    )
    n_trials, n_rows, width = emb.shape
    V = np.linalg.svd(emb.reshape(-1, width), full_matrices=False)[0][:, :rank]
    V = V.reshape(n_trials, n_rows, rank)
    X, Y = V[:, :-1].reshape(-1, rank), V[:, 1:].reshape(-1, rank)
    return float(np.sum((Y - X @ W) ** 2) + lam * np.sum(W**2)), X, Y


def _rrr_by_alternating_least_squares(X, Y, k, lam, iters=3000):
    """Rank-k minimiser of ‖Y − XW‖² + λ‖W‖² by alternating least squares on W = UVᵀ (the
    augmented problem [Y; 0] ≈ [X; √λ I] U Vᵀ), an independent route to the optimum."""
    r = X.shape[1]
    Xa = np.vstack([X, np.sqrt(lam) * np.eye(r)])
    Ya = np.vstack([Y, np.zeros((r, Y.shape[1]))])
    V = np.linalg.qr(np.random.default_rng(0).normal(size=(Y.shape[1], k)))[0]
    for _ in range(iters):
        U = np.linalg.lstsq(Xa, Ya @ V, rcond=None)[0]
        Vt = np.linalg.lstsq(Xa @ U, Ya, rcond=None)[0]
        V = np.linalg.qr(Vt.T)[0]
    U = np.linalg.lstsq(Xa, Ya @ V, rcond=None)[0]
    return U @ V.T


@pytest.mark.parametrize("lam", [0.0, 0.05])
@pytest.mark.parametrize("k", [1, 3])
def test_reduced_rank_regression_is_the_rank_k_optimum(lam, k):
    rng = np.random.default_rng(3)
    traj = rng.normal(size=(4, 60, 3)).cumsum(axis=1) * 0.1 + rng.normal(size=(4, 60, 3))
    n_delays, rank = 3, 6
    fit = fit_havok(traj, n_delays=n_delays, rank=rank, ridge=lam, reduced_rank=k)
    assert np.linalg.matrix_rank(fit.operator, tol=1e-10) == k
    assert np.sum(np.abs(fit.eigenvalues) > 1e-10) <= k
    ours, X, Y = _rrr_objective(traj, fit.operator.T, n_delays=n_delays, rank=rank, lam=lam)
    best = _rrr_by_alternating_least_squares(X, Y, k, lam)
    theirs = float(np.sum((Y - X @ best) ** 2) + lam * np.sum(best**2))
    assert ours == pytest.approx(theirs, rel=1e-8)
    # Truncating the full-rank operator's SVD instead is worse (it ignores the regressors).
    full = fit_havok(traj, n_delays=n_delays, rank=rank, ridge=lam).operator
    u, s, vt = np.linalg.svd(full.T)
    naive = (u[:, :k] * s[:k]) @ vt[:k]
    worse, _, _ = _rrr_objective(traj, naive, n_delays=n_delays, rank=rank, lam=lam)
    assert ours < worse


def test_reduced_rank_at_or_above_rank_changes_nothing_and_finds_an_oscillation():
    rng = np.random.default_rng(1)
    t = np.arange(200)
    omega = 0.3
    phases = rng.uniform(0, 2 * np.pi, size=(5, 1))
    latent = np.stack([np.cos(omega * t + phases), np.sin(omega * t + phases)], -1)  # (5,200,2)
    traj = latent @ rng.normal(size=(2, 8)) + 1e-4 * rng.normal(size=(5, 200, 8))
    full = fit_havok(traj, n_delays=4, rank=6)
    same = fit_havok(traj, n_delays=4, rank=6, reduced_rank=6)
    # (Equal up to round-off: two identical LAPACK calls may differ in the last bit with the
    # memory alignment of their inputs.)
    np.testing.assert_allclose(full.operator, same.operator, rtol=0, atol=1e-12)
    two = fit_havok(traj, n_delays=4, rank=6, reduced_rank=2)
    leading = two.eigenvalues[:2]
    np.testing.assert_allclose(np.abs(leading), 1.0, atol=1e-3)
    np.testing.assert_allclose(np.sort(np.abs(np.angle(leading))), [omega, omega], atol=1e-3)
    assert np.all(np.abs(two.eigenvalues[2:]) < 1e-8)
    with pytest.raises(ValueError, match="reduced_rank"):
        DSA(rank=6, reduced_rank=0)
    d = DSA(n_delays=4, rank=6, reduced_rank=2, device="cpu")
    assert (
        d.compare(d.prepare(traj), d.prepare(traj @ np.linalg.qr(rng.normal(size=(8, 8)))[0]))
        < 1e-3
    )


# ---------------------------------------------------------------------- determinism (#13.15)


def test_prepare_gives_identical_bits_call_after_call() -> None:
    """Issue 13.15: MKL's default least-squares driver (gelsy) differed in the last bit
    between calls on the same array; the fit must not."""
    X = tanh_linear_networks(1, seed=3)[0]
    ops = [fit_havok(X.copy(), n_delays=4, rank=8).operator for _ in range(8)]
    for op in ops[1:]:
        np.testing.assert_array_equal(op, ops[0])


def test_matrix_is_bitwise_reproducible_and_independent_of_batch_size() -> None:
    """Issue 13.15: the same DSA matrix twice in one process, and with other batch sizes
    (which change which pairs share an alignment batch), is the same to the bit. Before the
    fix: 51/66 pairs differed between two runs, and 60/66 (by up to 0.07 rad) with
    batch_size=7."""
    data = tanh_linear_networks(12)
    metric = dm.get("dsa", device="cpu", rank=8, n_delays=4)
    first = dm.pairwise(data, metric).values
    assert np.isfinite(first[np.triu_indices(12, 1)]).all()
    for batch_size in (256, 1, 7):
        again = dm.pairwise(data, metric, batch_size=batch_size).values
        np.testing.assert_array_equal(again, first)


def test_alignment_of_a_pair_does_not_depend_on_its_batch() -> None:
    """Each problem of the batched L-BFGS keeps its own history and retraction: a pair solved
    alone, or with others, gives identical bits (before: up to 8e-14 in the similarity)."""
    rng = np.random.default_rng(13)
    A = np.stack([random_stable(8, rng) for _ in range(6)])
    B = np.stack([random_stable(8, rng) for _ in range(6)])
    full = align_operators(A, B, device="cpu")
    for k in range(6):
        single = align_operators(A[k], B[k], device="cpu")
        assert single.similarity[0] == full.similarity[k]
        np.testing.assert_array_equal(single.transform[0], full.transform[k])


def test_prepare_does_not_depend_on_the_thread_count() -> None:
    """Issue 13.15 (in-process vs Ray): a Ray worker runs with one thread, the driver with
    several; threaded MKL changed the operator by up to 2e-13. The fit runs on one thread and
    restores the caller's setting."""
    X = tanh_linear_networks(1, seed=4)[0]
    before = torch.get_num_threads()
    try:
        ops = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            ops.append(fit_havok(X, n_delays=4, rank=8).operator)
            assert torch.get_num_threads() == threads
    finally:
        torch.set_num_threads(before)
    np.testing.assert_array_equal(ops[0], ops[1])
