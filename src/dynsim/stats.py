"""Group statistics for distances: descriptive summaries with bootstrap confidence intervals,
tests between groups and Benjamini–Hochberg correction.

One module for every analysis that states a difference (the experiment summary, the figures,
the Guilhot et al. 2024 reproduction). The tests themselves are scipy's
(:func:`scipy.stats.bootstrap`, :func:`scipy.stats.permutation_test`,
:func:`scipy.stats.ttest_ind`, :func:`scipy.stats.false_discovery_control`); this module only
decides what is resampled and lays the answers out as tables.

A caveat the caller must own: the entries of a distance matrix are not independent (every
pair shares its networks with other pairs). Pass one value per independent unit where the
question allows it (e.g. each network's distance to a reference network, or per-seed means);
:func:`describe` and :func:`compare_groups` treat every value they are given as independent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

GroupTest = Literal["permutation", "welch", "student"]

#: Columns of :func:`describe`'s table.
DESCRIBE_COLUMNS = ("group", "n", "mean", "median", "std", "ci_low", "ci_high")
#: Columns of :func:`compare_groups`'s table.
COMPARE_COLUMNS = (
    "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "difference", "statistic", "p",
    "p_bh",
)


def _finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    return array[np.isfinite(array)]


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_resamples: int = 9999,
    method: Literal["BCa", "percentile", "basic"] = "BCa",
    seed: int = 0,
) -> tuple[float, float]:
    """Bootstrap confidence interval of the mean of ``values`` (NaN/inf dropped).

    ``scipy.stats.bootstrap`` with the given ``method`` (bias-corrected and accelerated by
    default; Efron & Tibshirani 1993, ch. 14). Deterministic for a given ``seed``.

    Returns ``(low, high)``; ``(nan, nan)`` when fewer than two finite values exist or all are
    equal (no spread to resample: BCa is undefined there), which callers print as "n < 2" or
    "no spread" rather than a bare NaN. Raises ``ValueError`` if ``confidence`` is not in (0, 1).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    data = _finite(values)
    if data.size < 2 or np.ptp(data) == 0.0:
        return (float("nan"), float("nan"))
    result = sps.bootstrap(
        (data,),
        np.mean,
        confidence_level=confidence,
        n_resamples=n_resamples,
        method=method,
        random_state=np.random.default_rng(seed),
    )
    return (float(result.confidence_interval.low), float(result.confidence_interval.high))


