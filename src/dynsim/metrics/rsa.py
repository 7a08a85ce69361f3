"""Representational similarity analysis (Kriegeskorte, Mur & Bandettini 2008)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.spatial import distance

from dynsim.metrics._linalg import CONSTANT_RTOL as _CONSTANT_RTOL
from dynsim.metrics._linalg import (
    STACK_BYTES,
    blocked_pairs,
    chunk_size,
    index_rows,
    kept_self_products,
)
from dynsim.metrics._stacked import Stacked, cache_of
from dynsim.metrics.base import (
    InnerProductMetric,
    Param,
    PreparationError,
    as_trajectories,
    check_finite,
    one_of,
    power_of_two_scaled,
    score_method_param,
    similarity_to_distance,
)

RDM_OVER = ("trial", "trial_mean", "sample")
RDM_KINDS = ("euclidean", "sqeuclidean", "correlation")
COMPARE_METHODS = ("pearson", "spearman", "rho_a", "tau_a", "cosine")


@dataclass(frozen=True)
class PreparedRSA:
    """Upper triangle of a network's RDM, transformed for its comparison method.

    ``vector`` is the centred, unit-norm RDM (pearson), centred unit-norm ranks (spearman),
    centred ranks scaled by √(12/(N³−N)) (rho_a), the unit-norm RDM (cosine), or the raw RDM
    (tau_a, with ``tied_pairs`` the number of tied pairs of entries).
    """

    vector: np.ndarray
    n_conditions: int
    tied_pairs: int = 0


def patterns(traj: np.ndarray, rdm_over: str) -> np.ndarray:
    """Condition × feature patterns of (trial, time, unit) activity for ``rdm_over``."""
    if rdm_over == "trial":
        return traj.reshape(traj.shape[0], -1)
    if rdm_over == "trial_mean":
        return traj.mean(axis=1)
    return traj.reshape(-1, traj.shape[-1])


def rdm_matrix(pats: np.ndarray, kind: str) -> np.ndarray:
    """Full condition × condition dissimilarity matrix (zero diagonal), in the data's units
    (a squared-euclidean RDM of activity near 1e160 overflows here; RSA itself compares
    :func:`scaled_rdm_matrix`, which never does)."""
    rdm, exponent = scaled_rdm_matrix(pats, kind)
    return np.ldexp(rdm, exponent)


def scaled_rdm_matrix(pats: np.ndarray, kind: str) -> tuple[np.ndarray, int]:
    """The RDM of :func:`rdm_matrix` divided by 2^e, and e.

    Dissimilarities are formed from the differences of the patterns themselves, never from
    the expansion ‖x‖² + ‖y‖² − 2⟨x, y⟩: identical patterns then give exactly 0 (the
    expansion leaves ~1e-14 of rounding, which the square root of the euclidean RDM turns
    into ~1e-7 and the rank methods then rank as if it were data). Patterns are scaled by a
    power of two first, so any finite magnitude neither overflows nor underflows.
    """
    pats, exponent = power_of_two_scaled(pats)
    scale = float(np.abs(pats).max(initial=0.0))
    if np.ptp(pats, axis=0).max(initial=0.0) <= _CONSTANT_RTOL * scale:
        raise PreparationError("every condition has the same activity pattern")
    if kind == "correlation":
        centred = pats - pats.mean(axis=1, keepdims=True)
        norms = np.linalg.norm(centred, axis=1)
        if np.any(norms <= _CONSTANT_RTOL * np.linalg.norm(pats, axis=1)):
            raise PreparationError(
                "correlation RDM undefined: some condition's pattern is constant"
            )
        # 1 − r(x, y) = ‖u − v‖²/2 for the unit-norm centred patterns u, v.
        rdm = 0.5 * distance.squareform(distance.pdist(centred / norms[:, None], "sqeuclidean"))
        exponent = 0  # correlation distances have no units
    else:
        pats = pats - pats.mean(axis=0)  # distances ignore a common shift; less cancellation
        rdm = distance.squareform(distance.pdist(pats, kind))
        exponent *= 2 if kind == "sqeuclidean" else 1
    np.fill_diagonal(rdm, 0.0)
    return rdm, exponent


def merge_near_ties(values: np.ndarray, rtol: float = 1e-12) -> np.ndarray:
    """Replace runs of values closer than ``rtol`` · max|v| by their minimum.

    Dissimilarities that are equal in exact arithmetic (e.g. between symmetric conditions)
    come out of floating point a few ulps apart, in an order that depends on the BLAS; rank
    methods would turn that noise into spurious ranks. Merging keeps true ties tied.
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    gaps = np.diff(ordered) > rtol * float(np.abs(values).max(initial=0.0))
    starts = np.flatnonzero(np.concatenate([[True], gaps]))
    run = np.cumsum(np.concatenate([[True], gaps])) - 1
    merged = np.empty_like(values)
    merged[order] = ordered[starts][run]
    return merged


