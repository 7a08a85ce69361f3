"""Singular vector CCA (Raghu, Gilmer, Yosinski & Sohl-Dickstein 2017)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dynsim.metrics._linalg import centred_samples, principal_basis, rank_tol_param
from dynsim.metrics.base import Metric, Param, score_method_param, similarity_to_distance
from dynsim.metrics.cca import PreparedBasis, mean_canonical_correlation

DEFAULT_KEEP = 0.99


class SVCCA(Metric):
    r"""PCA of each network, then mean canonical correlation (see :class:`~.cca.CCA`).

    Each network's column-centred activity X = U S Vᵀ is reduced to its top k principal
    components X V_k = U_k S_k, with k = ``n_components`` (capped at the numerical rank), or
    else the smallest k whose components explain at least a fraction ``keep`` of the variance,
    Σ_{i≤k} s_i² ≥ keep · Σ_i s_i² (default 0.99, as in Raghu et al.). The column space of the
    reduced data is spanned by U_k, which is already orthonormal, so ``prepare`` stores U_k and
    ``compare`` is the CCA step: the mean of the singular values of U_kᵀU'_k.

    Parameters
    ----------
    n_components : int ≥ 1 or None
        Number of principal components kept per network.
    keep : float in (0, 1] or None
        Explained-variance fraction to keep when ``n_components`` is None (default 0.99).
        Give at most one of the two.
    score_method : {"angular", "one_minus"}
        (formerly ``score``, still accepted with a FutureWarning)
    rank_tol : float in [1e-7, 1)
        Relative singular-value tolerance (default 1e-6); components below it are never kept.

    Notes
    -----
    Invariances: rotation/reflection of units, isotropic scale, translation, permutation of
    units (PCA is not invariant to general invertible maps, so SVCCA is not either).
    Symmetric; not a metric. Networks may have different numbers of units.
    """

    name = "svcca"
    symmetric = True
    is_metric = False
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    n_components = Param(None, lambda _, value: _check_n_components(value))
    keep = Param(None, lambda _, value: _check_keep(value))
    score_method = score_method_param("angular", "one_minus")
    rank_tol = rank_tol_param()

    def _check_params(self) -> None:
        if self.n_components is not None and self.keep is not None:
            raise ValueError("give n_components or keep, not both")

    def n_kept(self, s: np.ndarray, total_variance: float) -> int:
        """Number of components kept, given the singular values ``s`` above the rank
        tolerance (descending) and the total variance ‖X‖_F²."""
        if self.n_components is not None:
            return min(self.n_components, s.size)
        keep = DEFAULT_KEEP if self.keep is None else self.keep
        frac = np.cumsum(s**2) / total_variance
        # Small slack so that keep = 1 keeps the full rank despite rounding in the cumsum.
        k = int(np.searchsorted(frac, keep - 1e-12)) + 1
        return min(k, s.size)

    def prepare(self, X: Any) -> PreparedBasis:
        samples = centred_samples(X)
        u, s = principal_basis(samples, self.rank_tol)
        k = self.n_kept(s, float(np.sum(samples**2)))
        return PreparedBasis(basis=np.ascontiguousarray(u[:, :k]))

    def similarity(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return mean_canonical_correlation(a, b)

    def compare(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_method))


def _check_n_components(n_components: int | None) -> int | None:
    if n_components is None:
        return None
    if isinstance(n_components, bool) or int(n_components) != n_components:
        raise ValueError(f"n_components must be an integer, got {n_components!r}")
    n_components = int(n_components)
    if n_components < 1:
        raise ValueError(f"n_components must be ≥ 1, got {n_components}")
    return n_components


def _check_keep(keep: float | None) -> float | None:
    if keep is None:
        return None
    keep = float(keep)
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    return keep
