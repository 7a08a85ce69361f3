"""Cross-validated ridge-regression predictivity of one network's activity from another's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsim.metrics._linalg import CONSTANT_RTOL as _CONSTANT_RTOL
from dynsim.metrics.base import (
    Metric,
    Param,
    PreparationError,
    as_bool,
    as_trajectories,
    check_finite,
    power_of_two_scaled,
)

# Training directions with variance below this fraction of the largest are dropped (the
# eigenvalues of a scatter matrix are only accurate to ~1e-13 of the largest).
_EIG_TOL = 1e-12
# Above this many units the per-fold test Gram matrices (p × p) are not stored.
_MAX_GRAM_UNITS = 1024


@dataclass(frozen=True)
class PreparedPredictivity:
    """One network prepared for both roles (predictor and target).

    ``samples`` is the (sample, unit) activity, globally centred and reordered so that the
    samples of fold f are the contiguous block ``bounds[f]:bounds[f + 1]`` (its test block).
    Per fold f: ``train_means[f]`` is the mean x̄_f of the training samples, ``test_sums[f]``
    the sum of the test samples, ``test_grams[f]`` (X_te − x̄_f)ᵀ(X_te − x̄_f) (None for very
    wide networks), ``test_ss[f]`` ‖X_te − x̄_f‖²_F, ``bases[f]`` the eigenvectors V_f
    (p × r_f) of the centred training scatter X_cᵀX_c and ``shrink[f]`` 1/(λ + α_f) for its
    eigenvalues λ. ``sst`` is the total sum of squares about the mean (the R² denominator as a
    target).
    """

    samples: np.ndarray
    bounds: np.ndarray
    train_means: np.ndarray
    test_sums: np.ndarray
    test_grams: np.ndarray | None
    test_ss: np.ndarray
    bases: tuple[np.ndarray, ...]
    shrink: tuple[np.ndarray, ...]
    sst: float
    shape: tuple[int, int]


def fold_of_trials(n_trials: int, n_folds: int) -> np.ndarray:
    """Deterministic fold label of each trial: trial k is in fold k mod n_folds."""
    return np.arange(n_trials) % n_folds


class LinearPredictivity(Metric):
    r"""1 − cross-validated ridge R² of network b's activity predicted from network a's.

    ``compare(a, b)`` regresses Y (target, network b) on X (predictor, network a), both
    (sample, unit) with samples = trial × time, with an intercept and ridge penalty:

    .. math::
        \hat W_f = \arg\min_W \|Y_{\mathrm{tr}} - \bar y_f - (X_{\mathrm{tr}} - \bar x_f)W\|_F^2
                   + \alpha_f\|W\|_F^2
                 = (X_c^\top X_c + \alpha_f I)^{-1} X_c^\top Y_c ,

    fitted on the training trials of fold f (x̄_f, ȳ_f their means). Folds split **trials**,
    never the time samples within a trial, so temporally correlated samples of one trial are
    never on both sides: trial k belongs to fold k mod ``n_folds`` (deterministic, and robust
    to trials sorted by condition). Out-of-fold predictions Ŷ of every sample give

    .. math::
        R^2 = 1 - \frac{\sum_{f}\|Y_{\mathrm{te},f} - \hat Y_{\mathrm{te},f}\|_F^2}
                       {\|Y - \bar y\|_F^2},

    the variance-weighted R² over target units (scikit-learn's ``r2_score(Y, Ŷ,
    multioutput="variance_weighted")`` of ``cross_val_predict``). The distance is 1 − R².
    Out-of-sample R² can be negative (predictions worse than the target's mean), so the
    distance lies in [0, ∞) and can exceed 1. ``n_folds=1`` fits and evaluates on all samples
    (in-sample R², as in the INSD penalty of Qian & Pehlevan).

    Ridge strength: with ``relative_alpha=True`` (default) α_f = ``alpha`` · tr(X_cᵀX_c)/p,
    i.e. ``alpha`` is a fraction of the mean eigenvalue of the training scatter matrix, which
    makes the metric invariant to the predictor's scale; with ``relative_alpha=False``,
    α_f = ``alpha`` in the data's units (scikit-learn's ``Ridge(alpha)``). ``alpha=0`` is
    least squares (minimum-norm; training directions with variance below 1e-12 of the
    largest are dropped). Because of the ridge and the
    cross-validation, d(X, X) is small but not exactly 0 unless ``alpha=0``.

    ``prepare`` does the per-network work once: global centring, the fold reordering, the
    eigendecomposition of every fold's training scatter matrix and its test block's Gram; a
    pair then costs one pass over the samples (the test blocks' X_teᵀY_te) plus p × p × q
    work per fold.

    Parameters
    ----------
    alpha : float ≥ 0
        Ridge penalty (default 1e-3, relative).
    n_folds : int ≥ 1
        Number of cross-validation folds over trials (default 5); needs at least that many
        trials.
    relative_alpha : bool
        Scale ``alpha`` by the mean eigenvalue of the training scatter matrix (default True).

    Notes
    -----
    Asymmetric (``symmetric = False``): the engine computes both directions. Invariances (with
    ``relative_alpha=True``): rotation/reflection, isotropic scale, translation and
    permutation of units, of either network. Networks may have different numbers of units
    but must share trials and times.
    """

    name = "linear_predictivity"
    symmetric = False
    is_metric = False
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    alpha = Param(1e-3, lambda _, value: _check_alpha(value))
    n_folds = Param(5, lambda _, value: _check_n_folds(value))
    relative_alpha = Param(True, as_bool)

    def prepare(self, X: Any) -> PreparedPredictivity:
        traj = as_trajectories(X)
        check_finite(traj)
        # Normalised before any square so that any finite scale works; by a power of two, so
        # that an absolute ridge scaled alike (α·2^−2e) gives exactly the unscaled fit.
        traj, exponent = power_of_two_scaled(traj)
        n_trials, n_time, p = traj.shape
        if n_trials < self.n_folds:
            raise PreparationError(
                f"{self.n_folds}-fold cross-validation over trials needs at least "
                f"{self.n_folds} trials, got {n_trials}"
            )
        folds = fold_of_trials(n_trials, self.n_folds)
        order = np.argsort(folds, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(folds))]) * n_time
        raw = traj[order].reshape(-1, p)
        samples = raw - raw.mean(axis=0, keepdims=True)
        sst = float(np.sum(samples**2))
        if sst <= (_CONSTANT_RTOL**2) * float(np.sum(raw**2)):  # constant up to rounding
            raise PreparationError("activity has zero variance (all units constant)")
        keep_grams = p <= _MAX_GRAM_UNITS
        means, sums, grams, test_ss, bases, shrink = [], [], [], [], [], []
        for f in range(self.n_folds):
            test = samples[self._test(bounds, f)]
            train = samples if self.n_folds == 1 else np.delete(samples, self._test(bounds, f), 0)
            mean = train.mean(axis=0)
            train_c = train - mean
            lam, vecs = np.linalg.eigh(train_c.T @ train_c)
            if lam[-1] <= 0:
                raise PreparationError(f"fold {f}: training activity has zero variance")
            keep = lam > _EIG_TOL * lam[-1]
            scatter = float(np.sum(train_c**2))  # tr(X_cᵀX_c)
            if self.relative_alpha:
                alpha = self.alpha * scatter / p
            else:
                alpha = float(np.ldexp(self.alpha, -2 * exponent))
            test_c = test - mean
            means.append(mean)
            sums.append(test.sum(axis=0))
            if keep_grams:
                grams.append(test_c.T @ test_c)
            test_ss.append(float(np.sum(test_c**2)))
            bases.append(np.ascontiguousarray(vecs[:, keep]))
            shrink.append(1.0 / (lam[keep] + alpha))
        return PreparedPredictivity(
            samples=samples,
            bounds=bounds,
            train_means=np.stack(means),
            test_sums=np.stack(sums),
            test_grams=np.stack(grams) if keep_grams else None,
            test_ss=np.asarray(test_ss),
            bases=tuple(bases),
            shrink=tuple(shrink),
            sst=sst,
            shape=(n_trials, n_time),
        )

    def _test(self, bounds: np.ndarray, f: int) -> slice:
        return slice(int(bounds[f]), int(bounds[f + 1]))

    def r2(self, a: PreparedPredictivity, b: PreparedPredictivity) -> float:
        """Cross-validated R² of b's activity predicted from a's.

        Per fold, with centred test blocks X̃ = X_te − x̄_f, Ỹ = Y_te − ȳ_f and the ridge
        weights W_f, the test error is ‖Ỹ‖² − 2⟨W_f, X̃ᵀỸ⟩ + ⟨W_f, X̃ᵀX̃ W_f⟩: the only
        n-sized work per pair is the blocks' cross-products X_teᵀY_te (one pass over the data).
        """
        if a.shape != b.shape:
            raise ValueError(
                f"trial × time shapes differ: {a.shape} vs {b.shape} (samples must correspond)"
            )
        x, y = a.samples, b.samples
        n = x.shape[0]
        blocks = [
            x[self._test(a.bounds, f)].T @ y[self._test(a.bounds, f)] for f in range(self.n_folds)
        ]
        total = sum(blocks)  # Σ over all samples of x yᵀ
        sse = 0.0
        for f, block in enumerate(blocks):
            x_mean, y_mean = a.train_means[f], b.train_means[f]
            x_sum, y_sum = a.test_sums[f], b.test_sums[f]
            n_test = int(a.bounds[f + 1] - a.bounds[f])
            n_train, train_cross = (n, total) if self.n_folds == 1 else (n - n_test, total - block)
            # X_cᵀY_c of the centred training data, and X̃ᵀỸ of the centred test block.
            train_c = train_cross - n_train * np.outer(x_mean, y_mean)
            test_c = (
                block
                - np.outer(x_mean, y_sum)
                - np.outer(x_sum, y_mean)
                + n_test * np.outer(x_mean, y_mean)
            )
            basis = a.bases[f]
            weights = basis @ (a.shrink[f][:, None] * (basis.T @ train_c))
            if a.test_grams is not None:
                fitted = float(np.sum(weights * (a.test_grams[f] @ weights)))
            else:
                test = self._test(a.bounds, f)
                fitted = float(np.sum(((x[test] - x_mean) @ weights) ** 2))
            sse += b.test_ss[f] - 2.0 * float(np.sum(weights * test_c)) + fitted
        return 1.0 - sse / b.sst

    def compare(self, a: PreparedPredictivity, b: PreparedPredictivity) -> float:
        return float(max(1.0 - self.r2(a, b), 0.0))


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not (np.isfinite(alpha) and alpha >= 0.0):
        raise ValueError(f"alpha must be a finite number ≥ 0, got {alpha}")
    return alpha


def _check_n_folds(n_folds: int) -> int:
    if isinstance(n_folds, bool) or int(n_folds) != n_folds or int(n_folds) < 1:
        raise ValueError(f"n_folds must be an integer ≥ 1, got {n_folds!r}")
    return int(n_folds)
