"""dynsim.stats against independent implementations (statsmodels, scipy, closed forms)."""

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from dynsim import stats


def test_bh_adjust_equals_statsmodels_and_keeps_nan():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.2, size=17)
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(stats.bh_adjust(p), expected, rtol=0, atol=1e-15)
    with_nan = np.concatenate([p[:5], [np.nan], p[5:]])
    adjusted = stats.bh_adjust(with_nan)
    assert np.isnan(adjusted[5])
    np.testing.assert_allclose(np.delete(adjusted, 5), expected, atol=1e-15)


def test_student_and_welch_equal_scipy_and_statsmodels():
    from statsmodels.stats.weightstats import ttest_ind

    a = [0.61, 0.7, 0.55, 0.68, 0.59, 0.64]
    b = [0.43, 0.36, 0.5, 0.41, 0.39]
    t, p = stats.two_sample_test(a, b, test="student")
    t_sm, p_sm, _ = ttest_ind(a, b, usevar="pooled")
    assert t == pytest.approx(t_sm, rel=1e-12) and p == pytest.approx(p_sm, rel=1e-10)
    t, p = stats.two_sample_test(a, b, test="welch")
    t_sm, p_sm, _ = ttest_ind(a, b, usevar="unequal")
    assert t == pytest.approx(t_sm, rel=1e-12) and p == pytest.approx(p_sm, rel=1e-10)


def test_permutation_exact_for_small_groups():
    # 3 vs 3: C(6,3) = 20 relabellings; the observed split is the most extreme one in both
    # directions, so the exact two-sided p is 2/20.
    diff, p = stats.two_sample_test([1.0, 2.0, 3.0], [10.0, 11.0, 12.0], test="permutation")
    assert diff == pytest.approx(-9.0)
    assert p == pytest.approx(0.1, abs=1e-12)


def test_bootstrap_ci_matches_scipy_and_covers_mean():
    rng = np.random.default_rng(1)
    x = rng.normal(0.4, 0.05, size=30)
    low, high = stats.bootstrap_ci(x, seed=3)
    ref = sps.bootstrap((x,), np.mean, random_state=np.random.default_rng(3)).confidence_interval
    assert (low, high) == pytest.approx((ref.low, ref.high), rel=1e-12)
    assert low < x.mean() < high
    assert np.isnan(stats.bootstrap_ci([0.3])).all()
    assert np.isnan(stats.bootstrap_ci([0.3, 0.3, 0.3])).all()


def test_compare_groups_table_and_family_correction():
    groups = {"untrained": [0.6, 0.65, 0.7, 0.62], "partial": [0.3, 0.32, 0.35, 0.31],
              "full": [0.29, 0.3, 0.28, 0.33]}
    table = stats.compare_groups(groups, test="student")
    assert list(table.columns) == list(stats.COMPARE_COLUMNS)
    assert len(table) == 3
    np.testing.assert_allclose(table["p_bh"], multipletests(table["p"], method="fdr_bh")[1])
    row = table.iloc[0]
    assert (row.group_a, row.group_b, row.n_a, row.n_b) == ("untrained", "partial", 4, 4)
    assert row.difference == pytest.approx(np.mean(groups["untrained"]) - 0.32)
    with pytest.raises(KeyError, match="nope"):
        stats.compare_groups(groups, pairs=[("untrained", "nope")])


def test_describe_counts_finite_values_only():
    table = stats.describe({"a": [1.0, 2.0, np.nan, 3.0], "b": [5.0]})
    a, b = table.iloc[0], table.iloc[1]
    assert (a.n, a["mean"], a["median"], a["std"]) == (3, 2.0, 2.0, 1.0)
    assert b.n == 1 and np.isnan(b["std"]) and np.isnan(b.ci_low)
