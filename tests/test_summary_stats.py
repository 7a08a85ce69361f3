"""Statistics in summary.md (issue 17): pair counts, spread, bootstrap CIs over networks,
label-permutation p-values and their Benjamini–Hochberg correction, checked against scipy and
statsmodels on a hand-built matrix; never a bare NaN."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from scipy import stats as sps

from dynsim.analysis import (
    N_RESAMPLES,
    experiment_summary,
    group_table,
    same_different_table,
)
from dynsim.store import atomic_write_zarr

multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests

TASKS = np.array(["a", "a", "a", "b", "b", "b"])
SEEDS = np.array([0, 1, 2, 0, 1, 2])
# Hand-built symmetric distances: within task a ≈ 0.1–0.3, within b ≈ 0.2–0.4, between ≈ 1.
D = np.array(
    [
        [0.0, 0.1, 0.2, 1.0, 1.1, 0.9],
        [0.1, 0.0, 0.3, 1.2, 1.0, 1.1],
        [0.2, 0.3, 0.0, 0.8, 1.3, 1.0],
        [1.0, 1.2, 0.8, 0.0, 0.4, 0.2],
        [1.1, 1.0, 1.3, 0.4, 0.0, 0.3],
        [0.9, 1.1, 1.0, 0.2, 0.3, 0.0],
    ]
)


def matrix(distance: np.ndarray, metric: str, **labels: np.ndarray) -> xr.Dataset:
    names = [f"net{i}" for i in range(distance.shape[0])]
    coords = {"model_a": names, "model_b": names}
    for factor, values in labels.items():
        coords[f"{factor}_a"] = ("model_a", values)
        coords[f"{factor}_b"] = ("model_b", values)
    status = np.full(distance.shape, "", dtype=object)
    return xr.Dataset(
        {
            "distance": (("model_a", "model_b"), distance),
            "status": (("model_a", "model_b"), status),
        },
        coords=coords,
        attrs={"metric": metric},
    )


def bca(values: np.ndarray) -> tuple[float, float]:
    res = sps.bootstrap(
        (values,),
        np.mean,
        n_resamples=N_RESAMPLES,
        method="BCa",
        random_state=np.random.default_rng(0),
    )
    return res.confidence_interval.low, res.confidence_interval.high


def label_test(distance: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The reference: scipy's permutation test permuting the networks' labels; statistic =
    mean(different pairs) − mean(same pairs) over the upper triangle."""
    upper = np.triu(np.ones(distance.shape, dtype=bool), k=1)

    def statistic(lab):
        same = lab[:, None] == lab[None, :]
        return distance[upper & ~same].mean() - distance[upper & same].mean()

    codes = np.unique(labels.astype(str), return_inverse=True)[1]
    res = sps.permutation_test(
        (codes,),
        statistic,
        permutation_type="pairings",
        n_resamples=N_RESAMPLES,
        vectorized=False,
        random_state=np.random.default_rng(0),
    )
    return res.statistic, res.pvalue


def row(text: str, *cells: str) -> list[str]:
    prefix = "| " + " | ".join(cells) + " |"
    line = next(line for line in text.splitlines() if line.startswith(prefix))
    return [c.strip() for c in line.strip("|").split("|")]


def test_same_different_counts_spread_ci_and_p_match_scipy():
    table = same_different_table(matrix(D, "m", task=TASKS, seed=SEEDS)).set_index("factor")
    task = table.loc["task"]
    upper = np.triu(np.ones((6, 6), dtype=bool), k=1)
    same = TASKS[:, None] == TASKS[None, :]
    # Counts by hand: 3 + 3 pairs within a task, 3 × 3 between.
    assert (task["n_same"], task["n_different"]) == (6, 9)
    assert task["mean_same"] == pytest.approx((0.1 + 0.2 + 0.3 + 0.4 + 0.2 + 0.3) / 6)
    assert task["std_same"] == pytest.approx(np.std(D[upper & same], ddof=1))
    assert task["mean_different"] == pytest.approx(D[~same].mean())
    # CI over networks: each network's mean distance to its same-task partners, resampled.
    per_network = np.array([(D[i, same[i]].sum()) / 2 for i in range(6)])
    assert (task["ci_low_same"], task["ci_high_same"]) == pytest.approx(bca(per_network))
    per_network_diff = np.array([D[i, ~same[i]].mean() for i in range(6)])
    assert (task["ci_low_different"], task["ci_high_different"]) == pytest.approx(
        bca(per_network_diff)
    )
    statistic, p = label_test(D, TASKS)
    assert task["difference"] == pytest.approx(statistic)
    assert task["p"] == pytest.approx(p)
    # 6!/(3!3!) = 20 distinct labellings, 2 of them the observed split (a↔b swapped): the
    # one-sided exact p is 2/20, and scipy's two-sided p twice the smaller one-sided: 0.2.
    assert task["p"] == pytest.approx(0.2)
    seed = table.loc["seed"]
    assert (seed["n_same"], seed["n_different"]) == (3, 12)
    assert seed["p"] == pytest.approx(label_test(D, SEEDS)[1])


