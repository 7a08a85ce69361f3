"""Numerical robustness of the metrics (issue 13, items 4, 5 and 13).

* Scale: every metric that declares ``isotropic_scale`` gives the same distance for activity
  at any finite scale (1e-150 … 1e150), because it normalises before squaring anything.
* Bad inputs fail in ``prepare`` with a :class:`PreparationError` naming the reason, never an
  OverflowError or a raw NumPy error.
* RSA ties: equal RDMs give exactly 0.
* Trials of different lengths: DSA and DSA-Wasserstein accept them; metrics that need matched
  samples refuse, naming the lengths.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dynsim.metrics as dm
from dynsim.metrics.base import PreparationError, power_of_two_scaled

# Every scale-invariant configuration (params as given to dm.get).
SCALE_FREE: list[tuple[str, dict[str, Any]]] = [
    ("cka", {}),
    ("cka_debiased", {}),
    ("procrustes", {}),
    ("procrustes", {"center": False}),
    ("rsa", {}),
    ("rsa", {"compare_method": "pearson", "rdm": "sqeuclidean"}),
    ("rsa", {"compare_method": "cosine", "rdm": "correlation"}),
    ("rsa", {"compare_method": "tau_a", "rdm_over": "trial_mean"}),
    ("cca", {}),
    ("svcca", {}),
    ("shape", {}),
    ("shape", {"alpha": 0.0}),
    ("shape", {"alpha": 0.5}),
    ("linear_predictivity", {}),
    ("linear_predictivity", {"alpha": 0.0}),
    ("dsa", {"device": "cpu", "n_delays": 3, "rank": 6}),
    ("dsa_wasserstein", {"n_delays": 3, "rank": 6}),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'default'}" for n, p in SCALE_FREE]


def related(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two networks (8 trials × 12 steps) sharing structure: distances well inside (0, π/2)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(8, 12, 5))
    Y = np.tanh(X @ rng.normal(size=(5, 6))) + 0.5 * rng.normal(size=(8, 12, 6))
    return X, Y


def test_scale_free_list_covers_every_scale_invariant_metric() -> None:
    declared = {n for n in dm.available() if "isotropic_scale" in dm.get(n).invariances}
    assert declared == {n for n, _ in SCALE_FREE}


@pytest.mark.parametrize(("name", "params"), SCALE_FREE, ids=IDS)
def test_issue_scales(name: str, params: dict[str, Any]) -> None:
    """The issue's cases: cka(X, 1e76·X) was π/2, at 1e160 Procrustes π/2, RSA NaN, CCA
    "zero variance", cka_debiased an OverflowError. Now all equal the unscaled values."""
    metric = dm.get(name, **params)
    X, Y = related(0)
    self_d, d = metric.score(X, X), metric.score(X, Y)
    for scale in (1e76, 1e80, 1e160, 1e-160, 1e300, 1e-300):
        assert metric.score(X, scale * X) == pytest.approx(self_d, abs=1e-6)
        assert metric.score(scale * X, Y) == pytest.approx(d, abs=1e-7)


@pytest.mark.parametrize(("name", "params"), SCALE_FREE, ids=IDS)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exponent=st.floats(-150, 150),
    mantissa=st.floats(1.0, 10.0),
    seed=st.integers(0, 2**31 - 1),
    which=st.sampled_from(["first", "second", "both"]),
)
def test_any_finite_scale(
    name: str, params: dict[str, Any], exponent: float, mantissa: float, seed: int, which: str
) -> None:
    """score(X, c·X) == score(X, X) and score(X, Y) is unchanged by scaling either input,
    for c = mantissa · 10^exponent, exponent in [−150, 150]."""
    metric = dm.get(name, **params)
    c = mantissa * 10.0**exponent
    X, Y = related(seed % 1000)
    assert metric.score(X, c * X) == pytest.approx(metric.score(X, X), abs=1e-6)
    d = metric.score(X, Y)
    Xc = c * X if which in ("first", "both") else X
    Yc = c * Y if which in ("second", "both") else Y
    assert metric.score(Xc, Yc) == pytest.approx(d, abs=1e-7)


def test_power_of_two_scaling_is_exact_and_bounded() -> None:
    x = np.random.default_rng(0).normal(size=(4, 5)) * 1e200
    scaled, e = power_of_two_scaled(x)
    assert 0.5 <= np.abs(scaled).max() < 1.0
    np.testing.assert_array_equal(np.ldexp(scaled, e), x)
    zeros = np.zeros(3)
    assert power_of_two_scaled(zeros)[1] == 0


@pytest.mark.parametrize("name", ["cka", "cka_debiased", "procrustes", "rsa", "cca", "shape"])
def test_power_of_two_scaling_changes_no_bit(name: str) -> None:
    """Normalising by a power of two is exact: a network scaled by 2^40 gives the same bits."""
    X, Y = related(1)
    metric = dm.get(name)
    assert metric.score(X, Y) == metric.score(X * 2.0**40, Y * 2.0**-40)


def test_one_huge_network_does_not_lose_the_matrix() -> None:
    """Issue 13.4: a network at 1e80 made cka_debiased raise OverflowError for the whole
    matrix; now its distances equal those of the unscaled network."""
    X, Y = related(2)
    Z = related(3)[1]
    plain = dm.pairwise({"x": X, "y": Y, "z": Z}, "cka_debiased")
    huge = dm.pairwise({"x": 1e80 * X, "y": Y, "z": Z}, "cka_debiased")
    assert (huge["status"].values == "").all()
    np.testing.assert_allclose(huge.values, plain.values, atol=1e-7)


# ------------------------------------------------------------------------------ bad inputs


def _with(value: float) -> np.ndarray:
    X = related(4)[0].copy()
    X[2, 3, 1] = value
    return X


BAD_INPUTS = {
    "nan": (_with(np.nan), "non-finite"),
    "inf": (_with(np.inf), "non-finite"),
    "-inf": (_with(-np.inf), "non-finite"),
    "zeros": (np.zeros((8, 12, 5)), "zero|constant|same activity"),
    "empty": (np.zeros((0, 12, 5)), "empty"),
    "one sample": (np.ones((1, 1, 5)), "zero variance|at least|same activity|too few|time steps"),
    "4-d": (np.ones((2, 8, 12, 5)), r"\(trial, time, unit\)"),
}
NOT_CONSTANT_FOR = {"dsa", "dsa_wasserstein"}  # a constant non-zero signal is a fixed point


@pytest.mark.parametrize("bad", list(BAD_INPUTS))
@pytest.mark.parametrize("name", dm.available())
def test_bad_input_is_a_preparation_error_with_its_reason(name: str, bad: str) -> None:
    X, reason = BAD_INPUTS[bad]
    metric = dm.get(name, **({"device": "cpu"} if name == "dsa" else {}))
    with pytest.raises(PreparationError, match=reason):
        metric.prepare(X)


@pytest.mark.parametrize("value", [1.0, 1 / 3, 1e200])
@pytest.mark.parametrize("name", sorted(set(dm.available()) - NOT_CONSTANT_FOR))
def test_constant_activity_is_refused_at_any_magnitude(name: str, value: float) -> None:
    with pytest.raises(PreparationError, match="zero variance|constant|same activity"):
        dm.get(name).prepare(np.full((8, 12, 5), value))


# -------------------------------------------------------------------------------- RSA ties


def test_rsa_equal_rdms_with_ties_give_exactly_zero() -> None:
    """Issue 13.5: 3 conditions each repeated twice (identical trials), offset +5:
    rsa.score(X, X + 1) was 0.075–0.115 rad though the RDMs are equal."""
    base = np.random.default_rng(0).normal(size=(3, 10, 4))
    X = np.repeat(base, 2, axis=0) + 5.0
    assert X.shape == (6, 10, 4)
    assert dm.get("rsa").score(X, X + 1) == 0.0
    matrix = dm.pairwise({"x": X, "x+1": X + 1}, "rsa")
    assert float(matrix.sel(model_a="x", model_b="x+1")) == 0.0
    for rdm in ("euclidean", "sqeuclidean", "correlation"):
        for method in ("spearman", "pearson", "cosine"):
            metric = dm.get("rsa", rdm=rdm, compare_method=method)
            # Rank methods see exactly equal RDMs; pearson/cosine on the correlation RDM see
            # RDMs equal to rounding, where arccos near 1 resolves only ~1e-8.
            assert metric.score(X, X + 1) == pytest.approx(0.0, abs=3e-8)
        assert dm.get("rsa", rdm=rdm).score(X, X + 1) == 0.0


def test_rsa_identical_patterns_give_exact_zero_dissimilarity() -> None:
    base = np.random.default_rng(1).normal(size=(3, 10, 4))
    X = np.repeat(base, 2, axis=0) + 5.0
    for rdm in ("euclidean", "sqeuclidean", "correlation"):
        full = dm.get("rsa", rdm=rdm).rdm_vector(X)
        # pairs (0,1), (2,3), (4,5) of the upper triangle are identical trials
        tri = list(zip(*np.triu_indices(6, 1), strict=True))
        for pair in ((0, 1), (2, 3), (4, 5)):
            assert full[tri.index(pair)] == 0.0


# ----------------------------------------------------------------------- ragged trials (13)


def _ragged_linear_system(seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """Trials of 40, 55 and 48 steps of a noise-free 4-D linear system x_{t+1} = A x_t."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(4, 4))
    A *= 0.95 / np.max(np.abs(np.linalg.eigvals(A)))
    trials = []
    for n in (40, 55, 48):
        x = np.empty((n, 4))
        x[0] = rng.normal(size=4)
        for t in range(1, n):
            x[t] = A @ x[t - 1]
        trials.append(x)
    return trials, A


