"""Canonical correlation analysis (CCA) between two networks' activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# DEFAULT_RANK_TOL, centred_samples, check_rank_tol and principal_basis lived here before
# dynsim.metrics._linalg; importing them from here is a deprecated alias (remove after 0.2).
from dynsim.metrics._linalg import (
    DEFAULT_RANK_TOL,
    centred_samples,
    check_rank_tol,
    principal_basis,
    rank_tol_param,
)
from dynsim.metrics.base import Metric, score_method_param, similarity_to_distance


@dataclass(frozen=True)
class PreparedBasis:
    """Orthonormal basis (n × r) of the column space of a network's centred activity."""

    basis: np.ndarray


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
    The distance is arccos(ρ̄) (``score_method="angular"``, default) or 1 − ρ̄
    (``"one_minus"``).
    This is the usual mean-CCA similarity (Raghu et al. 2017): it is 1 whenever one column
    space contains the other, so it is *not* a metric; the shape metric with α = 0
    (:class:`dynsim.metrics.shape_metrics.ShapeMetric`) is the metric version. CCA fits one
    direction per unit, so with units approaching the number of samples every ρ_k → 1 (when
    p ≥ n − 1 the column space is everything); reduce dimension first (:class:`SVCCA`).

    Parameters
    ----------
    score_method : {"angular", "one_minus"}
        (formerly ``score``, still accepted with a FutureWarning)
    rank_tol : float in [1e-7, 1)
        Relative singular-value tolerance for the rank of each network's activity (default
        1e-6: directions weaker than that are rounding noise, in particular for activity
        recorded in float32, and CCA would otherwise weigh them like any other direction).

    Notes
    -----
    Invariances: any invertible linear map of units (so rotation, isotropic scale and
    permutation too), translation. Symmetric. Networks may have different numbers of units.
    """

    name = "cca"
    symmetric = True
    is_metric = False
    invariances = frozenset(
        {"invertible_linear", "rotation", "isotropic_scale", "translation", "permutation"}
    )

    score_method = score_method_param("angular", "one_minus")
    rank_tol = rank_tol_param()

    def prepare(self, X: Any) -> PreparedBasis:
        u, _ = principal_basis(centred_samples(X), self.rank_tol)
        return PreparedBasis(basis=u)

    def similarity(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return mean_canonical_correlation(a, b)

    def compare(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_method))


__all__ = [
    "CCA",
    "DEFAULT_RANK_TOL",
    "PreparedBasis",
    "centred_samples",
    "check_rank_tol",
    "mean_canonical_correlation",
    "principal_basis",
]
