"""Declared metric parameters: one declaration drives the constructor, the attributes, the
recorded attrs and the listing; renamed keywords still work with a FutureWarning; importing
the metrics (and computing CKA) does not load torch."""

from __future__ import annotations

import inspect
import subprocess
import sys
import warnings

import numpy as np
import pytest

import dynsim.metrics as dm
from dynsim.metrics.base import SCORE_METHODS, Param, similarity_to_distance
from dynsim.metrics.dsa import fit_havok


def activity(seed: int, trials: int = 6, steps: int = 30, units: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(trials, steps, units)).cumsum(axis=1)


# ------------------------------------------------------------------------ one declaration


@pytest.mark.parametrize("name", dm.available())
def test_one_declaration_drives_signature_attributes_and_attrs(name: str) -> None:
    metric = dm.get(name)
    declared = type(metric).parameters()
    assert all(isinstance(p, Param) for p in declared.values())
    assert list(inspect.signature(type(metric)).parameters) == list(declared)
    assert list(metric.params) == list(declared)
    assert {k: v for k, v in metric.attrs().items() if k != "metric"}.keys() == declared.keys()
    for key in declared:
        assert metric.params[key] == getattr(metric, key)
    assert repr(metric).startswith(f"{type(metric).__name__}(")


def test_constructor_checks_keywords_positionals_and_assignment() -> None:
    assert dm.get("procrustes").params == {"score_method": "angular", "center": True}
    assert dm.Procrustes("euclidean", False).params == {
        "score_method": "euclidean",
        "center": False,
    }
    with pytest.raises(TypeError, match="unexpected keyword"):
        dm.get("cka", nope=1)
    with pytest.raises(TypeError, match="at most 1 positional"):
        dm.CKA("angular", "extra")
    with pytest.raises(TypeError, match="multiple values"):
        dm.Procrustes("angular", score_method="euclidean")
    metric = dm.get("dsa", rank=4)
    with pytest.raises(ValueError, match="n_starts"):
        metric.n_starts = 0  # assignment runs the same check as the constructor
    metric.n_starts = 8
    assert metric.attrs()["n_starts"] == 8  # attrs read the attributes: one source


def test_listing_names_parameters_and_their_choices() -> None:
    described = {k: p.describe() for k, p in dm.RSA.parameters().items()}
    assert described["compare_method"] == (
        "compare_method='spearman' (pearson | spearman | rho_a | tau_a | cosine)"
    )
    assert described["score_method"] == "score_method='angular' (angular | one_minus)"


# ------------------------------------------------------------------------ renamed keywords

RENAMED = [
    ("procrustes", {"score": "euclidean"}, {"score_method": "euclidean"}, "score_method"),
    ("cka", {"score": "one_minus"}, {"score_method": "one_minus"}, "score_method"),
    (
        "shape",
        {"alpha": 0.5, "score": "euclidean"},
        {"alpha": 0.5, "score_method": "euclidean"},
        "score_method",
    ),
    ("svcca", {"score": "one_minus"}, {"score_method": "one_minus"}, "score_method"),
    ("rsa", {"compare": "pearson"}, {"compare_method": "pearson"}, "compare_method"),
    ("rsa", {"score": "one_minus"}, {"score_method": "one_minus"}, "score_method"),
    (
        "dsa",
        {"rank": 3, "n_delays": 3, "score": "euclidean", "n_starts": 4, "device": "cpu"},
        {"rank": 3, "n_delays": 3, "score_method": "euclidean", "n_starts": 4, "device": "cpu"},
        "score_method",
    ),
    (
        "dsa",
        {"rank": 3, "n_delays": 3, "lam": 0.1, "n_starts": 4, "device": "cpu"},
        {"rank": 3, "n_delays": 3, "ridge": 0.1, "n_starts": 4, "device": "cpu"},
        "ridge",
    ),
    ("dsa_wasserstein", {"rank": 3, "lam": 0.1}, {"rank": 3, "ridge": 0.1}, "ridge"),
]