def describe(
    groups: Mapping[str, Sequence[float] | np.ndarray],
    *,
    confidence: float = 0.95,
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per group: n (finite values), mean, median, sample standard deviation (ddof 1)
    and the bootstrap CI of the mean (:func:`bootstrap_ci`). Columns :data:`DESCRIBE_COLUMNS`;
    statistics undefined for a group (n = 0, or std/CI with n < 2) are NaN."""
    rows = []
    for name, values in groups.items():
        data = _finite(values)
        low, high = bootstrap_ci(data, confidence=confidence, n_resamples=n_resamples, seed=seed)
        rows.append(
            {
                "group": name,
                "n": int(data.size),
                "mean": float(data.mean()) if data.size else float("nan"),
                "median": float(np.median(data)) if data.size else float("nan"),
                "std": float(data.std(ddof=1)) if data.size > 1 else float("nan"),
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows, columns=list(DESCRIBE_COLUMNS))


def _mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


def two_sample_test(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    test: GroupTest = "permutation",
    n_resamples: int = 9999,
    seed: int = 0,
) -> tuple[float, float]:
    """Two-sided test of equal means between two independent samples (NaN/inf dropped).

    ``test``: ``"permutation"`` — difference of means under label permutations
    (``scipy.stats.permutation_test``, exact when the number of distinct relabellings is at
    most ``n_resamples``); ``"welch"`` — Welch's unequal-variance t-test; ``"student"`` — the
    pooled-variance two-sample t-test (``scipy.stats.ttest_ind``; what Guilhot et al. 2024
    report).

    Returns ``(statistic, p)``: the difference of means (permutation) or t, and the two-sided
    p-value; ``(nan, nan)`` when either sample has fewer than two finite values.
    Raises ``ValueError`` for an unknown ``test``.
    """
    if test not in ("permutation", "welch", "student"):
        raise ValueError(f"test must be 'permutation', 'welch' or 'student', got {test!r}")
    x, y = _finite(a), _finite(b)
    if x.size < 2 or y.size < 2:
        return (float("nan"), float("nan"))
    if test == "permutation":
        result = sps.permutation_test(
            (x, y),
            _mean_difference,
            permutation_type="independent",
            alternative="two-sided",
            n_resamples=n_resamples,
            vectorized=True,
            random_state=np.random.default_rng(seed),
        )
        return (float(result.statistic), float(result.pvalue))
    result = sps.ttest_ind(x, y, equal_var=test == "student")
    return (float(result.statistic), float(result.pvalue))


def bh_adjust(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (false discovery rate; Benjamini & Hochberg 1995),
    by ``scipy.stats.false_discovery_control(method="bh")``. NaN entries (tests that could not
    be run) stay NaN and do not count towards the number of tests. Shape as given."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        adjusted[ok] = sps.false_discovery_control(p[ok], method="bh")
    return adjusted


def compare_groups(
    groups: Mapping[str, Sequence[float] | np.ndarray],
    *,
    pairs: Sequence[tuple[str, str]] | None = None,
    test: GroupTest = "permutation",
    n_resamples: int = 9999,
    seed: int = 0,
) -> pd.DataFrame:
    """Test every pair of groups (or the given ``pairs``) for a difference of means and correct
    the p-values of the whole family together by Benjamini–Hochberg (:func:`bh_adjust`).

    Returns a table with columns :data:`COMPARE_COLUMNS` (``difference`` = mean_a − mean_b;
    ``statistic`` as :func:`two_sample_test` returns it). Raises ``KeyError`` naming a group
    in ``pairs`` that ``groups`` lacks.
    """
    names = list(groups)
    chosen = list(pairs) if pairs is not None else list(combinations(names, 2))
    rows = []
    for name_a, name_b in chosen:
        for name in (name_a, name_b):
            if name not in groups:
                raise KeyError(f"no group named {name!r}; groups: {names}")
        x, y = _finite(groups[name_a]), _finite(groups[name_b])
        statistic, p = two_sample_test(x, y, test=test, n_resamples=n_resamples, seed=seed)
        mean_a = float(x.mean()) if x.size else float("nan")
        mean_b = float(y.mean()) if y.size else float("nan")
        rows.append(
            {
                "group_a": name_a, "group_b": name_b, "n_a": int(x.size), "n_b": int(y.size),
                "mean_a": mean_a, "mean_b": mean_b, "difference": mean_a - mean_b,
                "statistic": statistic, "p": p,
            }
        )
    table = pd.DataFrame(rows, columns=list(COMPARE_COLUMNS[:-1]))
    table["p_bh"] = bh_adjust(table["p"].to_numpy()) if len(table) else []
    return table


def same_different_masks(
    labels: Sequence[object] | np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (n, n) masks of the pairs (i, j), i ≠ j, whose networks share ``labels`` (same)
    and whose networks differ (different), restricted to ``valid`` (e.g. finite entries of
    the upper triangle)."""
    lab = np.asarray(labels)
    same = lab[:, None] == lab[None, :]
    off = ~np.eye(lab.size, dtype=bool)
    return valid & same & off, valid & ~same & off


def label_permutation_test(
    distance: np.ndarray,
    labels: Sequence[object] | np.ndarray,
    *,
    valid: np.ndarray | None = None,
    n_resamples: int = 9999,
    seed: int = 0,
) -> tuple[float, float]:
    """Do pairs of networks that differ in a factor lie further apart than pairs that share
    it? A permutation test on a distance matrix that permutes the networks' labels, not the
    pairs (a Mantel-type test, Mantel 1967; as rsatoolbox and netrep resample conditions or
    networks): the entries of a distance matrix are not independent, the networks are the
    exchangeable units under the null hypothesis that the factor does not matter.

    distance : (n, n) distances between n networks (rows and columns the same networks).
    labels : the n networks' levels of the factor.
    valid : (n, n) pairs that count (default: finite off-diagonal entries of the upper
        triangle, i.e. each unordered pair once for a symmetric matrix).

    Statistic: mean distance over *different* pairs − mean over *same* pairs (> 0: the factor
    separates networks); two-sided p by ``scipy.stats.permutation_test`` with
    ``permutation_type="pairings"`` on the labels (exact when n! ≤ ``n_resamples``).
    Returns ``(statistic, p)``; ``(nan, nan)`` when there is no same or no different pair.
    Raises ``ValueError`` when the shapes disagree.
    """
    d = np.asarray(distance, dtype=float)
    lab = np.asarray(labels)
    if d.ndim != 2 or d.shape[0] != d.shape[1] or d.shape[0] != lab.size:
        raise ValueError(f"distance {d.shape} must be (n, n) for {lab.size} labels")
    if valid is None:
        valid = np.triu(np.isfinite(d), k=1)

    def difference(permuted: np.ndarray) -> float:
        same, different = same_different_masks(permuted, valid)
        return float(d[different].mean() - d[same].mean())

    same, different = same_different_masks(lab, valid)
    if not same.any() or not different.any():
        return (float("nan"), float("nan"))
    # Integer codes: permutation_test needs a numeric array to permute.
    _, codes = np.unique(lab.astype(str), return_inverse=True)
    result = sps.permutation_test(
        (codes,),
        difference,
        permutation_type="pairings",
        alternative="two-sided",
        n_resamples=n_resamples,
        vectorized=False,
        random_state=np.random.default_rng(seed),
    )
    return (float(result.statistic), float(result.pvalue))


def per_unit_means(distance: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each network's mean distance to its partners in ``mask`` (rows and columns both, so a
    pair kept in one triangle counts for both of its networks); networks without a partner
    are left out. One value per network: the unit :func:`bootstrap_ci` resamples when a CI
    is claimed over networks (seeds) rather than over the non-independent pairs."""
    d = np.asarray(distance, dtype=float)
    both = mask | mask.T
    counts = both.sum(axis=1)
    sums = np.where(both, d, 0.0).sum(axis=1)
    keep = counts > 0
    return sums[keep] / counts[keep]
