"""Canonical correlation analysis (CCA) between two networks' activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg

from dynsim.metrics.base import (
    Metric,
    PreparationError,
    as_samples,
    check_finite,
    similarity_to_distance,
)

#: Default relative singular-value tolerance of the CCA family and the shape metric.
DEFAULT_RANK_TOL = 1e-6
_MIN_RANK_TOL = 1e-7  # Gram eigenvalues are accurate to ~1e-13 of the largest: s to ~1e-7
# Activity whose centred norm is below this fraction of its raw norm counts as constant.
_CONSTANT_RTOL = 1e-12


def check_rank_tol(rank_tol: float) -> float:
    rank_tol = float(rank_tol)
    if not _MIN_RANK_TOL <= rank_tol < 1.0:
        raise ValueError(f"rank_tol must be in [{_MIN_RANK_TOL:g}, 1), got {rank_tol}")
    return rank_tol


@dataclass(frozen=True)
class PreparedBasis:
    """Orthonormal basis (n × r) of the column space of a network's centred activity."""

    basis: np.ndarray


def centred_samples(X: Any) -> np.ndarray:
    """Column-centred (sample, unit) float64 activity; fails on non-finite or constant data.

    "Constant" is relative: centring a constant column leaves rounding residue of ~1e-16 of
    its value, which must not be mistaken for activity.
    """
    raw = as_samples(X)
    check_finite(raw)
    samples = raw - raw.mean(axis=0, keepdims=True)
    if np.linalg.norm(samples) <= _CONSTANT_RTOL * np.linalg.norm(raw):
        raise PreparationError("activity has zero variance (all units constant)")
    return samples


def principal_basis(samples: np.ndarray, rank_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Left singular vectors U_r (n × r, orthonormal) and singular values s_r (descending) of
    ``samples``, keeping s > ``rank_tol`` · s_max.

    Computed from the eigendecomposition of the smaller Gram matrix (XᵀX or XXᵀ), which is
    far cheaper than a thin SVD of a tall matrix; eigenvalues are only accurate to about
    1e-13 of the largest, which is why ``rank_tol`` must stay ≥ ~1e-6. With XᵀX, U = XV/s is
    re-orthonormalised by one Cholesky-QR pass.
    """
    n, p = samples.shape
    small_side = samples @ samples.T if n <= p else samples.T @ samples
    lam, vecs = np.linalg.eigh(small_side)
    lam, vecs = lam[::-1], vecs[:, ::-1]
    if not lam.size or lam[0] <= 0:
        raise PreparationError("activity has zero variance (all units constant)")
    keep = lam > rank_tol**2 * lam[0]
    s = np.sqrt(lam[keep])
    if n <= p:
        return np.ascontiguousarray(vecs[:, keep]), s
    u = (samples @ vecs[:, keep]) / s
    chol = np.linalg.cholesky(u.T @ u)
    u = linalg.solve_triangular(chol, u.T, lower=True).T
    return np.ascontiguousarray(u), s


def mean_canonical_correlation(a: PreparedBasis, b: PreparedBasis) -> float:
    """Mean of the min(r_a, r_b) canonical correlations = singular values of Q_aᵀQ_b."""
    if a.basis.shape[0] != b.basis.shape[0]:
        raise ValueError(f"sample counts differ: {a.basis.shape[0]} vs {b.basis.shape[0]}")
    rho = np.linalg.svd(a.basis.T @ b.basis, compute_uv=False)
    return float(np.clip(rho.mean(), 0.0, 1.0))


class CCA(Metric):
    r"""Mean canonical correlation between two networks, reported as a distance.

    For column-centred X (n × p) and Y (n × q), the canonical correlations
    ρ_1 ≥ … ≥ ρ_m, m = min(rank X, rank Y), are the cosines of the principal angles between
    the column spaces of X and Y: with orthonormal bases Q_X, Q_Y of those spaces (from the
    eigendecomposition of the centred data's Gram matrix, keeping singular values above
    ``rank_tol`` · the largest),

    .. math::
        \rho_k = \sigma_k(Q_X^\top Q_Y), \qquad
        \bar\rho(X, Y) = \frac{1}{m}\sum_{k=1}^{m}\rho_k \in [0, 1].

    ``prepare`` stores Q_X; ``compare`` is one r_X × r_Y product and its singular values.
    The distance is arccos(ρ̄) (``score="angular"``, default) or 1 − ρ̄ (``"one_minus"``).
    This is the usual mean-CCA similarity (Raghu et al. 2017): it is 1 whenever one column
    space contains the other, so it is *not* a metric; the shape metric with α = 0
    (:class:`dynsim.metrics.shape_metrics.ShapeMetric`) is the metric version. CCA fits one
    direction per unit, so with units approaching the number of samples every ρ_k → 1 (when
    p ≥ n − 1 the column space is everything); reduce dimension first (:class:`SVCCA`).

    Parameters
    ----------
    score : {"angular", "one_minus"}
    rank_tol : float in [1e-7, 1)
        Relative singular-value tolerance for the rank of each network's activity (default
        1e-6: directions weaker than that are rounding noise, in particular for activity
        recorded in float32, and CCA would otherwise weigh them like any other direction).

    Invariances: any invertible linear map of units (so rotation, isotropic scale and
    permutation too), translation. Symmetric. Networks may have different numbers of units.
    """

    name = "cca"
    symmetric = True
    is_metric = False
    invariances = frozenset(
        {"invertible_linear", "rotation", "isotropic_scale", "translation", "permutation"}
    )

    def __init__(self, score: str = "angular", rank_tol: float = DEFAULT_RANK_TOL) -> None:
        similarity_to_distance(0.0, score)  # validates the name
        rank_tol = check_rank_tol(rank_tol)
        super().__init__(score=score, rank_tol=rank_tol)
        self.score_rule = score
        self.rank_tol = rank_tol

    def prepare(self, X: Any) -> PreparedBasis:
        u, _ = principal_basis(centred_samples(X), self.rank_tol)
        return PreparedBasis(basis=u)

    def similarity(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return mean_canonical_correlation(a, b)

    def compare(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_rule))