def _tied_pairs(values: np.ndarray) -> int:
    _, counts = np.unique(values, return_counts=True)
    return int(np.sum(counts * (counts - 1) // 2))


class RSA(InnerProductMetric):
    r"""Representational similarity analysis, reported as a distance.

    1. **Conditions.** Each network's activity (trial, time, unit) is turned into one pattern
       per condition, chosen by ``rdm_over``:

       * ``"trial"`` (default): one condition per trial, pattern = the trial's whole
         trajectory flattened to a (time·unit) vector;
       * ``"trial_mean"``: one condition per trial, pattern = its time-averaged activity;
       * ``"sample"``: one condition per (trial, time) sample (the RDM is
         (trial·time)² — mind the cost).

       Conditions are matched by position, so both networks need the same trials (and times).

    2. **RDM.** For patterns x_i, x_j, ``rdm`` chooses the dissimilarity
       ``"euclidean"`` ‖x_i − x_j‖ (default), ``"sqeuclidean"`` ‖x_i − x_j‖² (rsatoolbox's
       ``"euclidean"`` up to its constant 1/n_features, which no comparison below sees), or
       ``"correlation"`` 1 − r(x_i, x_j) (Pearson r across features, rsatoolbox's
       ``"correlation"``). The N = C(C−1)/2 entries above the diagonal form the vector v.

    3. **Comparison** of two RDM vectors v, w by ``compare_method`` (formerly ``compare``,
       which shadowed the method :meth:`compare`; still accepted with a FutureWarning):
       ``"pearson"`` r(v, w);
       ``"spearman"`` (default) r(rank v, rank w) with average ranks for ties; ``"rho_a"``
       12·⟨rank v − r̄, rank w − r̄⟩/(N³ − N), Spearman's ρ without tie correction
       (rsatoolbox ``"rho-a"``); ``"tau_a"`` Kendall's τ_a = (concordant − discordant)/C(N, 2)
       (rsatoolbox ``"tau-a"``, computed in O(N log N) from τ_b); ``"cosine"`` ⟨v, w⟩/‖v‖‖w‖.
       For the rank methods, dissimilarities within 1e-12 · max|v| of each other are first
       merged into exact ties, so rounding noise does not decide the ranks of equal entries.

    ``prepare`` stores the transformed RDM vector (centred and normalised for pearson and
    spearman), so for every method but tau_a a batch of pairs is a blocked matrix product of
    the stacked vectors.

    Distance: arccos(s) ∈ [0, π] (``score_method="angular"``, default, as for the other
    dynsim metrics: for pearson, spearman and cosine it is the angle between the prepared
    vectors and satisfies the triangle inequality) or 1 − s ∈ [0, 2]
    (``score_method="one_minus"``, the usual "1 − correlation" of the RSA literature;
    formerly ``score``, still accepted with a FutureWarning).

    Invariances (default ``rdm="euclidean"`` or ``"sqeuclidean"``): rotation/reflection of
    units, isotropic scale, translation, permutation of units. With ``rdm="correlation"`` only
    permutation of units and isotropic scale (plus, per pattern, offset and scale) hold.
    Spearman, rho_a and tau_a are also invariant to any monotone map of the dissimilarities.
    Symmetric; networks may have different numbers of units. A constant RDM (e.g. all
    conditions equally distant) cannot be compared and fails in ``prepare``.
    """

    name = "rsa"
    feature = "vector"
    symmetric = True
    is_metric = True
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    rdm_over = Param("trial", one_of(*RDM_OVER))
    rdm = Param("euclidean", one_of(*RDM_KINDS))
    compare_method = Param("spearman", one_of(*COMPARE_METHODS), deprecated="compare")
    score_method = score_method_param("angular", "one_minus")

    def rdm_vector(self, X: Any) -> np.ndarray:
        """The upper triangle (row-major, k = 1) of the network's RDM, in the data's units."""
        v, exponent = self._scaled_rdm_vector(X)
        return np.ldexp(v, exponent)

    def _scaled_rdm_vector(self, X: Any) -> tuple[np.ndarray, int]:
        """:meth:`rdm_vector` divided by 2^e (never overflowing), and e."""
        traj = as_trajectories(X)
        check_finite(traj)
        pats = patterns(traj, self.rdm_over)
        if pats.shape[0] < 3:
            raise PreparationError(
                f"RSA needs at least 3 conditions, got {pats.shape[0]} (rdm_over={self.rdm_over!r})"
            )
        full, exponent = scaled_rdm_matrix(pats, self.rdm)
        return full[np.triu_indices(full.shape[0], k=1)], exponent

    def prepare(self, X: Any) -> PreparedRSA:
        # Scale-free comparisons: the RDM's units (a power of two) do not matter.
        v, _ = self._scaled_rdm_vector(X)
        c = int(round((1 + np.sqrt(1 + 8 * v.size)) / 2))
        scale = float(np.abs(v).max(initial=0.0))
        if self.compare_method == "cosine":
            if scale == 0:
                raise PreparationError("the RDM is zero (all conditions identical)")
            return PreparedRSA(vector=v / np.linalg.norm(v), n_conditions=c)
        # Correlation-type comparisons need a non-constant RDM (up to rounding).
        if np.ptp(v) <= 1e-12 * scale:
            raise PreparationError("the RDM is constant (all conditions equally distant)")
        if self.compare_method in ("spearman", "rho_a", "tau_a"):
            v = merge_near_ties(v)
        if self.compare_method == "tau_a":
            return PreparedRSA(vector=v, n_conditions=c, tied_pairs=_tied_pairs(v))
        if self.compare_method in ("spearman", "rho_a"):
            v = stats.rankdata(v)
        v = v - v.mean()
        if self.compare_method == "rho_a":
            n = v.size
            return PreparedRSA(vector=v * np.sqrt(12.0 / (n**3 - n)), n_conditions=c)
        return PreparedRSA(vector=v / np.linalg.norm(v), n_conditions=c)

    def similarity(self, a: PreparedRSA, b: PreparedRSA) -> float:
        if a.n_conditions != b.n_conditions:
            raise ValueError(f"condition counts differ: {a.n_conditions} vs {b.n_conditions}")
        if self.compare_method == "tau_a":
            return _tau_a(a, b)
        if self.identical(a, b):
            return 1.0
        return float(a.vector @ b.vector)

    def compare(self, a: PreparedRSA, b: PreparedRSA) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_method))

    def similarity_pairs(
        self,
        prepared_a: Sequence[PreparedRSA],
        prepared_b: Sequence[PreparedRSA],
        pairs: np.ndarray,
    ) -> np.ndarray | None:
        """⟨v_a, v_b⟩ for the pairs, blocked over networks; the RDM vectors are stacked once
        per run (kept when they fit :data:`~dynsim.metrics._linalg.STACK_BYTES`, else stacked
        per block). None when condition counts differ."""
        rows, cols = np.unique(pairs[:, 0]), np.unique(pairs[:, 1])
        sizes = {prepared_a[i].vector.size for i in rows.tolist()}
        sizes |= {prepared_b[j].vector.size for j in cols.tolist()}
        if len(sizes) != 1:
            return None
        (d,) = sizes
        one_set = prepared_a is prepared_b
        n_kept = len(prepared_a) + (0 if one_set else len(prepared_b))
        keep = (
            isinstance(prepared_a, Stacked)
            and isinstance(prepared_b, Stacked)
            and n_kept * d * 8 <= STACK_BYTES
        )

        def vectors(prepared: Sequence[PreparedRSA], idx: np.ndarray) -> np.ndarray:
            if not keep:
                return np.stack([prepared[i].vector for i in idx.tolist()])
            cache = cache_of(prepared)
            if "rsa_vectors" not in cache:
                stacked = np.zeros((len(prepared), d))
                for i, p in enumerate(prepared):
                    if p is not None and p.vector.size == d:
                        stacked[i] = p.vector
                cache["rsa_vectors"] = stacked
            return index_rows(cache["rsa_vectors"], idx)

        def evaluate(r_idx: np.ndarray, c_idx: np.ndarray, r: np.ndarray, c: np.ndarray):
            return (vectors(prepared_a, r_idx) @ vectors(prepared_b, c_idx).T)[r, c]

        if keep and one_set:
            vectors(prepared_a, rows[:1])  # build the kept vectors
            sims = kept_self_products(cache_of(prepared_a)["rsa_vectors"], pairs)
            if sims is not None:
                return sims
        chunk = chunk_size(d * 8.0)
        return blocked_pairs(pairs, chunk, chunk, evaluate)

    def batch_features(self) -> bool:
        return self.compare_method != "tau_a"  # τ_a is not an inner product of the RDM vectors

    def unit_features(self) -> bool:
        # rho_a and tau_a have no tie correction: with tied entries an RDM's similarity to
        # itself is below 1 by their definition (as in rsatoolbox), so it is not forced to 1.
        return self.compare_method in ("pearson", "spearman", "cosine")


def _tau_a(a: PreparedRSA, b: PreparedRSA) -> float:
    """Kendall's τ_a from SciPy's τ_b: τ_a = τ_b·√((n0 − t_a)(n0 − t_b))/n0, n0 = C(N, 2)."""
    n = a.vector.size
    n0 = n * (n - 1) / 2
    tau_b = stats.kendalltau(a.vector, b.vector, variant="b").statistic
    if not np.isfinite(tau_b):  # only when a vector is constant, which prepare rejects
        raise ValueError("Kendall tau undefined for a constant RDM")
    return float(tau_b * np.sqrt((n0 - a.tied_pairs) * (n0 - b.tied_pairs)) / n0)
