"""Canonical correlation analysis (CCA) between two networks' activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsim.metrics.base import (
    Metric,
    PreparationError,
    as_samples,
    check_finite,
    similarity_to_distance,
)


@dataclass(frozen=True)
class PreparedBasis:
    """Orthonormal basis (n × r) of the column space of a network's centred activity."""

    basis: np.ndarray


def centred_svd(X: Any) -> tuple[np.ndarray, np.ndarray]:
    """Left singular vectors and singular values of the column-centred (sample, unit) data."""
    samples = as_samples(X)
    check_finite(samples)
    samples = samples - samples.mean(axis=0, keepdims=True)
    u, s, _ = np.linalg.svd(samples, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        raise PreparationError("activity has zero variance (all units constant)")
    return u, s


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
    SVD of the centred data, keeping singular values above ``rank_tol`` · the largest),

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
    rank_tol : float in [0, 1)
        Relative singular-value tolerance for the rank of each network's activity.

    Invariances: any invertible linear map of units (so rotation, isotropic scale and
    permutation too), translation. Symmetric. Networks may have different numbers of units.
    """

    name = "cca"
    symmetric = True
    is_metric = False
    invariances = frozenset(
        {"invertible_linear", "rotation", "isotropic_scale", "translation", "permutation"}
    )

    def __init__(self, score: str = "angular", rank_tol: float = 1e-10) -> None:
        similarity_to_distance(0.0, score)  # validates the name
        rank_tol = float(rank_tol)
        if not 0.0 <= rank_tol < 1.0:
            raise ValueError(f"rank_tol must be in [0, 1), got {rank_tol}")
        super().__init__(score=score, rank_tol=rank_tol)
        self.score_rule = score
        self.rank_tol = rank_tol

    def prepare(self, X: Any) -> PreparedBasis:
        u, s = centred_svd(X)
        rank = int(np.count_nonzero(s > self.rank_tol * s[0]))
        return PreparedBasis(basis=np.ascontiguousarray(u[:, :rank]))

    def similarity(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return mean_canonical_correlation(a, b)

    def compare(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_rule))
