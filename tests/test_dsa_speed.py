"""DSA (issue 16): torch-free imports, the rank check against the delay embedding's size,
caller-supplied alignment starts (composed through a hub) and rank="svht"."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from dynsim.metrics import PreparationError
from dynsim.metrics.dsa import DSA, align_operators, fit_havok


@pytest.mark.parametrize("module", ["dynsim.metrics", "dynsim.pairwise", "dynsim.store"])
def test_import_does_not_load_torch(module: str) -> None:
    code = f"import sys, {module}; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dsa_fit_loads_torch_only_when_it_runs() -> None:
    code = (
        "import sys, numpy as np, dynsim.metrics as m; d = m.get('dsa', rank=3, n_delays=2); "
        "assert 'torch' not in sys.modules; "
        "d.prepare(np.random.default_rng(0).normal(size=(2, 30, 3))); "
        "assert 'torch' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rank_above_the_embedding_size_is_an_error_naming_both_sizes() -> None:
    X = np.random.default_rng(0).normal(size=(3, 40, 4))
    # 3 delays × 4 units = 12 delay coordinates; 3 × (40 − 2) = 114 embedded time points.
    assert fit_havok(X, n_delays=3, rank=12).rank == 12
    with pytest.raises(PreparationError, match=r"rank=13 .* 114 embedded time points × 12 delay"):
        fit_havok(X, n_delays=3, rank=13)
    with pytest.raises(PreparationError, match=r"rank=13 .*n_delays=3 × 4 units"):
        DSA(n_delays=3, rank=13, device="cpu").prepare(X)
    # Fewer embedded time points than coordinates: 2 trials × (8 − 4·1) = 8 rows, 20 columns.
    short = np.random.default_rng(1).normal(size=(2, 8, 4))
    with pytest.raises(PreparationError, match=r"rank=9 .* 8 embedded time points × 20 delay"):
        fit_havok(short, n_delays=5, rank=9)


def _conjugate_family(r: int, n: int, seed: int) -> list[np.ndarray]:
    """A random operator and n − 1 orthogonal conjugates of it (half with det −1)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(r, r)) / np.sqrt(r)
    out = [A]
    for k in range(n - 1):
        Q, _ = np.linalg.qr(rng.normal(size=(r, r)))
        if (np.linalg.det(Q) > 0) != (k % 2 == 0):
            Q[:, 0] *= -1
        out.append(Q.T @ A @ Q)
    return out


def test_extra_starts_alone_solve_a_conjugate_pair_and_are_validated() -> None:
    rng = np.random.default_rng(3)
    r = 8
    A = rng.normal(size=(r, r))
    Q, _ = np.linalg.qr(rng.normal(size=(r, r)))
    B = Q.T @ A @ Q  # A = Q B Qᵀ: C = Q is the exact optimum
    noisy = Q + 1e-3 * rng.normal(size=(r, r))  # projected onto O(r) by align_operators
    res = align_operators(A, B, n_starts=0, extra_starts=noisy[None, None], device="cpu")
    assert res.similarity[0] == pytest.approx(1.0, abs=1e-12)
    assert res.start[0] == 0  # the only start: the first extra one
    np.testing.assert_allclose(res.transform[0], Q, atol=1e-6)
    with pytest.raises(ValueError, match="extra_starts must be"):
        align_operators(A, B, extra_starts=np.zeros((1, r, r)), device="cpu")
    with pytest.raises(ValueError, match="n_starts must be"):
        align_operators(A, B, n_starts=0, device="cpu")


def test_alignments_compose_through_a_hub() -> None:
    """C_ij = C_hiᵀ C_hj for conjugates of one operator (the rejected hub idea of issue 16,
    benchmarks/README.md): the composed start alone solves every pair exactly."""
    ops = _conjugate_family(10, 5, seed=4)
    to_hub = align_operators(np.stack([ops[0]] * 5), np.stack(ops), device="cpu").transform
    i, j = np.triu_indices(5, 1)
    comp = np.einsum("pji,pjk->pik", to_hub[i], to_hub[j])[:, None]
    A, B = np.stack(ops)[i], np.stack(ops)[j]
    res = align_operators(A, B, n_starts=0, extra_starts=comp, device="cpu")
    np.testing.assert_allclose(res.similarity, 1.0, atol=1e-12)


def test_svht_rank_recovers_a_planted_rank_and_follows_the_formula() -> None:
    """rank="svht": Gavish & Donoho's threshold ω(β)·median(s), ω(β) ≈ 0.56β³ − 0.95β² +
    1.82β + 1.43, on the Hankel matrix; 4 latent dimensions in 30 noisy units give r = 4."""
    rng = np.random.default_rng(7)
    latent = rng.normal(size=(6, 200, 4)).cumsum(axis=1) / 5
    X = latent @ rng.normal(size=(4, 30)) + 0.05 * rng.normal(size=(6, 200, 30))
    prep = DSA(n_delays=1, rank="svht", device="cpu").prepare(X)
    s = np.linalg.svd(X.reshape(-1, 30), compute_uv=False)  # the threshold is scale-free
    beta = 30 / 1200
    omega = 0.56 * beta**3 - 0.95 * beta**2 + 1.82 * beta + 1.43
    assert prep.rank == int(np.sum(s > omega * np.median(s))) == 4
    assert prep.operator.shape == (4, 4)
    with pytest.raises(ValueError, match="integer ≥ 1 or 'svht'"):
        DSA(rank="auto")


def test_svht_rank_matches_optht_on_havok_data() -> None:
    """Cross-check with optht (Erichson's implementation of Gavish & Donoho, exact ω(β);
    installed with the reference package dsa-metric) on delay-embedded data."""
    optht = pytest.importorskip("optht").optht
    rng = np.random.default_rng(8)
    for latent_dim, seed in ((3, 0), (6, 1)):
        g = np.random.default_rng(seed)
        latent = g.normal(size=(5, 120, latent_dim)).cumsum(axis=1) / 5
        X = latent @ g.normal(size=(latent_dim, 12)) + 0.05 * rng.normal(size=(5, 120, 12))
        prep = fit_havok(X, n_delays=3, rank="svht")
        H = np.concatenate([np.concatenate([x[2:], x[1:-1], x[:-2]], axis=1) for x in X])
        s = np.linalg.svd(H, compute_uv=False)
        assert prep.rank == optht(min(H.shape) / max(H.shape), sv=s), (prep.rank, latent_dim)
