"""Guilhot et al. 2024: configuration filters, learning, accuracy relevance, families."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats as sps

from dynsim.reproductions import guilhot2024 as g
from dynsim.reproductions import guilhot_analyses as ga


def _networks() -> pd.DataFrame:
    """4 configurations (c0…c3) × (master, untrained, pretrain_frozen); c3 has no master."""
    rows = []
    acc_master = {"c0": 1.0, "c1": 0.97, "c2": 1.0}
    act = {"c0": "relu", "c1": "softplus", "c2": "tanh", "c3": "relu"}
    for c in ("c0", "c1", "c2", "c3"):
        for regime, acc in (("master", acc_master.get(c)), ("untrained", 0.5),
                            ("pretrain_frozen", 0.9)):
            if c == "c3" and regime == "master":
                continue
            rows.append({"config": c, "activation": act[c], "regime": regime, "accuracy": acc})
    return pd.DataFrame(rows)


def test_master_accuracy_and_activation_filters_on_a_hand_built_table():
    nets = _networks()
    n = len(nets)
    per = g.distances_to_master(np.zeros((n, n)), nets)
    assert per.set_index(["config", "regime"]).loc[("c1", "untrained"), "master_accuracy"] == 0.97
    kept, report = ga.filter_configurations(per)
    assert set(kept["config"]) == {"c0"}
    assert len(kept) == 2  # c0's untrained and full frozen
    reasons = report.set_index("config")["reason"].to_dict()
    assert reasons == {
        "c0": "kept",
        "c1": "master accuracy 0.970 < 1",
        "c2": "activation tanh not kept",
        "c3": "no master",
    }
    summary = ga.filter_summary(report).set_index("filter")
    assert summary.loc["configurations", "remaining"] == 4
    assert summary.loc["activation", "dropped"] == 1
    assert summary.loc["no master", "dropped"] == 1
    assert summary.loc["master accuracy", "dropped"] == 1
    assert summary.loc["master accuracy", "remaining"] == 1
    # the threshold is a value: 0.95 keeps c1 too; None switches the filters off
    kept95, _ = ga.filter_configurations(per, master_accuracy=0.95)
    assert set(kept95["config"]) == {"c0", "c1"}
    kept_all, report_all = ga.filter_configurations(per, master_accuracy=None, activations=None)
    assert len(kept_all) == len(per) and report_all["kept"].all()


def test_filter_refuses_a_table_without_master_accuracy():
    per = pd.DataFrame({"config": ["a"], "n_master": [1], "d": [0.1]})
    with pytest.raises(ValueError, match="master_accuracy"):
        ga.filter_configurations(per)


def _learning_matrix() -> xr.DataArray:
    """2 configurations × (master, pretrain_frozen, pretrain_basic_frozen, untrained), all
    versus all at progress 0, 0.5, 1; distance = 10·progress + 100·|i − j| for known answers."""
    regimes = ["master", "pretrain_frozen", "pretrain_basic_frozen", "untrained"]
    labels = [(s, r) for s in (0, 1) for r in regimes]
    n = len(labels)
    idx = np.arange(n)
    progress = np.array([0.0, 0.5, 1.0])
    values = 10 * progress[:, None, None] + 100 * np.abs(idx[:, None] - idx[None, :])
    coords = {"progress": progress, "model_a": [f"n{i}" for i in idx],
              "model_b": [f"n{i}" for i in idx]}
    for side in ("a", "b"):
        coords[f"regime_{side}"] = (f"model_{side}", [r for _, r in labels])
        coords[f"seed_{side}"] = (f"model_{side}", [s for s, _ in labels])
        coords[f"task_{side}"] = (f"model_{side}", ["t"] * n)
        coords[f"arch_{side}"] = (f"model_{side}", ["leaky_rnn"] * n)
    return xr.DataArray(values, dims=("progress", "model_a", "model_b"), coords=coords)


def test_learning_to_master_on_a_hand_built_learning_matrix():
    tidy = ga.learning_to_master(_learning_matrix())
    # only the pretrained groups: 2 networks × 2 seeds × 3 progress points
    assert len(tidy) == 12
    assert set(tidy["group"]) == {"full_pretraining_frozen", "partial_pretraining"}
    row = tidy[(tidy.progress == 0.5) & (tidy.seed == 1) & (tidy.regime == "pretrain_basic_frozen")]
    # network 6 vs its master, network 4: 10·0.5 + 100·2
    assert row["d"].item() == pytest.approx(205.0)
    assert (tidy["n_master"] == 1).all()
    # the reference form (model_b = the masters only) gives the same rows
    da = _learning_matrix()
    ref = da.isel(model_b=[0, 4])
    pd.testing.assert_frame_equal(ga.learning_to_master(ref), tidy)
    with pytest.raises(ValueError, match="progress"):
        ga.learning_to_master(da.isel(progress=0))


def test_accuracy_relevance_spearman_matches_scipy_on_a_hand_built_matrix():
    rng = np.random.default_rng(3)
    regimes = ["master", "untrained", "master_frozen", "pretrain_frozen", "pretrain_unfrozen"]
    nets = pd.DataFrame(
        [{"config": c, "regime": r, "accuracy": float(rng.uniform(0.5, 1.0))}
         for c in range(4) for r in regimes]
    )
    n = len(nets)
    m = rng.uniform(size=(n, n))
    m = (m + m.T) / 2
    per = g.distances_to_master(m, nets).assign(metric="dsa", protocol="correct")
    rel = ga.accuracy_relevance(per)
    assert len(rel) == 16
    # by hand: each network's master is the first row of its configuration
    d, diff = [], []
    for i in range(n):
        c = nets.at[i, "config"]
        j = c * len(regimes)
        if i != j:
            d.append(m[i, j])
            diff.append(abs(nets.at[i, "accuracy"] - nets.at[j, "accuracy"]))
    np.testing.assert_allclose(rel["d"], d)
    np.testing.assert_allclose(rel["accuracy_difference"], diff)
    out = ga.accuracy_spearman(rel)
    expected = sps.spearmanr(d, diff)
    assert out["n"].item() == 16
    assert out["rho"].item() == pytest.approx(expected.statistic)
    assert out["p"].item() == pytest.approx(expected.pvalue)


def test_group_statistics_split_per_family_on_a_hand_built_matrix():
    regimes = ["master", "untrained", "pretrain_frozen"]
    nets = pd.DataFrame(
        [{"arch": a, "seed": s, "regime": r}
         for a in ("leaky_rnn", "mamba") for s in range(3) for r in regimes]
    )
    n = len(nets)
    m = np.full((n, n), 9.0)  # cross-configuration (and cross-family) distances: never used
    for i in range(n):
        for j in range(n):
            same = (nets.at[i, "arch"], nets.at[i, "seed"]) == (nets.at[j, "arch"],
                                                                 nets.at[j, "seed"])
            if same and nets.at[j, "regime"] == "master":
                base = 0.2 if nets.at[i, "arch"] == "leaky_rnn" else 0.6
                m[i, j] = m[j, i] = base + 0.1 * regimes.index(nets.at[i, "regime"]) \
                    + 0.01 * nets.at[i, "seed"]
    per = g.distances_to_master(m, nets, config_columns=("arch", "seed"))
    fams = ga.by_family(per, n_resamples=99)
    assert set(fams) == {"leaky_rnn", "mamba"}
    rnn = fams["leaky_rnn"][0].set_index("group")
    mamba = fams["mamba"][0].set_index("group")
    assert rnn.loc["untrained", "n"] == 3
    assert rnn.loc["untrained", "mean"] == pytest.approx(0.31)
    assert rnn.loc["full_pretraining_frozen", "mean"] == pytest.approx(0.41)
    assert mamba.loc["untrained", "mean"] == pytest.approx(0.71)
    with pytest.raises(ValueError, match="arch"):
        ga.by_family(per.drop(columns="arch"))


def test_guilhot_section_defaults_and_checks(tmp_path):
    import yaml

    from dynsim.config import ConfigError, load

    config = load(["config/guilhot2024.yaml"])
    assert config["guilhot"]["master_accuracy"] == 1.0  # the paper's filter by default
    assert config["guilhot"]["activations"] == ["relu", "softplus"]
    with open("config/guilhot2024_laptop.yaml") as fh:
        laptop = yaml.safe_load(fh)
    for patch, match in (
        ({"regimes": ["untrained"]}, "guilhot': .*master"),
        ({"guilhot": {"progress": [0.5, 0.5]}}, "guilhot.progress"),
        ({"guilhot": {"master_accuracy": 1.5}}, "guilhot.master_accuracy"),
    ):
        bad = {**laptop, **patch}
        path = tmp_path / "bad.yaml"
        path.write_text(yaml.safe_dump(bad))
        with pytest.raises(ConfigError, match=match):
            load([path])


def test_docs_page_states_the_filters_families_learning_and_spearman():
    from dynsim.reproductions.guilhot_run import docs_page

    rows = []
    for arch in ("leaky_rnn", "mamba"):
        for seed, acc in ((0, 1.0), (1, 0.8), (2, 1.0), (3, 1.0)):
            for k, group in enumerate(g.GROUPS):
                rows.append({"protocol": "correct", "metric": "dsa", "group": group,
                             "d": 0.1 * (5 - k) + 0.01 * seed, "task": "t", "arch": arch,
                             "variant": "activationrelu", "activation": "relu", "seed": seed,
                             "n_master": 1, "master_accuracy": acc,
                             "accuracy": acc - 0.01 * k * (seed + 1)})
    per = pd.DataFrame(rows)
    learning = pd.DataFrame({"metric": "dsa", "group": "partial_pretraining",
                             "progress": [0.0, 1.0], "d": [0.5, 0.3]})
    summary = pd.DataFrame(
        [{"test": "noise", "score": "r2", "metric": "dsa", "dynsim": 0.99, "paper": 0.982}]
    )
    page = docs_page(per, summary, sources={"groups": "x.csv"}, master_accuracy=1.0,
                     activations=["relu", "softplus"], learning=learning,
                     missing_families=[("gru", "nowhere.csv")])
    assert "| master accuracy | 2 | 6 |" in page  # seed 1 of both families dropped
    assert "| t/leaky_rnn/activationrelu/1 | 0.800 | master accuracy 0.800 < 1 |" in page
    assert "family `mamba`" in page and "family `leaky_rnn`" in page
    assert "| untrained | 3 |" in page
    assert "| dsa | partial_pretraining | 0.500 (1) | 0.300 (1) |" in page
    assert "nowhere.csv" in page
    # with configuration labels, over learning shows only the configurations the filters kept
    labelled = pd.DataFrame({"metric": "dsa", "group": "partial_pretraining", "task": "t",
                             "arch": "leaky_rnn", "variant": "activationrelu",
                             "seed": [0, 1], "progress": [0.0, 0.0], "d": [0.5, 0.9]})
    page_l = docs_page(per, summary, sources={"groups": "x.csv"}, master_accuracy=1.0,
                       activations=["relu", "softplus"], learning=labelled)
    assert "| dsa | partial_pretraining | 0.500 (1) |" in page_l  # seed 1's master: 0.8
    kept = per[per.seed != 1]
    expected = sps.spearmanr(kept["d"], (kept["accuracy"] - kept["master_accuracy"]).abs())
    assert f"| correct | dsa | 30 | {expected.statistic:.3f} |" in page