@pytest.mark.parametrize(("name", "old", "new", "new_key"), RENAMED)
def test_old_keyword_warns_naming_the_new_one_and_gives_the_same_value(
    name: str, old: dict, new: dict, new_key: str
) -> None:
    with pytest.warns(FutureWarning, match=f"use '{new_key}'") as record:
        via_old = dm.get(name, **old)
    assert record[0].filename == __file__  # points at the caller, not at dynsim.metrics
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        via_new = dm.get(name, **new)
    assert via_old.params == via_new.params
    assert via_old.attrs() == via_new.attrs()
    X, Y = activity(0), activity(1)
    a, b = via_new.prepare(X), via_new.prepare(Y)
    assert via_old.compare(a, b) == via_new.compare(a, b)
    if getattr(via_new, "ridge", 1.0) > 0:
        # A HAVOK fit without ridge solves by torch.linalg.lstsq (LAPACK gelsy), whose MKL
        # result can differ in the last bit from call to call, so only compare() is exact.
        assert via_old.score(X, Y) == via_new.score(X, Y)


def test_old_and_new_keyword_together_is_an_error() -> None:
    with pytest.raises(TypeError, match="give 'score_method' only"):
        dm.get("cka", score="angular", score_method="angular")


def test_fit_havok_lam_is_the_ridge() -> None:
    traj = activity(2)
    with pytest.warns(FutureWarning, match="ridge="):
        old = fit_havok(traj, n_delays=3, rank=4, lam=0.2)
    new = fit_havok(traj, n_delays=3, rank=4, ridge=0.2)
    np.testing.assert_array_equal(old.operator, new.operator)


# ------------------------------------------------------------------ the distance rules


def test_similarity_to_distance_rules() -> None:
    s = np.array([-1.5, -1.0, -0.3, 0.0, 0.4, 1.0, 1.2])
    c = np.clip(s, -1.0, 1.0)
    np.testing.assert_array_equal(similarity_to_distance(s, "angular"), np.arccos(c))
    np.testing.assert_array_equal(similarity_to_distance(s, "one_minus"), 1.0 - c)
    np.testing.assert_array_equal(
        similarity_to_distance(s, "euclidean"), np.sqrt(np.maximum(2.0 - 2.0 * c, 0.0))
    )
    assert set(SCORE_METHODS) == {"angular", "one_minus", "euclidean"}
    with pytest.raises(ValueError, match="score_method"):
        similarity_to_distance(0.5, "cosine")


@pytest.mark.parametrize("name", ["procrustes", "shape"])
def test_euclidean_rule_is_the_chord_of_the_angle(name: str) -> None:
    X, Y = activity(3), activity(4)
    theta = dm.get(name).score(X, Y)
    assert dm.get(name, score_method="euclidean").score(X, Y) == pytest.approx(
        np.sqrt(2 - 2 * np.cos(theta)), abs=1e-12
    )


# ------------------------------------------------------------------------- torch-free


@pytest.mark.parametrize(
    "code",
    [
        "import dynsim.metrics, sys; assert 'torch' not in sys.modules",
        "import numpy as np, dynsim.metrics as m, sys; "
        "X = np.random.default_rng(0).normal(size=(8, 20, 5)); "
        "m.get('cka').score(X, X[..., ::-1]); assert 'torch' not in sys.modules",
        "import dynsim.metrics as m, sys; m.get('dsa', rank=3); m.DSA.parameters(); "
        "assert 'torch' not in sys.modules",
    ],
)
def test_metrics_import_and_cka_do_not_load_torch(code: str) -> None:
    # A fresh interpreter: this test process has imported torch through other tests.
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_dsa_still_exports_the_optimiser() -> None:
    from dynsim.metrics.dsa import Alignment, align_operators, resolve_device
    from dynsim.metrics.dsa.align import align_operators as direct

    assert align_operators is direct
    assert Alignment.__name__ == "Alignment" and callable(resolve_device)
