"""Procrustes shape metric (Williams, Kunz, Kornblith & Linderman 2021)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dynsim.metrics.base import Metric, PreparationError, as_samples, check_finite


class Procrustes(Metric):
    r"""Angular Procrustes distance between two sets of activity.

    With X (n × p) and Y (n × q) the activity of two networks on the same n samples
    (trial × time), each column-centred and scaled to unit Frobenius norm,

    .. math::
        \theta(X, Y) = \arccos\big(\max_{Q^\top Q = I} \langle X, Y Q\rangle\big)
                     = \arccos \|X^\top Y\|_* ,

    where ‖·‖_* is the nuclear norm (sum of singular values). When p ≠ q the narrower set is
    zero-padded, which the nuclear norm handles implicitly. ``score="euclidean"`` returns
    min_Q ‖X − YQ‖_F = √(2 − 2‖XᵀY‖_*) instead.

    Parameters
    ----------
    score : {"angular", "euclidean"}
        Angular distance in [0, π/2] (default; a proper metric) or Euclidean distance in [0, √2].
    center : bool
        Subtract each unit's mean (translation invariance). Default True.

    Invariances: rotation/reflection of units, isotropic scale, translation (when centred),
    permutation of units. Symmetric; a proper metric.
    """

    name = "procrustes"
    symmetric = True
    is_metric = True
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    def __init__(self, score: str = "angular", center: bool = True) -> None:
        if score not in ("angular", "euclidean"):
            raise ValueError(f"score must be 'angular' or 'euclidean', got {score!r}")
        super().__init__(score=score, center=bool(center))
        self.score_rule = score
        self.center = bool(center)

    def prepare(self, X: Any) -> np.ndarray:
        samples = as_samples(X)
        check_finite(samples)
        if self.center:
            samples = samples - samples.mean(axis=0, keepdims=True)
        norm = np.linalg.norm(samples)
        if norm == 0:
            raise PreparationError("activity has zero variance (all units constant)")
        return samples / norm

    def similarity(self, a: np.ndarray, b: np.ndarray) -> float:
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"sample counts differ: {a.shape[0]} vs {b.shape[0]}")
        # The nuclear norm of the smaller cross-product: work is one p×q product and one SVD.
        return float(np.linalg.svd(a.T @ b, compute_uv=False).sum())

    def compare(self, a: np.ndarray, b: np.ndarray) -> float:
        s = min(self.similarity(a, b), 1.0)
        if self.score_rule == "angular":
            return float(np.arccos(s))
        return float(np.sqrt(max(2.0 - 2.0 * s, 0.0)))