def test_dsa_fits_ragged_trials_within_each_trial() -> None:
    """With one-step pairs inside each trial the noise-free system is recovered exactly (a
    pair straddling two trials would not fit it)."""
    trials, A = _ragged_linear_system()
    prep = dm.get("dsa", n_delays=1, rank=4, device="cpu").prepare(trials)
    expected = np.linalg.eigvals(A)
    expected = expected[np.lexsort((-expected.imag, -expected.real, -np.abs(expected)))]
    np.testing.assert_allclose(prep.eigenvalues, expected, atol=1e-9)


@pytest.mark.parametrize("name", ["dsa", "dsa_wasserstein"])
def test_dsa_accepts_ragged_trials(name: str) -> None:
    rng = np.random.default_rng(1)
    trials = [np.tanh(rng.normal(size=(n, 5)).cumsum(0) * 0.2) for n in (40, 55, 48)]
    Q = np.linalg.qr(rng.normal(size=(5, 5)))[0]
    metric = dm.get(name, **({"device": "cpu"} if name == "dsa" else {}))
    assert metric.score(trials, [t @ Q for t in trials]) == pytest.approx(0.0, abs=1e-6)
    assert metric.score(trials, [t[::-1] for t in trials]) > 1e-3
    # Equal lengths as a list give the same bits as the (trial, time, unit) array.
    same = [t[:40] for t in trials]
    np.testing.assert_array_equal(
        metric.prepare(same).operator, metric.prepare(np.stack(same)).operator
    )
    matrix = dm.pairwise({"a": trials, "b": [2 * t for t in trials]}, metric)
    assert (matrix["status"].values == "").all()


