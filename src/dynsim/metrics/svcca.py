"""Singular vector CCA (Raghu, Gilmer, Yosinski & Sohl-Dickstein 2017)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dynsim.metrics.base import Metric, similarity_to_distance
from dynsim.metrics.cca import PreparedBasis, centred_svd, mean_canonical_correlation

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
    score : {"angular", "one_minus"}
    rank_tol : float
        Relative singular-value tolerance; components below it are never kept.

    Invariances: rotation/reflection of units, isotropic scale, translation, permutation of
    units (PCA is not invariant to general invertible maps, so SVCCA is not either).
    Symmetric; not a metric. Networks may have different numbers of units.
    """

    name = "svcca"
    symmetric = True
    is_metric = False
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    def __init__(
        self,
        n_components: int | None = None,
        keep: float | None = None,
        score: str = "angular",
        rank_tol: float = 1e-10,
    ) -> None:
        if n_components is not None and keep is not None:
            raise ValueError("give n_components or keep, not both")
        if n_components is not None:
            if isinstance(n_components, bool) or int(n_components) != n_components:
                raise ValueError(f"n_components must be an integer, got {n_components!r}")
            n_components = int(n_components)
            if n_components < 1:
                raise ValueError(f"n_components must be ≥ 1, got {n_components}")
        if keep is not None:
            keep = float(keep)
            if not 0.0 < keep <= 1.0:
                raise ValueError(f"keep must be in (0, 1], got {keep}")
        similarity_to_distance(0.0, score)  # validates the name
        rank_tol = float(rank_tol)
        if not 0.0 <= rank_tol < 1.0:
            raise ValueError(f"rank_tol must be in [0, 1), got {rank_tol}")
        super().__init__(n_components=n_components, keep=keep, score=score, rank_tol=rank_tol)
        self.score_rule = score
        self.rank_tol = rank_tol
        self.n_components = n_components
        self.keep = DEFAULT_KEEP if (keep is None and n_components is None) else keep

    def n_kept(self, s: np.ndarray) -> int:
        """Number of components kept for singular values ``s`` (descending)."""
        rank = int(np.count_nonzero(s > self.rank_tol * s[0]))
        if self.n_components is not None:
            return min(self.n_components, rank)
        var = s[:rank] ** 2
        frac = np.cumsum(var) / var.sum()
        # Small slack so that keep = 1 keeps the full rank despite rounding in the cumsum.
        k = int(np.searchsorted(frac, self.keep - 1e-12)) + 1
        return min(k, rank)

    def prepare(self, X: Any) -> PreparedBasis:
        u, s = centred_svd(X)
        return PreparedBasis(basis=np.ascontiguousarray(u[:, : self.n_kept(s)]))

    def similarity(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return mean_canonical_correlation(a, b)

    def compare(self, a: PreparedBasis, b: PreparedBasis) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_rule))
