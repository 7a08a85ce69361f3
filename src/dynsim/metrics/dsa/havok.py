r"""The HAVOK fit of DSA: delay embedding and a linear operator in delay coordinates.

Each network's activity is delay-embedded, the stacked Hankel matrix is reduced by SVD, and
a linear operator A with v_{t+1} ≈ A v_t is regressed in the leading r SVD coordinates
(HAVOK: Brunton et al. 2017; as used by DSA, Ostrow et al. 2023). :func:`fit_havok` returns
the :class:`PreparedDSA` that :class:`~dynsim.metrics.dsa.DSA` and
:class:`~dynsim.metrics.dsa.DSAWasserstein` compare.

torch does the float64 linear algebra (one BLAS/LAPACK for the whole DSA package) but is
imported only inside the functions that use it, so importing this module stays torch-free.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dynsim.metrics.base import PreparationError, power_of_two_scaled

if TYPE_CHECKING:
    import torch

#: Defaults suited to small RNN recordings (tens of units, ~100 time steps per trial).
DEFAULT_N_DELAYS = 10
DEFAULT_DELAY_INTERVAL = 1
DEFAULT_RANK = 10

# Above this many Hankel rows × columns a randomized SVD is used for an integer rank.
_FULL_SVD_MAX_MIN_DIM = 2000


def delay_embed(traj: np.ndarray, n_delays: int, delay_interval: int = 1) -> np.ndarray:
    """Delay-embed each trial separately.

    ``traj`` is (trial, time, unit). Returns (trial, time − (D−1)τ, D·unit) whose row t is
    [x_{t+(D−1)τ}, x_{t+(D−2)τ}, …, x_t] (newest first), D = ``n_delays``, τ = ``delay_interval``.
    """
    n_trials, n_time, n_units = traj.shape
    span = (n_delays - 1) * delay_interval
    n_rows = n_time - span
    if n_rows < 1:
        raise PreparationError(
            f"{n_time} time steps are too few for n_delays={n_delays}, "
            f"delay_interval={delay_interval} (need more than {span})"
        )
    blocks = [
        traj[:, (n_delays - 1 - d) * delay_interval : (n_delays - 1 - d) * delay_interval + n_rows]
        for d in range(n_delays)
    ]
    return np.concatenate(blocks, axis=-1)


@dataclass(frozen=True)
class PreparedDSA:
    """A network's HAVOK model (arrays are read-only; ``compare`` never modifies them).

    Attributes
    ----------
    operator : (r, r) float64
        The fitted linear operator A in the first r delay-embedded SVD coordinates,
        v_{t+1} ≈ A v_t.
    eigenvalues : (r,) complex128
        Eigenvalues of A, sorted by decreasing modulus (discrete-time multipliers).
    rank : int
        r, the number of SVD coordinates used (after capping, see :func:`fit_havok`).
    r2 : float
        One-step prediction R² of the rank-r model on the delay-embedded data itself:
        1 − ‖H₊ − Ĥ₊‖² / ‖H₊ − mean(H₊)‖², with Ĥ₊ = V₋ Aᵀ S_r U_rᵀ (includes the rank
        truncation error; 1 is perfect).
    singular_values : (k,) float64
        Singular values of the stacked Hankel matrix (all of them, or the leading ones when a
        randomized SVD was used).
    """

    operator: np.ndarray
    eigenvalues: np.ndarray
    rank: int
    r2: float
    singular_values: np.ndarray


def _trial_list(traj: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    """``traj`` as a list of (time, unit) float64 trials (a 3-D array or a list of 2-D ones)."""
    if isinstance(traj, np.ndarray):
        if traj.ndim != 3:
            raise ValueError(f"trajectories must be (trial, time, unit), got shape {traj.shape}")
        return list(np.asarray(traj, dtype=np.float64))
    trials = [np.asarray(t, dtype=np.float64) for t in traj]
    if not trials or any(t.ndim != 2 for t in trials):
        shapes = [t.shape for t in trials]
        raise ValueError(f"trajectories must be a list of (time, unit) arrays, got {shapes}")
    units = {t.shape[1] for t in trials}
    if len(units) > 1:
        raise PreparationError(f"trials have different numbers of units: {sorted(units)}")
    return trials


def svht_rank(s: np.ndarray, shape: tuple[int, int]) -> int:
    """Rank by the optimal singular-value hard threshold for unknown noise (Gavish & Donoho
    2014, "The optimal hard threshold for singular values is 4/√3", eq. for σ unknown): keep
    singular values > ω(β)·median(s) of an m × n matrix, β = min/max aspect ratio ∈ (0, 1],
    with their approximation ω(β) ≈ 0.56β³ − 0.95β² + 1.82β + 1.43. ``s``: all min(m, n)
    singular values. Returns at least 1."""
    beta = min(shape) / max(shape)
    omega = 0.56 * beta**3 - 0.95 * beta**2 + 1.82 * beta + 1.43
    return max(int(np.sum(s > omega * np.median(s))), 1)


def _choose_rank(
    s: np.ndarray,
    numerical_rank: int,
    rank: int | str | None,
    rank_threshold: float | None,
    rank_explained_variance: float | None,
    shape: tuple[int, int],
) -> int:
    if rank == "svht":
        r = svht_rank(s, shape)
    elif rank is not None:
        r = int(rank)
    elif rank_threshold is not None:
        r = max(int(np.sum(s > rank_threshold)), 1)
    else:
        assert rank_explained_variance is not None
        cum = np.cumsum(s**2) / np.sum(s**2)
        r = int(np.searchsorted(cum, rank_explained_variance) + 1)
    return int(min(r, numerical_rank))


def _randomized_svd(
    H: torch.Tensor, k: int, n_oversamples: int = 20, n_iter: int = 6, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Leading-k SVD of H by seeded subspace iteration (Halko, Martinsson & Tropp 2011)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    width = min(k + n_oversamples, min(H.shape))
    Q, _ = torch.linalg.qr(H @ torch.randn(H.shape[1], width, generator=gen, dtype=H.dtype))
    for _ in range(n_iter):
        Z, _ = torch.linalg.qr(H.T @ Q)
        Q, _ = torch.linalg.qr(H @ Z)
    Ub, s, Vt = torch.linalg.svd(Q.T @ H, full_matrices=False)
    return (Q @ Ub)[:, :k], s[:k], Vt[:k]


def fit_havok(
    traj: np.ndarray | Sequence[np.ndarray],
    *,
    n_delays: int = DEFAULT_N_DELAYS,
    delay_interval: int = DEFAULT_DELAY_INTERVAL,
    rank: int | str | None = DEFAULT_RANK,
    rank_threshold: float | None = None,
    rank_explained_variance: float | None = None,
    ridge: float = 0.0,
    reduced_rank: int | None = None,
    lam: float | None = None,
) -> PreparedDSA:
    r"""Fit the HAVOK operator of activity ``traj``: a (trial, time, unit) array, or a list of
    (time, unit) arrays whose lengths may differ (e.g. trials of 40, 55 and 48 steps).

    1. Each trial is delay-embedded (:func:`delay_embed`) and the trials are stacked into the
       Hankel matrix H (rows = trial × embedded time, columns = D·unit). With trials of
       different lengths each is embedded on its own (as in the reference DSA package).
    2. SVD Hᵀ = U S Vᵀ. V is split back into trials and, *within each trial*,
       V₋ = V[:-1], V₊ = V[1:] (no pair straddles a trial boundary).
    3. On the first r columns, the ridge regression
       A = ((V₋ᵀV₋ + λI)⁻¹ V₋ᵀV₊)ᵀ, so that v_{t+1} ≈ A v_t.
    4. With ``reduced_rank`` = k (1 ≤ k; k ≥ r changes nothing): reduced-rank ridge
       regression, the minimiser of ‖V₊ − V₋W‖² + λ‖W‖² over W = Aᵀ of rank ≤ k. With
       W_λ the ridge solution of step 3 and P_k the projection onto the top k right singular
       vectors of the augmented fitted values [V₋W_λ; √λ W_λ], it is W_λ P_k (Mukherjee & Zhu
       2011; for λ = 0 the classic reduced-rank regression of Izenman 1975), so
       A_k = P_k A_λ. A then has rank ≤ k: only k dynamical modes, the
       rest of its r eigenvalues are 0.

    Exactly one of ``rank`` (integer r ≥ 1, or "svht": :func:`svht_rank` of the Hankel
    matrix's singular values, chosen per network), ``rank_threshold`` (keep singular values
    > threshold, at least one) or ``rank_explained_variance`` (smallest r whose cumulative
    S² fraction reaches the value, in (0, 1]) is used. An integer ``rank`` above the delay
    embedding's size (min of embedded time points and n_delays × units) raises
    :class:`PreparationError` naming both sizes (dsa-metric clamps it silently). r is capped
    at the Hankel matrix's numerical rank (singular values above max(shape)·ε·S₀): directions
    beyond it are round-off, and fitting them would make A arbitrary. ``ridge`` ≥ 0 is the
    ridge λ; without it the fit needs more one-step pairs than r (else
    :class:`PreparationError`: A would interpolate any data). ``lam`` is its former name
    (deprecated: FutureWarning; ``lam`` now only means the INSD penalty weight).
    Everything is computed in float64, on activity first scaled by a power of two to a
    largest magnitude below 1 (exact, so the fit is unchanged, but activity of any finite
    scale works; ``singular_values`` and ``rank_threshold`` stay in the data's units).
    When min(H.shape) > 2000 and ``rank`` is an integer, the leading singular vectors come
    from a seeded randomized SVD.

    The fit runs on one torch/MKL thread (the setting is restored afterwards): threaded
    SVDs and products sum in an order that depends on the thread count, which changed the
    operator by up to 2e-13 between a 1- and a 2-thread process (e.g. a Ray worker, which
    runs with OMP_NUM_THREADS=1, and the driver); on one thread the same input gives the
    same bits in every process. A concurrent torch computation in another Python thread
    runs on one thread meanwhile.

    Raises :class:`PreparationError` when a trial is too short for the embedding (naming
    the trial and its length), the trials' unit counts differ, or the fit is impossible.
    """
    import torch  # here, not at module level: importing dynsim.metrics stays torch-free

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _fit(
            traj,
            n_delays=n_delays,
            delay_interval=delay_interval,
            rank=rank,
            rank_threshold=rank_threshold,
            rank_explained_variance=rank_explained_variance,
            ridge=ridge,
            reduced_rank=reduced_rank,
            lam=lam,
        )
    finally:
        torch.set_num_threads(threads)


def _fit(
    traj: np.ndarray | Sequence[np.ndarray],
    *,
    n_delays: int,
    delay_interval: int,
    rank: int | str | None,
    rank_threshold: float | None,
    rank_explained_variance: float | None,
    ridge: float,
    reduced_rank: int | None,
    lam: float | None,
) -> PreparedDSA:
    """The body of :func:`fit_havok` (on whatever thread count is set)."""
    import torch

    if lam is not None:
        warnings.warn(
            "fit_havok(lam=...) is deprecated; use ridge=... instead", FutureWarning, stacklevel=3
        )
        ridge = lam
    trials = _trial_list(traj)
    if rank is not None and rank != "svht":
        rank = int(rank)  # a NumPy integer too
    # A power of two: exact, so nothing changes but the range (no overflow in the SVD's or
    # R²'s sums of squares for activity at 1e160).
    peak = max(float(np.max(np.abs(t), initial=0.0)) for t in trials)
    exponent = power_of_two_scaled(np.array([peak]))[1]
    trials = [np.ldexp(t, -exponent) for t in trials]
    if rank_threshold is not None:
        rank_threshold = float(np.ldexp(rank_threshold, -exponent))
    embedded = []
    for k, trial in enumerate(trials):
        if trial.shape[0] - (n_delays - 1) * delay_interval < 2:
            raise PreparationError(
                f"trial {k} has {trial.shape[0]} time steps; n_delays={n_delays}, "
                f"delay_interval={delay_interval} need at least "
                f"{(n_delays - 1) * delay_interval + 2} (two delay-embedded time points)"
            )
        embedded.append(delay_embed(trial[None], n_delays, delay_interval)[0])
    rows = [e.shape[0] for e in embedded]  # embedded time points per trial
    n_rows, n_cols = sum(rows), embedded[0].shape[1]
    if isinstance(rank, int) and rank > min(n_rows, n_cols):
        # The reference package clamps silently; a quiet clamp here would give a smaller
        # operator than asked for, which DSA then zero-pads against the others.
        raise PreparationError(
            f"rank={rank} exceeds the delay embedding's size: {n_rows} embedded time points × "
            f"{n_cols} delay coordinates (n_delays={n_delays} × {n_cols // n_delays} units) "
            f"give at most {min(n_rows, n_cols)} SVD coordinates; lower rank or raise n_delays"
        )
    # The linear algebra runs in torch (float64): one BLAS/LAPACK for the whole module.
    H = torch.from_numpy(np.ascontiguousarray(np.concatenate(embedded)))
    if isinstance(rank, int) and min(H.shape) > _FULL_SVD_MAX_MIN_DIM:
        V, s, Ut = _randomized_svd(H, min(rank, min(H.shape)))
    else:
        V, s, Ut = torch.linalg.svd(H, full_matrices=False)
    s_scaled = s.numpy()
    if s.numel() == 0 or float(s[0]) == 0.0:
        raise PreparationError("activity is identically zero; no dynamics to fit")
    eps = np.finfo(np.float64).eps
    numerical_rank = int(np.sum(s_scaled > s_scaled[0] * max(H.shape) * eps))
    r = _choose_rank(
        s_scaled, numerical_rank, rank, rank_threshold, rank_explained_variance, tuple(H.shape)
    )
    s_np = np.ldexp(s_scaled, exponent)  # reported in the data's units
    # One-step pairs within each trial, never across a trial boundary.
    V_trials = torch.split(V[:, :r], rows)
    v_minus = torch.cat([v[:-1] for v in V_trials])
    v_plus = torch.cat([v[1:] for v in V_trials])
    if ridge == 0 and v_minus.shape[0] <= r:
        # r unknowns per output from ≤ r equations: any data are fitted exactly (R² = 1) and
        # the operator is arbitrary, so distances between such fits mean nothing.
        raise PreparationError(
            f"only {v_minus.shape[0]} one-step pairs (trials × (embedded time − 1)) to fit a "
            f"rank-{r} operator; need more than {r}: use more trials or time steps, fewer "
            "delays, a lower rank, or a ridge > 0"
        )
    if ridge > 0:
        gram = v_minus.T @ v_minus + ridge * torch.eye(r, dtype=torch.float64)
        A_t = torch.linalg.solve(gram, v_minus.T @ v_plus).T
    else:
        # gelsd (SVD-based, rank-revealing minimum-norm like the default gelsy) gives the same
        # bits call after call; MKL's gelsy differs in the last bit between calls on the same
        # input, and the alignment's non-convex search can amplify that to 1e-3 rad.
        A_t = torch.linalg.lstsq(v_minus, v_plus, driver="gelsd").solution.T
    if reduced_rank is not None and reduced_rank < r:
        W = A_t.T
        fitted = v_minus @ W
        if ridge > 0:
            fitted = torch.cat([fitted, math.sqrt(ridge) * W])
        _, _, right = torch.linalg.svd(fitted, full_matrices=False)
        top = right[:reduced_rank].T  # (r, k)
        A_t = (W @ top @ top.T).T
    A = A_t.numpy().copy()
    if not np.all(np.isfinite(A)):
        raise PreparationError("HAVOK regression produced non-finite values")
    if np.linalg.norm(A) == 0.0:
        raise PreparationError("HAVOK operator is zero (no temporal structure)")
    # One-step prediction R² on the delay-embedded data (includes the truncation error).
    h_plus = torch.cat([h[1:] for h in torch.split(H, rows)])
    h_hat = (v_minus @ A_t.T) @ (s[:r, None] * Ut[:r])
    resid = float(torch.sum((h_plus - h_hat) ** 2))
    total = float(torch.sum((h_plus - h_plus.mean(dim=0)) ** 2))
    r2 = 1.0 - resid / total if total > 0 else float("nan")
    eig = np.linalg.eigvals(A)
    eig = eig[np.lexsort((-eig.imag, -eig.real, -np.abs(eig)))]
    operator = np.ascontiguousarray(A, dtype=np.float64)
    for arr in (operator, eig, s_np):
        arr.setflags(write=False)
    return PreparedDSA(operator=operator, eigenvalues=eig, rank=r, r2=r2, singular_values=s_np)