def test_ragged_trials_too_short_or_with_other_units_are_named() -> None:
    rng = np.random.default_rng(2)
    metric = dm.get("dsa", device="cpu")  # 10 delays: a trial needs at least 11 steps
    with pytest.raises(PreparationError, match="trial 1 has 6 time steps"):
        metric.prepare([rng.normal(size=(40, 3)), rng.normal(size=(6, 3))])
    with pytest.raises(PreparationError, match="different numbers of units"):
        metric.prepare([rng.normal(size=(40, 3)), rng.normal(size=(30, 4))])


@pytest.mark.parametrize("name", sorted(set(dm.available()) - {"dsa", "dsa_wasserstein"}))
def test_matched_sample_metrics_refuse_ragged_trials_naming_the_lengths(name: str) -> None:
    rng = np.random.default_rng(3)
    trials = [rng.normal(size=(n, 5)) for n in (40, 55, 48)]
    with pytest.raises(PreparationError, match=r"different lengths \(40, 55, 48 time steps\)"):
        dm.get(name).prepare(trials)


@pytest.mark.parametrize(
    ("name", "params"),
    [("cka", {}), ("procrustes", {}), ("procrustes", {"center": False}), ("shape", {})]
    + [("shape", {"alpha": 0.5}), ("rsa", {"compare_method": "pearson"})],
)
def test_identical_networks_are_exactly_zero_apart(name: str, params: dict[str, Any]) -> None:
    """The same kind as the RSA ties: a network compared with itself was 2e-8 to 5e-8 rad
    from itself (arccos of 1 − 1e-16), per pair and in a batch."""
    X = np.random.default_rng(5).normal(size=(8, 12, 5)) * 3 + 2
    metric = dm.get(name, **params)
    assert metric.score(X, X) == 0.0
    matrix = dm.pairwise({"a": X, "b": X.copy(), "c": X[::-1].copy()}, metric)
    assert float(matrix.sel(model_a="a", model_b="b")) == 0.0


