"""Generalised shape metrics with partial whitening (Williams, Kunz, Kornblith & Linderman 2021)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dynsim.metrics._linalg import centred_samples, principal_basis, rank_tol_param
from dynsim.metrics.base import (
    Metric,
    Param,
    same_array,
    score_method_param,
    similarity_to_distance,
)


class ShapeMetric(Metric):
    r"""Angular shape distance after partial whitening, interpolating Procrustes and CCA.

    Each network's column-centred activity X (n × p) is first scaled so that the mean
    eigenvalue of XᵀX is 1 (X ← X/√(tr(XᵀX)/p)), which makes α independent of the data's
    overall scale, and then partially whitened,

    .. math::
        \phi_\alpha(X) = X\,\big(\alpha I + (1-\alpha)(X^\top X)^{-1/2}\big),

    where the inverse square root acts on the numerical column space (eigen-directions with
    singular value above ``rank_tol`` · the largest; the others carry no activity). The
    distance is the angular Procrustes distance between the whitened sets,

    .. math::
        \theta_\alpha(X, Y) = \arccos\frac{\|\phi_\alpha(X)^\top\phi_\alpha(Y)\|_*}
                                          {\|\phi_\alpha(X)\|_F\,\|\phi_\alpha(Y)\|_F}.

    With the SVD X = U S Vᵀ, φ_α(X) = U diag(s·w) Vᵀ with w = α + (1 − α)/s, and the trailing
    Vᵀ does not change the nuclear norm, so ``prepare`` stores U diag(s·w) at unit norm and
    ``compare`` is one r_X × r_Y product and its singular values.

    * α = 1: the Procrustes angle (:class:`dynsim.metrics.procrustes.Procrustes`).
    * α = 0: φ_0(X) = U Vᵀ, and θ_0 = arccos(Σ_k ρ_k / √(r_X r_Y)) with ρ_k the canonical
      correlations — a metric form of mean CCA (equal to it when r_X = r_Y).

    For 0 < α < 1 this is netrep's ``LinearMetric(alpha)`` on data scaled as above (netrep
    whitens with the unscaled XᵀX, so there α's effect depends on the data's units).
    ``score_method="euclidean"`` returns ‖φ̂(X) − φ̂(Y)Q*‖_F = √(2 − 2 cos θ) instead (unit-norm φ̂).

    Parameters
    ----------
    alpha : float in [0, 1]
        1 = no whitening (Procrustes, default), 0 = full whitening (CCA).
    score_method : {"angular", "euclidean"}
        (formerly ``score``, still accepted with a FutureWarning)
    rank_tol : float in [1e-7, 1)
        Relative singular-value tolerance for the column space that is whitened (default 1e-6;
        see :class:`~dynsim.metrics.cca.CCA`). At α = 1 the dropped directions change the
        distance by at most ~rank_tol².

    Notes
    -----
    Invariances (every α): rotation/reflection of units, isotropic scale, translation,
    permutation of units; at α = 0 also any invertible linear map. Symmetric; a proper metric
    (the angle between unit-norm points after a fixed per-network map) for every α. Networks
    may have different numbers of units.
    """

    name = "shape"
    symmetric = True
    is_metric = True
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    alpha = Param(1.0, lambda _, value: _check_alpha(value))
    score_method = score_method_param("angular", "euclidean")
    rank_tol = rank_tol_param()

    def prepare(self, X: Any) -> np.ndarray:
        samples = centred_samples(X)
        u, s = principal_basis(samples, self.rank_tol)
        # Mean eigenvalue of XᵀX → 1 (over all p units, not only the kept directions).
        s = s / np.sqrt(np.sum(samples**2) / samples.shape[1])
        prepared = u * (self.alpha * s + (1.0 - self.alpha))  # = U diag(s·w)
        return prepared / np.linalg.norm(prepared)

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"sample counts differ: {a.shape[0]} vs {b.shape[0]}")
        if same_array(a, b):
            return 1.0
        return float(np.linalg.svd(a.T @ b, compute_uv=False).sum())

    def compare(self, a: np.ndarray, b: np.ndarray) -> float:
        # The nuclear norm of unit-norm sets is ≥ 0, so clipping at −1 changes nothing.
        return float(similarity_to_distance(self.similarity(a, b), self.score_method))


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    return alpha
