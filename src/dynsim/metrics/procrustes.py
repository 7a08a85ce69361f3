"""Procrustes shape metric (Williams, Kunz, Kornblith & Linderman 2021)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dynsim.metrics._linalg import centred_samples
from dynsim.metrics.base import (
    Metric,
    Param,
    PreparationError,
    as_bool,
    as_samples,
    check_finite,
    power_of_two_scaled,
    same_array,
    score_method_param,
    similarity_to_distance,
)


class Procrustes(Metric):
    r"""Angular Procrustes distance between two sets of activity.

    With X (n × p) and Y (n × q) the activity of two networks on the same n samples
    (trial × time), each column-centred and scaled to unit Frobenius norm,

    .. math::
        \theta(X, Y) = \arccos\big(\max_{Q^\top Q = I} \langle X, Y Q\rangle\big)
                     = \arccos \|X^\top Y\|_* ,

    where ‖·‖_* is the nuclear norm (sum of singular values). When p ≠ q the narrower set is
    zero-padded, which the nuclear norm handles implicitly. ``score_method="euclidean"``
    returns min_Q ‖X − YQ‖_F = √(2 − 2‖XᵀY‖_*) instead.

    Parameters
    ----------
    score_method : {"angular", "euclidean"}
        Angular distance in [0, π/2] (default; a proper metric) or Euclidean distance in [0, √2]
        (formerly ``score``, still accepted with a FutureWarning).
    center : bool
        Subtract each unit's mean (translation invariance). Default True.

    Notes
    -----
    Invariances: rotation/reflection of units, isotropic scale, translation (when centred),
    permutation of units. Symmetric; a proper metric.
    """

    name = "procrustes"
    symmetric = True
    is_metric = True
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    score_method = score_method_param("angular", "euclidean")
    center = Param(True, as_bool)

    def prepare(self, X: Any) -> np.ndarray:
        if self.center:
            # Scaled by a power of two (the norm must not overflow); constant activity is
            # refused relative to its magnitude (centring leaves rounding residue).
            samples = centred_samples(X)
        else:
            samples = as_samples(X)
            check_finite(samples)
            samples, _ = power_of_two_scaled(samples)
        norm = np.linalg.norm(samples)
        if norm == 0:
            raise PreparationError("activity has zero variance (all units constant)")
        return samples / norm

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"sample counts differ: {a.shape[0]} vs {b.shape[0]}")
        if same_array(a, b):
            return 1.0
        # The nuclear norm of the smaller cross-product: work is one p×q product and one SVD.
        return float(np.linalg.svd(a.T @ b, compute_uv=False).sum())

    def compare(self, a: np.ndarray, b: np.ndarray) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_method))

    def compare_batch(
        self, prepared_a: Sequence[np.ndarray], prepared_b: Sequence[np.ndarray], pairs: np.ndarray
    ) -> np.ndarray:
        """All cross-products of one network with its partners in one BLAS call, then one
        batched singular-value solve for the whole batch."""
        widths = {prepared_a[i].shape[1] for i in pairs[:, 0]}
        partner_widths = {prepared_b[j].shape[1] for j in pairs[:, 1]}
        samples = {prepared_a[i].shape[0] for i in pairs[:, 0]} | {
            prepared_b[j].shape[0] for j in pairs[:, 1]
        }
        if len(widths) != 1 or len(partner_widths) != 1 or len(samples) != 1:
            return super().compare_batch(prepared_a, prepared_b, pairs)
        (q,) = partner_widths
        cross = np.empty((len(pairs), next(iter(widths)), q))
        for i in np.unique(pairs[:, 0]):
            rows = np.flatnonzero(pairs[:, 0] == i)
            partners = np.concatenate([prepared_b[j] for j in pairs[rows, 1]], axis=1)
            block = prepared_a[i].T @ partners  # (p, k·q)
            cross[rows] = block.reshape(block.shape[0], len(rows), q).transpose(1, 0, 2)
        nuclear = np.linalg.svd(cross, compute_uv=False).sum(axis=-1)
        same = [same_array(prepared_a[i], prepared_b[j]) for i, j in pairs]
        nuclear = np.where(same, 1.0, nuclear)
        # The nuclear norm of unit-norm X, Y is ≥ 0, so clipping at −1 changes nothing.
        return similarity_to_distance(nuclear, self.score_method)