# ------------------------------------------------------------- containment on the metric side


class _Fragile(dm.Metric):
    """A metric whose prepare and compare fail numerically on a marked network."""

    name = "fragile_test_metric"

    def prepare(self, X: Any) -> float:
        value = float(np.asarray(X).ravel()[0])
        if value == 2.0:
            raise OverflowError("(34, 'Numerical result out of range')")
        if value == 3.0:
            import torch

            torch.linalg.cholesky(-torch.eye(2, dtype=torch.float64))  # LinAlgError
        return value

    def compare(self, a: float, b: float) -> float:
        if 4.0 in (a, b):
            raise ZeroDivisionError("float division by zero")
        return abs(a - b)


def test_numerical_failures_become_reasons_not_lost_matrices() -> None:
    """Issue 13.4: a numerical exception in one network's prepare or one pair's compare is
    contained to that network's row / that pair, with a reason naming the metric."""
    metric = _Fragile()
    with pytest.raises(PreparationError, match=r"OverflowError in fragile_test_metric\.prepare: "):
        metric.prepare(np.full((1, 2, 2), 2.0))
    with pytest.raises(PreparationError, match=r"LinAlgError in fragile_test_metric\.prepare: "):
        metric.prepare(np.full((1, 2, 2), 3.0))
    with pytest.raises(ValueError, match=r"ZeroDivisionError in fragile_test_metric\.compare: "):
        metric.compare(1.0, 4.0)
    data = {k: np.full((1, 2, 2), v) for k, v in [("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0)]}
    matrix = dm.pairwise(data, metric, other={"e": np.full((1, 2, 2), 5.0)})
    status = dict(zip(matrix["model_a"].values, matrix["status"].values[:, 0], strict=True))
    assert float(matrix.sel(model_a="a", model_b="e")) == 4.0 and status["a"] == ""
    assert "OverflowError" in status["b"] and "LinAlgError" in status["c"]
    assert "ZeroDivisionError" in status["d"]


def test_bugs_are_not_swallowed() -> None:
    class Buggy(dm.Metric):
        name = "buggy_test_metric"

        def prepare(self, X: Any) -> Any:
            raise KeyError("a programming error")

    with pytest.raises(KeyError):
        Buggy().prepare(np.ones((1, 2, 2)))


def test_units_of_absolute_parameters_are_kept() -> None:
    """The power-of-two normalisation must not change what absolute parameters mean: DSA's
    rank_threshold and singular values stay in the data's units, and linear predictivity's
    absolute ridge (relative_alpha=False) in the predictor's."""
    from dynsim.metrics.dsa import fit_havok

    X, Y = related(6)
    c = 2.0**40
    base = fit_havok(X, n_delays=3, rank=None, rank_threshold=1.0)
    scaled = fit_havok(c * X, n_delays=3, rank=None, rank_threshold=c)
    assert base.rank == scaled.rank
    np.testing.assert_array_equal(scaled.singular_values, c * base.singular_values)
    np.testing.assert_array_equal(scaled.operator, base.operator)
    ridge = dm.get("linear_predictivity", relative_alpha=False, alpha=0.3)
    ridge_scaled = dm.get("linear_predictivity", relative_alpha=False, alpha=0.3 * c**2)
    assert ridge_scaled.score(c * X, Y) == ridge.score(X, Y)
    assert ridge.score(c * X, Y) != ridge.score(X, Y)  # an absolute ridge is not scale-free
