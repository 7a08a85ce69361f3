r"""Dynamical Similarity Analysis (Ostrow, Eisen, Kozachkov & Fiete 2023) and its spectral variant.

DSA compares *dynamics* rather than geometry. Each network's activity is summarised by a
linear operator A fitted in delay-embedded coordinates (HAVOK-style DMD, :func:`fit_havok`);
two operators are then compared up to an orthogonal change of basis,

.. math::
    d(A, B) = \min_{C \in O(r)} \Big\| \frac{A}{\|A\|_F} - C \frac{B}{\|B\|_F} C^\top \Big\|_F ,

reported by default as the angle :math:`\arccos \max_C \langle \hat A, C \hat B C^\top\rangle`
(:class:`DSA`). :class:`DSAWasserstein` compares only the operators' eigenvalues, by optimal
transport in the complex plane, which is invariant to *any* similarity transform.

The alignment problem :math:`\max_{C \in O(r)} \langle A, C B C^\top\rangle` is non-convex with
many local optima (a few tens among a hundred random starts for unrelated rank-20 operators).
:func:`align_operators` uses closed-form starts that are exact for conjugate pairs
(B = QᵀAQ) plus seeded random starts, optimises all pairs × starts together as one batched
tensor program on the orthogonal group (both determinants), and keeps the best.

The package is split by layer: :mod:`~dynsim.metrics.dsa.havok` fits the operators (delay
embedding, the HAVOK/DMD regression, :class:`PreparedDSA`), :mod:`~dynsim.metrics.dsa.align`
is the alignment optimiser (:func:`align_operators`), and this module holds the metric
classes. torch is needed only to compute: the HAVOK fit imports it when called and
:mod:`~dynsim.metrics.dsa.align` (which imports it at module level) is imported on first use,
so ``import dynsim.metrics`` does not load torch. ``align_operators``, ``Alignment`` and
``resolve_device`` are still importable from here (loaded on first access).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from dynsim.metrics.base import (
    Metric,
    Param,
    as_trial_list,
    check_finite,
    integer,
    optional,
    score_method_param,
    similarity_to_distance,
)
from dynsim.metrics.dsa.havok import (
    DEFAULT_DELAY_INTERVAL,
    DEFAULT_N_DELAYS,
    DEFAULT_RANK,
    PreparedDSA,
    delay_embed,
    fit_havok,
)

# Names of dynsim.metrics.dsa.align still importable from here; resolved on first access so
# that importing this package does not import torch.
_ALIGN_NAMES = ("Alignment", "align_operators", "resolve_device")


def __getattr__(name: str) -> Any:
    if name in _ALIGN_NAMES:
        from dynsim.metrics.dsa import align

        return getattr(align, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_ALIGN_NAMES])


def _non_negative(name: str, value: Any) -> float:
    if not (float(value) >= 0):
        raise ValueError(f"{name} must be ≥ 0, got {value!r}")
    return float(value)


def _fraction(name: str, value: Any) -> float:
    if not (0 < float(value) <= 1):
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return float(value)


def _finite_non_negative(name: str, value: Any) -> float:
    value = float(value)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    return value


def _positive(name: str, value: Any) -> float:
    value = float(value)
    if not (value > 0):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _rank(name: str, value: Any) -> int | str:
    """An integer ≥ 1, or "svht" (Gavish–Donoho optimal hard threshold, per network)."""
    if value == "svht":
        return "svht"
    try:
        return integer(1)(name, value)
    except ValueError:
        raise ValueError(f"{name} must be an integer ≥ 1 or 'svht', got {value!r}") from None


def _device(name: str, value: Any) -> Any:
    if value not in ("auto", "cpu", "cuda") and not str(value).startswith("cuda:"):
        raise ValueError(f"{name} must be 'auto', 'cpu' or 'cuda', got {value!r}")
    return value


class _HavokMetric(Metric):
    """Shared HAVOK preparation of :class:`DSA` and :class:`DSAWasserstein`."""

    symmetric = True
    # Orthogonal maps of the units (rotations, reflections, permutations) and a global scale
    # leave the Hankel matrix's V unchanged up to signs, so A changes by an orthogonal
    # conjugation (DSA) and its eigenvalues not at all (DSAWasserstein).
    invariances = frozenset({"rotation", "isotropic_scale", "permutation"})

    n_delays = Param(DEFAULT_N_DELAYS, integer(1))
    delay_interval = Param(DEFAULT_DELAY_INTERVAL, integer(1))
    # At most one of the three rank rules; none given means rank = DEFAULT_RANK.
    rank = Param(None, optional(_rank))
    rank_threshold = Param(None, optional(_non_negative))
    rank_explained_variance = Param(None, optional(_fraction))
    # Formerly ``lam``, which elsewhere in dynsim is the INSD penalty weight.
    ridge = Param(0.0, _finite_non_negative, deprecated="lam")
    reduced_rank = Param(None, optional(integer(1)))

    def _check_params(self) -> None:
        given = [
            x is not None for x in (self.rank, self.rank_threshold, self.rank_explained_variance)
        ]
        if sum(given) > 1:
            raise ValueError("give at most one of rank, rank_threshold and rank_explained_variance")
        if not any(given):
            self.rank = DEFAULT_RANK

    def prepare(self, X: Any) -> PreparedDSA:
        """Fit the HAVOK operator of ``X``: (trial, time, unit) activity as for every metric,
        or a list of (time, unit) trials of different lengths (each delay-embedded on its
        own). Raises :class:`PreparationError` for non-finite values, trials of different
        unit counts, a trial too short for the embedding, or an impossible fit."""
        trials = as_trial_list(X)
        for trial in trials:
            check_finite(trial)
        return fit_havok(
            trials,
            n_delays=self.n_delays,
            delay_interval=self.delay_interval,
            rank=self.rank,
            rank_threshold=self.rank_threshold,
            rank_explained_variance=self.rank_explained_variance,
            ridge=self.ridge,
            reduced_rank=self.reduced_rank,
        )


def _padded(op: np.ndarray, r: int) -> np.ndarray:
    if op.shape[0] == r:
        return op
    out = np.zeros((r, r))
    out[: op.shape[0], : op.shape[1]] = op
    return out


class DSA(_HavokMetric):
    r"""Dynamical Similarity Analysis: Procrustes distance between HAVOK operators.

    ``prepare`` fits A (r × r) per network (:func:`fit_havok`); ``compare`` returns

    * ``score_method="angular"`` (default): θ = arccos max_{C∈O(r)} ⟨Â, C B̂ Cᵀ⟩ ∈ [0, π], with
      Â = A/‖A‖_F, B̂ = B/‖B‖_F (the cosine is clipped to [−1, 1] before arccos);
    * ``score_method="euclidean"``: min_C ‖Â − C B̂ Cᵀ‖_F = √(2 − 2 cos θ) ∈ [0, 2].

    The minimum is over the whole orthogonal group (det +1 and −1). Operators of different
    rank are zero-padded to the larger rank (A ⊕ 0), as in the reference implementation; note
    that the padded problem then also allows C to mix the padding directions in.

    Parameters
    ----------
    n_delays : int ≥ 1
        Delays D in the embedding (default 10).
    delay_interval : int ≥ 1
        Spacing τ between delays, in time steps (default 1).
    rank, rank_threshold, rank_explained_variance
        At most one: integer rank r ≥ 1, or ``rank="svht"`` (r chosen per network by the
        Gavish–Donoho optimal singular-value hard threshold, :func:`fit_havok`; the chosen r
        is ``PreparedDSA.rank``); keep singular values > threshold; or the smallest r
        explaining that fraction ∈ (0, 1] of the Hankel variance. When none of the
        three is given (each is listed as None), rank = 10.
        r is capped at the Hankel matrix's numerical rank; an integer rank above the delay
        embedding's size (embedded time points, n_delays × units) is a PreparationError.
    ridge : float ≥ 0
        Ridge λ of the regression (default 0; formerly ``lam``, still accepted with a
        FutureWarning).
    reduced_rank : int ≥ 1 or None
        Reduced-rank (ridge) regression: A of rank ≤ k fitted in the r coordinates
        (:func:`fit_havok`, step 4); None (default): full-rank regression.
    score_method : {"angular", "euclidean"}
        (formerly ``score``, still accepted with a FutureWarning)
    n_starts : int ≥ 1
        Starts per pair for the alignment (default 24: identity, a reflection, a signed
        identity, three closed-form eigenbasis starts and 18 seeded random rotations). The
        problem has many local optima for non-conjugate pairs (at rank 20 a random start
        reaches the best one found by 64 starts about half the time); more starts make
        missing it less likely, at linear cost. Conjugate pairs are exact with any value.
        Measured on HAVOK operators of simulated systems (benchmarks/README.md): 8 starts
        run 2.0× (rank 20) and 1.8× (rank 50) faster than 24 and still beat the reference
        implementation on 95 % / 99 % of pairs (24: 99 % / 100 %), but reach the best
        optimum of 47 starts on 46 % / 23 % of pairs instead of 79 % / 45 %. On RNN-like
        networks at the paper's rank 50 (33 delays, interval 6), 1 start ran 3.4× faster than
        24 (80× the reference per core) and was never worse on 100/100 pairs, worst
        +8.3e-4 rad: the identity's basin dominates there; it is data-dependent.
    max_iter : int ≥ 1
        Iteration cap of each optimisation (default 1000; rarely reached).
    tol : float > 0
        Gradient-norm tolerance of the float64 polish of the winning start (default 1e-9).
    seed : int
        Seed of the random starts. On CPU the same inputs and seed give the same bits in any
        process, at any thread count and batch size (benchmarks/dsa_determinism.py); this is
        not checked on CUDA.
    device : {"auto", "cpu", "cuda"}
        Where the alignment runs; "auto" uses CUDA when available.

    Notes
    -----
    Defaults (10 delays, interval 1, rank 10) suit small RNN recordings of a few tens of units
    and ~100 steps per trial; for long, finely sampled recordings raise ``delay_interval`` and
    ``rank`` (Ostrow et al. 2023 use 33 delays, interval 6, rank 50).

    Trials may differ in length: pass a list of (time, unit) arrays (delay embedding and
    one-step pairs are per trial, as in the reference DSA package).

    Invariances: rotation/reflection/permutation of units and a global scale. Symmetric (the
    pair is put in a canonical order before solving, so d(X, Y) = d(Y, X) exactly). A proper
    (pseudo-)metric when the global optimum is found and ranks agree: the quotient of the
    angular distance by an isometric group action.
    """

    name = "dsa"
    is_metric = True

    score_method = score_method_param("angular", "euclidean")
    n_starts = Param(24, integer(1))
    max_iter = Param(1000, integer(1))
    tol = Param(1e-9, _positive)
    seed = Param(0, integer(0))
    device = Param("auto", _device)

    def compare(self, a: PreparedDSA, b: PreparedDSA) -> float:
        return float(self.compare_batch([a], [b], np.array([[0, 0]]))[0])

    def compare_batch(
        self,
        prepared_a: Sequence[PreparedDSA],
        prepared_b: Sequence[PreparedDSA],
        pairs: np.ndarray,
    ) -> np.ndarray:
        from dynsim.metrics.dsa.align import align_operators  # imports torch

        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        out = np.empty(len(pairs), dtype=np.float64)
        groups: dict[int, list[tuple[int, np.ndarray, np.ndarray]]] = {}
        for k, (i, j) in enumerate(pairs):
            a, b = prepared_a[i].operator, prepared_b[j].operator
            # Canonical order: d(a, b) and d(b, a) run the identical computation.
            if (b.shape[0], b.tobytes()) < (a.shape[0], a.tobytes()):
                a, b = b, a
            r = max(a.shape[0], b.shape[0])
            groups.setdefault(r, []).append((k, _padded(a, r), _padded(b, r)))
        for r in sorted(groups):
            items = groups[r]
            result = align_operators(
                np.stack([x[1] for x in items]),
                np.stack([x[2] for x in items]),
                n_starts=self.n_starts,
                max_iter=self.max_iter,
                tol=self.tol,
                seed=self.seed,
                device=self.device,
            )
            out[[x[0] for x in items]] = similarity_to_distance(
                result.similarity, self.score_method
            )
        return out


class DSAWasserstein(_HavokMetric):
    r"""Spectral DSA: optimal transport between the HAVOK operators' eigenvalues.

    With λ₁…λ_n and μ₁…μ_n the eigenvalues of A and B (points in the complex plane; the
    smaller set zero-padded to the larger rank n), equal weights 1/n and squared distance cost,

    .. math::
        d(A, B) = \Big(\min_{\pi \in S_n} \frac{1}{n}
                  \sum_i |\lambda_i - \mu_{\pi(i)}|^2\Big)^{1/2},

    the 2-Wasserstein distance between the uniform measures on the two spectra (with equal
    weights optimal transport is an assignment problem, solved exactly by
    :func:`scipy.optimize.linear_sum_assignment`). The reference implementation returns the
    square of this value. Eigenvalues are of the un-normalised operators (discrete-time
    multipliers, |λ| ≈ 1 for slow modes), so d ∈ [0, ∞).

    Invariant to any similarity transform of the operator, hence to rotations, reflections,
    permutations and global scale of the units. Symmetric; a proper metric between spectra of
    equal rank (zero-padding makes it rank-dependent otherwise). HAVOK parameters, and
    trials of different lengths (a list of (time, unit) arrays), as in :class:`DSA`.
    """

    name = "dsa_wasserstein"
    is_metric = True

    def compare(self, a: PreparedDSA, b: PreparedDSA) -> float:
        return eigenvalue_wasserstein(a.eigenvalues, b.eigenvalues)


def eigenvalue_wasserstein(ev_a: np.ndarray, ev_b: np.ndarray) -> float:
    """2-Wasserstein distance between two uniform eigenvalue sets (zero-padded to equal size)."""
    n = max(len(ev_a), len(ev_b))
    a = np.zeros(n, dtype=np.complex128)
    b = np.zeros(n, dtype=np.complex128)
    a[: len(ev_a)] = ev_a
    b[: len(ev_b)] = ev_b
    cost = np.abs(a[:, None] - b[None, :]) ** 2
    rows, cols = linear_sum_assignment(cost)
    return float(np.sqrt(cost[rows, cols].mean()))


__all__ = [
    "DEFAULT_DELAY_INTERVAL",
    "DEFAULT_N_DELAYS",
    "DEFAULT_RANK",
    "DSA",
    "DSAWasserstein",
    "PreparedDSA",
    "delay_embed",
    "eigenvalue_wasserstein",
    "fit_havok",
    *_ALIGN_NAMES,
]