def test_summary_prints_ci_and_bh_corrected_p_as_statsmodels(tmp_path):
    rng = np.random.default_rng(3)
    noisy = D + np.triu(rng.uniform(0, 0.2, size=D.shape), k=1)
    noisy = np.triu(noisy, k=1) + np.triu(noisy, k=1).T
    paths = [
        atomic_write_zarr(matrix(D, "m1", task=TASKS, seed=SEEDS), tmp_path / "m1.zarr"),
        atomic_write_zarr(matrix(noisy, "m2", task=TASKS, seed=SEEDS), tmp_path / "m2.zarr"),
    ]
    text = experiment_summary([], paths)
    raw = [label_test(D, TASKS)[1], label_test(D, SEEDS)[1]]
    raw += [label_test(noisy, TASKS)[1], label_test(noisy, SEEDS)[1]]
    expected = multipletests(raw, method="fdr_bh")[1]
    for (metric, factor), p, p_bh in zip(
        [("m1", "task"), ("m1", "seed"), ("m2", "task"), ("m2", "seed")],
        raw,
        expected,
        strict=True,
    ):
        cells = row(text, metric, factor)
        assert cells[5] == f"{p:.3f}"
        assert cells[6] == f"{p_bh:.3f}"
    same = TASKS[:, None] == TASKS[None, :]
    low, high = bca(np.array([D[i, same[i]].sum() / 2 for i in range(6)]))
    assert row(text, "m1", "task")[2] == (
        f"n = 6: {D[np.triu(same, 1)].mean():.3f} ± {np.std(D[np.triu(same, 1)], ddof=1):.3f}"
        f" [{low:.3f}, {high:.3f}]"
    )
    assert "nan" not in text.lower()

    # Per group: CI over the group's networks, tests between groups BH-corrected (statsmodels).
    groups = group_table(matrix(D, "m1", task=TASKS, seed=SEEDS))
    a = groups[(groups.factor == "task") & (groups.group == "a")].iloc[0]
    per_a = np.array([D[i, same[i]].sum() / 2 for i in range(3)])
    assert a["mean"] == pytest.approx(per_a.mean())
    assert (a["ci_low"], a["ci_high"]) == pytest.approx(bca(per_a))
    tests = groups.attrs["tests"]
    first = tests[(tests.factor == "task")].iloc[0]
    per_b = np.array([D[i, same[i]].sum() / 2 for i in range(3, 6)])
    reference = sps.permutation_test(
        (per_a, per_b),
        lambda x, y, axis: x.mean(axis) - y.mean(axis),
        n_resamples=N_RESAMPLES,
        vectorized=True,
        random_state=np.random.default_rng(0),
    )
    assert first["p"] == pytest.approx(reference.pvalue)
    lines = [line for line in text.splitlines() if " vs " in line]
    family = []
    for ds in (
        matrix(D, "m1", task=TASKS, seed=SEEDS),
        matrix(noisy, "m2", task=TASKS, seed=SEEDS),
    ):
        family += group_table(ds).attrs["tests"]["p"].tolist()
    bh = multipletests(family, method="fdr_bh")[1]
    assert [line.split("|")[-2].strip() for line in lines] == [f"{p:.3f}" for p in bh]


def test_one_network_per_level_and_single_pairs_say_why(tmp_path):
    """Three networks, one per task: no pair shares a task; seeds 0, 0, 1: one same pair."""
    d = np.array([[0.0, 0.5, 0.7], [0.5, 0.0, 0.6], [0.7, 0.6, 0.0]])
    ds = matrix(d, "m", task=np.array(["a", "b", "c"]), seed=np.array([0, 0, 1]))
    text = experiment_summary([], [atomic_write_zarr(ds, tmp_path / "m.zarr")])
    task = row(text, "m", "task")
    assert task[2] == "no pair (one network per level)"
    assert task[5] == "— (no pair shares the level: one network per level)"
    seed = row(text, "m", "seed")
    assert seed[2].startswith("n = 1: 0.500 (n = 1: no spread)")
    assert "nan" not in text.lower()
    assert "— (one network in this group: no pair)" in text


def _network(tmp_path, name: str, status: str, test: float, evaluation: float):
    spec = {"task": "pdm", "arch": "gru", "seed": 0, "training": {"target_accuracy": 0.9}}
    ds = xr.Dataset(
        {
            "hidden": (("checkpoint", "trial", "time", "unit"), np.ones((2, 8, 5, 3), np.float32)),
            "accuracy": ("checkpoint", [0.5, test]),
            "eval_accuracy": ("eval_step", [0.41, evaluation]),
        },
        coords={"checkpoint": [0, 1], "eval_step": [10, 20]},
        attrs={
            **{"task": "pdm", "arch": name, "regime": "master", "seed": 0},
            **{"status": status, "final_step": 20, "spec": json.dumps(spec)},
        },
    )
    return atomic_write_zarr(ds, tmp_path / f"{name}.zarr")


def test_status_and_test_accuracy_never_disagree_unexplained(tmp_path):
    """Issue 13, item 9: converged at 0.902 on the evaluation trials, 0.875 on the test
    trials (target 0.9) — the row says so in its note; agreeing rows have no note."""
    paths = [
        _network(tmp_path, "gru", "converged", 0.875, 0.902),
        _network(tmp_path, "lstm", "converged", 0.95, 0.93),
        _network(tmp_path, "leaky_rnn", "budget_exhausted", 0.9, 0.85),
    ]
    text = experiment_summary(paths, [])
    assert row(text, "network")[7] == "note"
    gru = row(text, "pdm / gru / master / seed 0")
    assert gru[1:6] == ["converged", "20", "0.9", "0.902", "0.875"]
    assert gru[7] == "converged on evaluation trials; test accuracy 0.875 below target 0.9"
    assert row(text, "pdm / lstm / master / seed 0")[7] == ""
    assert row(text, "pdm / leaky_rnn / master / seed 0")[7] == (
        "not converged on evaluation trials; test accuracy 0.900 reaches target 0.9"
    )
