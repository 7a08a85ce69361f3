"""Debiased linear CKA: CKA built on the unbiased HSIC estimator (Song et al. 2012)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsim.metrics._linalg import (
    MAX_GRAM_SAMPLES,
    centred_samples,
    cross_frobenius_sq,
    low_rank_form,
    packed_gram,
    sample_space_similarities,
)
from dynsim.metrics.base import (
    InnerProductMetric,
    PreparationError,
    score_method_param,
    similarity_to_distance,
)

# A module global (tests lower it) set from the shared cap: above this many samples the n×n
# U-centred Gram form is never used (its vectors grow as n²).
_MAX_GRAM_SAMPLES = MAX_GRAM_SAMPLES


@dataclass(frozen=True)
class PreparedDebiasedCKA:
    """Centred activity scaled so that ‖K_U‖_F = 1 (in its exact low-rank form, n × rank)
    and its squared row norms. ``gram_u`` is kept for compatibility and is always None: the
    packed U-centred Gram vectors are built per run by the batched comparison when that is
    the cheaper form, never held per network."""

    samples: np.ndarray
    sq_norms: np.ndarray
    gram_u: np.ndarray | None = None


def u_centre(gram: np.ndarray) -> np.ndarray:
    """U-centring of a Gram matrix (Székely & Rizzo 2014): zero diagonal, and for i ≠ j

    K_U[i, j] = K_ij − r_i/(n−2) − r_j/(n−2) + t/((n−1)(n−2)),

    where K has its diagonal zeroed first, r are its row sums and t its total.
    """
    n = gram.shape[0]
    k = gram - np.diag(np.diag(gram))
    row = k.sum(axis=1)
    total = row.sum()
    out = k - (row[:, None] + row[None, :]) / (n - 2) + total / ((n - 1) * (n - 2))
    np.fill_diagonal(out, 0.0)
    return out


def _hsic_u_unnormalised(x: np.ndarray, y: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> float:
    """n(n−3)·HSIC_u(XXᵀ, YYᵀ) for column-centred X, Y in O(n·p·q) without n×n matrices."""
    n = x.shape[0]
    cross = float(np.linalg.norm(x.T @ y) ** 2)
    return (
        cross
        - n / (n - 2) * float(dx @ dy)
        + float(dx.sum()) * float(dy.sum()) / ((n - 1) * (n - 2))
    )


class DebiasedCKA(InnerProductMetric):
    r"""Linear CKA with the unbiased HSIC estimator, reported as a distance.

    With linear kernels K = XXᵀ and L = YYᵀ over n samples, the unbiased HSIC estimator of
    Song et al. (2012) (used for CKA by Nguyen, Raghu & Kornblith 2021) is

    .. math::
        \mathrm{HSIC}_u(K, L) = \frac{1}{n(n-3)}\Big[\operatorname{tr}(\tilde K\tilde L)
            + \frac{\mathbf 1^\top\tilde K\mathbf 1\;\mathbf 1^\top\tilde L\mathbf 1}{(n-1)(n-2)}
            - \frac{2}{n-2}\,\mathbf 1^\top\tilde K\tilde L\mathbf 1\Big],

    where K̃, L̃ are K, L with their diagonals set to zero, and

    .. math::
        \mathrm{CKA}_u(X, Y) = \frac{\mathrm{HSIC}_u(K, L)}
                                    {\sqrt{\mathrm{HSIC}_u(K, K)\,\mathrm{HSIC}_u(L, L)}}.

    n(n−3)·HSIC_u(K, L) equals the Frobenius inner product ⟨K_U, L_U⟩ of the *U-centred*
    Gram matrices (see :func:`u_centre`), so CKA_u is a cosine between U-centred Grams: it lies
    in [−1, 1] and is ≈ 0 in expectation for independent X and Y, whereas biased CKA is
    strongly inflated when units outnumber samples (≈ 0.8 for independent Gaussian data with
    n = 32 samples and 128 units). A batch of pairs is computed with blocked matrix products
    in the cheaper space: packed U-centred Gram vectors (n(n−1)/2 per network), or the
    feature-space form n(n−3)·HSIC_u = ‖XᵀY‖_F² − n/(n−2)·⟨d_X, d_Y⟩ + Σd_X·Σd_Y/((n−1)(n−2))
    (d = squared row norms; O(n·p·q) per pair, one stacked product per block of networks).

    Distance: arccos(CKA_u) ∈ [0, π] (``score_method="angular"``, default; the angle between
    the U-centred Gram embeddings, so it satisfies the triangle inequality) or
    1 − CKA_u ∈ [0, 2] (``score_method="one_minus"``).

    Parameters
    ----------
    score_method : {"angular", "one_minus"}
        (formerly ``score``, still accepted with a FutureWarning)

    Notes
    -----
    Invariances: rotation/reflection of units, isotropic scale, translation, permutation of
    units. Symmetric. Networks may have different numbers of units; at least 4 samples.
    """

    name = "cka_debiased"
    feature = "samples"
    symmetric = True
    is_metric = True
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    score_method = score_method_param("angular", "one_minus")

    def prepare(self, X: Any) -> PreparedDebiasedCKA:
        samples = centred_samples(X)
        n = samples.shape[0]
        if n < 4:
            raise PreparationError(f"debiased CKA needs at least 4 samples, got {n}")
        sq = np.einsum("ij,ij->i", samples, samples)
        self_hsic = _hsic_u_unnormalised(samples, samples, sq, sq)  # = ‖K_U‖_F² ≥ 0
        scale2 = float(np.sum(sq))  # ‖X‖_F²; self_hsic scales as its square
        if scale2 == 0 or self_hsic <= 1e-12 * scale2**2:
            raise PreparationError(
                "activity has no U-centred Gram variance (constant or degenerate activity)"
            )
        factor = self_hsic ** (-0.25)  # ‖K_U‖ scales with the square of the data
        samples = samples * factor
        sq = sq * factor**2
        # The low-rank form keeps XXᵀ and hence the row norms: the same HSIC_u.
        return PreparedDebiasedCKA(samples=low_rank_form(samples), sq_norms=sq)

    def similarity(self, a: PreparedDebiasedCKA, b: PreparedDebiasedCKA) -> float:
        if a.samples.shape[0] != b.samples.shape[0]:
            raise ValueError(f"sample counts differ: {a.samples.shape[0]} vs {b.samples.shape[0]}")
        if self.identical(a, b):
            return 1.0
        return _hsic_u_unnormalised(a.samples, b.samples, a.sq_norms, b.sq_norms)

    def compare(self, a: PreparedDebiasedCKA, b: PreparedDebiasedCKA) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_method))

    def similarity_pairs(
        self,
        prepared_a: Sequence[PreparedDebiasedCKA],
        prepared_b: Sequence[PreparedDebiasedCKA],
        pairs: np.ndarray,
    ) -> np.ndarray | None:
        return sample_space_similarities(
            prepared_a,
            prepared_b,
            pairs,
            key="cka_debiased_gram",
            gram_dim=lambda n: n * (n - 1) // 2,
            gram_of=lambda p, **buffers: packed_gram(p.samples, k=1, transform=u_centre, **buffers),
            cross_block=_hsic_u_block,
            max_gram_samples=_MAX_GRAM_SAMPLES,
        )


def _hsic_u_block(
    prepared_a: list[PreparedDebiasedCKA], prepared_b: list[PreparedDebiasedCKA]
) -> np.ndarray:
    """n(n−3)·HSIC_u for every (a, b) of two blocks of networks: the blocked form of
    :func:`_hsic_u_unnormalised` (one stacked cross product plus rank-one corrections)."""
    n = prepared_a[0].samples.shape[0]
    cross = cross_frobenius_sq([p.samples for p in prepared_a], [p.samples for p in prepared_b])
    dx = np.stack([p.sq_norms for p in prepared_a])
    dy = np.stack([p.sq_norms for p in prepared_b])
    return (
        cross
        - n / (n - 2) * (dx @ dy.T)
        + np.outer(dx.sum(axis=1), dy.sum(axis=1)) / ((n - 1) * (n - 2))
    )
