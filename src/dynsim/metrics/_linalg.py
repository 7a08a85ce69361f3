"""Linear-algebra helpers and numerical tolerances shared by several metrics.

Kept apart from any one metric so that a metric module holds only its own maths (netrep
splits its ``utils``/``validation`` the same way). Nothing here is specific to a metric:
centring with a relative constant-data test, a principal basis from the smaller Gram matrix,
and the tolerances those need.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import linalg

from dynsim.metrics.base import (
    Param,
    PreparationError,
    as_samples,
    check_finite,
    power_of_two_scaled,
)

#: Default relative singular-value tolerance of the CCA family and the shape metric.
DEFAULT_RANK_TOL = 1e-6
#: Smallest accepted ``rank_tol``: Gram eigenvalues are accurate to ~1e-13 of the largest, so
#: singular values (their square roots) only to ~1e-7 of the largest.
MIN_RANK_TOL = 1e-7
#: Data whose spread is below this fraction of its magnitude counts as constant: centring a
#: constant column leaves rounding residue of ~1e-16 of its value, which is not activity.
CONSTANT_RTOL = 1e-12
#: Above this many samples the n × n Gram matrices of the CKA family are not formed (memory
#: grows as n²); the O(n·p·q) cross-product forms are used instead.
MAX_GRAM_SAMPLES = 2048


def check_rank_tol(rank_tol: float) -> float:
    """``rank_tol`` as a float; ValueError unless it lies in [MIN_RANK_TOL, 1)."""
    rank_tol = float(rank_tol)
    if not MIN_RANK_TOL <= rank_tol < 1.0:
        raise ValueError(f"rank_tol must be in [{MIN_RANK_TOL:g}, 1), got {rank_tol}")
    return rank_tol


def rank_tol_param() -> Param:
    """The declared ``rank_tol`` parameter (default :data:`DEFAULT_RANK_TOL`, checked by
    :func:`check_rank_tol`) of the metrics that keep a principal basis."""
    return Param(DEFAULT_RANK_TOL, lambda _, value: check_rank_tol(value))


def centred_samples(X: Any) -> np.ndarray:
    """Column-centred (sample, unit) float64 activity; fails on non-finite or constant data.

    ``X`` is anything :func:`~dynsim.metrics.base.as_samples` accepts; the result is scaled
    by a power of two so that its largest raw magnitude is below 1. Raises
    :class:`~dynsim.metrics.base.PreparationError` when a value is NaN/inf or when the centred
    norm is at most ``CONSTANT_RTOL`` times the raw norm ("constant" is relative: centring a
    constant column leaves rounding residue of ~1e-16 of its value).
    """
    raw = as_samples(X)
    check_finite(raw)
    # Normalised before any square (Gram matrices, norms) so that any finite scale works;
    # a power of two, so the metrics' values are otherwise unchanged.
    raw, _ = power_of_two_scaled(raw)
    samples = raw - raw.mean(axis=0, keepdims=True)
    if np.linalg.norm(samples) <= CONSTANT_RTOL * np.linalg.norm(raw):
        raise PreparationError("activity has zero variance (all units constant)")
    return samples


def principal_basis(samples: np.ndarray, rank_tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Left singular vectors U_r (n × r, orthonormal) and singular values s_r (descending) of
    ``samples`` (n × p), keeping s > ``rank_tol`` · s_max.

    Computed from the eigendecomposition of the smaller Gram matrix (XᵀX or XXᵀ), which is
    far cheaper than a thin SVD of a tall matrix; eigenvalues are only accurate to about
    1e-13 of the largest, which is why ``rank_tol`` must stay ≥ ~1e-6. With XᵀX, U = XV/s is
    re-orthonormalised by one Cholesky-QR pass. Raises PreparationError for all-zero data.
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
