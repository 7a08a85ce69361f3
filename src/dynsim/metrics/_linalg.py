"""Linear-algebra helpers and numerical tolerances shared by several metrics.

Kept apart from any one metric so that a metric module holds only its own maths (netrep
splits its ``utils``/``validation`` the same way). Nothing here is specific to a metric:
centring with a relative constant-data test, a principal basis from the smaller Gram matrix,
and the tolerances those need.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import linalg

from dynsim.metrics._stacked import Stacked, cache_of
from dynsim.metrics.base import (
    Param,
    PreparationError,
    as_samples,
    check_finite,
    peak_of,
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
    given = as_samples(X)
    # One pass gives both the finiteness test (a NaN or ±inf makes the peak non-finite) and
    # the scale; check_finite then only runs to word the error.
    peak = peak_of(given)
    if not np.isfinite(peak):
        check_finite(given)
    # Normalised before any square (Gram matrices, norms) so that any finite scale works;
    # a power of two, so the metrics' values are otherwise unchanged.
    raw, _ = power_of_two_scaled(given, peak)
    raw_norm = np.linalg.norm(raw)
    mean = raw.mean(axis=0, keepdims=True)
    if raw is given:  # all zero (returned as given): never modify the caller's array
        samples = raw - mean
    else:  # our own scaled copy, centred in place: one array per network, not two (the
        # first touch of fresh memory is a measurable part of preparing a network)
        samples = np.subtract(raw, mean, out=raw)
    if np.linalg.norm(samples) <= CONSTANT_RTOL * raw_norm:
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


# -- exact low-rank form ----------------------------------------------------------------------
def low_rank_form(samples: np.ndarray, cross: np.ndarray | None = None) -> np.ndarray:
    """``samples`` (n × p) itself when it has full column rank, else U_r·diag(s_r) (n × r).

    Exact reduction for every metric that sees a network only through cross-products XᵀY
    (CKA: ‖XᵀY‖_F; Procrustes: ‖XᵀY‖_*; the U-centred HSIC, which also needs the rows' norms)
    and Gram matrices XXᵀ: with X = U S Vᵀ, X·V_r = U_r S_r has the same Gram matrix,
    the same row norms and, for any Y, a cross-product V_rᵀXᵀY with the same singular values.
    Networks with fewer samples than units (n < p) or with dependent units therefore cost
    n·r instead of n·p per pair. Singular values at or below max(n, p)·eps·s_max (LAPACK's
    numerical rank, i.e. rounding noise) are dropped; their contribution to any similarity is
    below ~p·max(n, p)·eps (≈ 3e-12 for 200 × 64).

    Full rank is detected cheaply from a Cholesky factorisation of the p × p matrix XᵀX
    (pivots all above 1e-8 of the largest); only otherwise is a thin SVD computed. A network
    the check passes is returned unchanged, bit for bit — always exact, the reduction being
    only a saving. ``cross``: XᵀX (or any positive multiple of it) when the caller has it.
    """
    n, p = samples.shape
    if n >= p:
        try:
            pivots = np.diag(np.linalg.cholesky(samples.T @ samples if cross is None else cross))
        except np.linalg.LinAlgError:
            pivots = None
        if pivots is not None and pivots.min() ** 2 > 1e-8 * pivots.max() ** 2:
            return samples
    u, s, _ = np.linalg.svd(samples, full_matrices=False)
    keep = s > max(n, p) * np.finfo(float).eps * s[0]
    return np.ascontiguousarray(u[:, keep] * s[keep])


# -- blocked products over networks ------------------------------------------------------------
#: Bytes one block of a blocked similarity product may use (its stacked operands plus the
#: product); bounds memory whatever the number of networks.
BLOCK_BYTES = 64 * 2**20
#: Bytes a run may spend on stacked per-network Gram vectors kept for all its pairs; beyond
#: this the Gram form is only used when forming it per block is still the cheaper form.
STACK_BYTES = 256 * 2**20


def index_rows(matrix: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``matrix[idx]``, a view (no copy) when ``idx`` is a consecutive run."""
    if len(idx) and idx[-1] - idx[0] + 1 == len(idx):
        return matrix[idx[0] : idx[-1] + 1]
    return matrix[idx]


def chunk_size(per_network_bytes: float, width: float = 0.0) -> int:
    """How many networks one side of a block may hold so that both sides' operands
    (``per_network_bytes`` each) and, when ``width`` > 0 (columns per network of a
    feature-space product), the (B·width)² product fit :data:`BLOCK_BYTES`."""
    size = BLOCK_BYTES / max(2.0 * per_network_bytes, 1.0)
    if width > 0:
        size = min(size, np.sqrt(BLOCK_BYTES / 8.0) / width)
    return max(1, int(size))


def blocked_pairs(
    pairs: np.ndarray,
    row_chunk: int,
    col_chunk: int,
    evaluate: Any,
) -> np.ndarray:
    """Values for ``pairs`` (k, 2) computed block by block over networks.

    The networks the pairs use are split into row blocks of ``row_chunk`` and column blocks
    of ``col_chunk`` networks; ``evaluate(rows, cols, r, c)`` gets one block's network
    indices (sorted arrays) and the positions (r[m], c[m]) within them of the block's pairs,
    and returns their values. Blocks holding no requested pair (e.g. below the diagonal of a
    symmetric run) are never computed, so memory is bounded by the block and the work by the
    pairs asked for.
    """
    rows, cols = np.unique(pairs[:, 0]), np.unique(pairs[:, 1])
    ri, ci = np.searchsorted(rows, pairs[:, 0]), np.searchsorted(cols, pairs[:, 1])
    n_col_blocks = -(-len(cols) // col_chunk)
    key = (ri // row_chunk) * n_col_blocks + ci // col_chunk
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    out = np.empty(len(pairs))
    for k, start, stop in zip(keys, starts, [*starts[1:], len(order)], strict=True):
        sel = order[start:stop]
        r0, c0 = (k // n_col_blocks) * row_chunk, (k % n_col_blocks) * col_chunk
        out[sel] = evaluate(
            rows[r0 : r0 + row_chunk], cols[c0 : c0 + col_chunk], ri[sel] - r0, ci[sel] - c0
        )
    return out


def kept_self_products(stacked: np.ndarray, pairs: np.ndarray) -> np.ndarray | None:
    """⟨f_i, f_j⟩ for pairs of one set whose feature rows are all kept in ``stacked``: one
    symmetric product V·Vᵀ over the networks used (BLAS syrk: half the work of a general
    product). None when its (m × m) result would exceed :data:`BLOCK_BYTES` (then blocks)."""
    used = np.union1d(pairs[:, 0], pairs[:, 1])
    if len(used) ** 2 * 8 > BLOCK_BYTES:
        return None
    rows = index_rows(stacked, used)
    products = rows @ rows.T  # the same operand transposed: NumPy calls syrk
    return products[np.searchsorted(used, pairs[:, 0]), np.searchsorted(used, pairs[:, 1])]


def cross_frobenius_sq(blocks_a: list[np.ndarray], blocks_b: list[np.ndarray]) -> np.ndarray:
    """‖A_iᵀB_j‖_F² for every i, j (a len(A) × len(B) matrix) from one matrix product.

    The n × p_i activity blocks are stacked side by side once per call, [A_1 … A_m]ᵀ[B_1 …]
    is one GEMM, and each p_i × q_j sub-block's sum of squares is read off with reductions
    along both axes (the feature-space form of CKA; Kornblith et al. 2019, eq. 5).
    """
    left, right = np.hstack(blocks_a), np.hstack(blocks_b)
    prod = left.T @ right
    np.square(prod, out=prod)
    ra = np.cumsum([0] + [b.shape[1] for b in blocks_a[:-1]])
    rb = np.cumsum([0] + [b.shape[1] for b in blocks_b[:-1]])
    return np.add.reduceat(np.add.reduceat(prod, ra, axis=0), rb, axis=1)


@functools.lru_cache(maxsize=8)
def _packing(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of the upper triangle (offset k) of an n × n matrix and the weights
    (1 on the diagonal, √2 off it) that make packed inner products equal full ones."""
    iu = np.triu_indices(n, k=k)
    weights = np.where(iu[0] == iu[1], 1.0, np.sqrt(2.0))
    return np.ravel_multi_index(iu, (n, n)), weights


def packed_gram(
    samples: np.ndarray,
    *,
    k: int = 0,
    transform: Any = None,
    out: np.ndarray | None = None,
    work: np.ndarray | None = None,
) -> np.ndarray:
    """The upper triangle (diagonal offset ``k``) of G = XXᵀ (or of ``transform(G)``),
    with off-diagonal entries times √2, as one vector g: ⟨g_a, g_b⟩ = ⟨G_a, G_b⟩_F for
    symmetric G (with a zero diagonal when k = 1). Half the memory and half the work of the
    flattened n × n matrix.

    ``out``: where to write g (a row of a run's stack); ``work``: an n × n float64 buffer for
    G, reused across networks. Both only save allocations (fresh n² buffers per network
    cost page faults); the values are the same, bit for bit."""
    n = samples.shape[0]
    if work is not None and work.shape == (n, n):
        gram = np.matmul(samples, samples.T, out=work)
    else:
        gram = samples @ samples.T
    if transform is not None:
        gram = transform(gram)
    flat, weights = _packing(n, k)
    if out is None:
        return gram.ravel()[flat] * weights
    np.take(gram.ravel(), flat, out=out)
    return np.multiply(out, weights, out=out)


def sample_space_similarities(
    prepared_a: Sequence[Any],
    prepared_b: Sequence[Any],
    pairs: np.ndarray,
    *,
    key: str,
    gram_dim: Callable[[int], int],
    gram_of: Callable[..., np.ndarray],
    cross_block: Callable[[list[Any], list[Any]], np.ndarray],
    max_gram_samples: int,
) -> np.ndarray | None:
    """Similarities of ``pairs`` for the CKA family, whose prepared objects hold (sample ×
    unit) activity ``.samples``, by blocked matrix products in the cheaper space.

    Per pair, Gram space costs d = ``gram_dim(n)`` multiply-adds (an inner product of packed
    Gram vectors, :func:`packed_gram`), feature space n·p·q (one block of a stacked cross
    product, ``cross_block(prepared list, prepared list)`` → block of similarities;
    ``gram_of(prepared, out=row, work=n × n buffer)`` may be called with buffers to write
    into, as :func:`packed_gram` accepts them). The Gram
    vectors are built once per run and kept (in the :class:`Stacked` cache) when all of them
    fit :data:`STACK_BYTES`; otherwise, for each block, which adds their formation (n²·p/2
    per network and block) to the Gram cost. The cheaper form is used; both give the same
    similarities up to rounding. Returns None when the networks' sample counts differ.
    """
    rows, cols = np.unique(pairs[:, 0]), np.unique(pairs[:, 1])
    used_a = [prepared_a[i] for i in rows.tolist()]
    used_b = [prepared_b[j] for j in cols.tolist()]
    counts = {p.samples.shape[0] for p in used_a} | {p.samples.shape[0] for p in used_b}
    if len(counts) != 1:
        return None
    (n,) = counts
    width_a = float(np.mean([p.samples.shape[1] for p in used_a]))
    width_b = float(np.mean([p.samples.shape[1] for p in used_b]))
    d = gram_dim(n)
    one_set = prepared_a is prepared_b
    n_kept = len(prepared_a) + (0 if one_set else len(prepared_b))
    keep = (
        isinstance(prepared_a, Stacked)
        and isinstance(prepared_b, Stacked)
        and n_kept * d * 8 <= STACK_BYTES
    )
    gram_chunk = chunk_size(d * 8.0)
    gram_cost = d if keep else d * (1.0 + max(width_a, width_b) / gram_chunk)
    if n <= max_gram_samples and gram_cost < n * width_a * width_b:

        def grams(prepared: Sequence[Any], idx: np.ndarray) -> np.ndarray:
            if not keep:
                return np.stack([gram_of(prepared[i]) for i in idx.tolist()])
            cache = cache_of(prepared)
            if key not in cache:
                stacked = np.empty((len(prepared), d))
                work = np.empty((n, n))  # one Gram buffer for all networks
                for i, p in enumerate(prepared):
                    if p is not None and p.samples.shape[0] == n:
                        gram_of(p, out=stacked[i], work=work)
                    else:
                        stacked[i] = 0.0
                cache[key] = stacked
            return index_rows(cache[key], idx)

        def evaluate(r_idx: np.ndarray, c_idx: np.ndarray, r: np.ndarray, c: np.ndarray):
            return (grams(prepared_a, r_idx) @ grams(prepared_b, c_idx).T)[r, c]

        if keep and one_set:
            grams(prepared_a, rows[:1])  # build the kept vectors
            sims = kept_self_products(cache_of(prepared_a)[key], pairs)
            if sims is not None:
                return sims
        return blocked_pairs(pairs, gram_chunk, gram_chunk, evaluate)

    def evaluate_features(r_idx: np.ndarray, c_idx: np.ndarray, r: np.ndarray, c: np.ndarray):
        block = cross_block(
            [prepared_a[i] for i in r_idx.tolist()], [prepared_b[j] for j in c_idx.tolist()]
        )
        return block[r, c]

    chunk = chunk_size(n * max(width_a, width_b) * 8.0, max(width_a, width_b))
    return blocked_pairs(pairs, chunk, chunk, evaluate_features)
