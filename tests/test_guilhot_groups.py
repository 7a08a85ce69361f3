"""Guilhot et al. 2024 group-to-master analysis and the axis-orientation protocol."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

import dynsim.metrics as dm
from dynsim.reproductions import guilhot2024 as g


@pytest.mark.parametrize(
    ("regime", "group"),
    [
        ("master", "master"),
        ("untrained", "untrained"),
        ("master_frozen", "master_frozen"),
        ("pretrain_basic_frozen", "partial_pretraining"),
        ("pretrain_anti_delay_frozen", "partial_pretraining"),
        ("pretrain_frozen", "full_pretraining_frozen"),
        ("pretrain_basic_anti_delay_frozen", "full_pretraining_frozen"),
        ("pretrain_unfrozen", "full_pretraining_unfrozen"),
        ("pretrain_basic_unfrozen", None),
        ("multitask", None),
    ],
)
def test_group_assignment(regime, group):
    assert g.group_of(regime) == group


def test_group_assignment_refuses_unknown_regime():
    with pytest.raises(ValueError, match="unknown regime"):
        g.group_of("pretrain_sideways_frozen")


def test_every_regime_of_the_paper_config_has_a_group():
    import yaml

    with open("config/guilhot2024.yaml") as fh:
        regimes = yaml.safe_load(fh)["regimes"]
    groups = {g.group_of(r) for r in regimes}
    assert groups == {"master", *g.GROUPS}


def test_orient_swapped_equals_transposing_by_hand():
    x = np.random.default_rng(0).normal(size=(5, 7, 3))
    np.testing.assert_array_equal(g.orient(x), x)
    np.testing.assert_array_equal(g.orient(x, "guilhot2024"), x.transpose(1, 0, 2))
    with pytest.raises(ValueError, match="guilhot.protocols"):
        g.orient(x, "sideways")
    with pytest.raises(ValueError, match="trial, time, unit"):
        g.orient(x[0], "guilhot2024")


def test_swap_changes_dsa_but_not_cka_or_procrustes():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(2, 12, 30, 4)).cumsum(axis=2)
    for name in ("cka", "procrustes"):
        metric = dm.get(name)
        assert metric.score(g.orient(x, "guilhot2024"), g.orient(y, "guilhot2024")) == (
            pytest.approx(metric.score(x, y), abs=1e-10)
        )
    dsa = dm.get("dsa", n_delays=3, rank=5)
    by_hand = dsa.score(x.transpose(1, 0, 2), y.transpose(1, 0, 2))
    assert dsa.score(g.orient(x, "guilhot2024"), g.orient(y, "guilhot2024")) == by_hand
    assert by_hand != pytest.approx(dsa.score(x, y), abs=1e-6)


def _hand_built():
    # two configurations (c1, c2), each with one master; known distances to master
    nets = pd.DataFrame(
        {
            "regime": [
                "master",
                "untrained",
                "pretrain_frozen",
                "pretrain_basic_frozen",
                "master",
                "untrained",
                "pretrain_frozen",
                "pretrain_basic_frozen",
                "pretrain_basic_unfrozen",
            ],
            "config": ["c1"] * 4 + ["c2"] * 5,
        }
    )
    d_master = {1: 0.9, 2: 0.2, 3: 0.4, 5: 0.7, 6: 0.3, 7: 0.5, 8: 0.1}
    m = np.full((9, 9), 5.0)  # distances between non-master networks: irrelevant
    np.fill_diagonal(m, 0.0)
    for i, d in d_master.items():
        master = 0 if i < 4 else 4
        m[i, master] = m[master, i] = d
    m[1, 4] = m[4, 1] = 99.0  # master of another configuration: must be ignored
    return m, nets


def test_distances_to_master_within_configuration():
    m, nets = _hand_built()
    out = g.distances_to_master(m, nets)
    assert list(out["d"]) == [0.9, 0.2, 0.4, 0.7, 0.3, 0.5]  # master and outside-group dropped
    assert (
        list(out["group"])
        == [
            "untrained",
            "full_pretraining_frozen",
            "partial_pretraining",
        ]
        * 2
    )
    assert (out["n_master"] == 1).all()
    with pytest.raises(ValueError, match=r"\(9, 9\)"):
        g.distances_to_master(m[:3, :3], nets)
    with pytest.raises(ValueError, match="lacks columns"):
        g.distances_to_master(m, nets.drop(columns="config"))


def test_group_statistics_against_scipy():
    rng = np.random.default_rng(2)
    per = pd.DataFrame(
        {
            "group": ["untrained"] * 6
            + ["partial_pretraining"] * 5
            + ["master_frozen"] * 4
            + ["full_pretraining_frozen"] * 5
            + ["full_pretraining_unfrozen"] * 4,
            "d": np.r_[
                rng.normal(0.6, 0.05, 6),
                rng.normal(0.3, 0.05, 5),
                rng.normal(0.4, 0.05, 4),
                rng.normal(0.27, 0.05, 5),
                rng.normal(0.31, 0.05, 4),
            ],
        }
    )
    described, tests = g.group_statistics(per, n_resamples=999)
    row = described.set_index("group").loc["untrained"]
    un = per.loc[per.group == "untrained", "d"]
    assert row["n"] == 6 and row["mean"] == pytest.approx(un.mean())
    assert row["median"] == pytest.approx(un.median())
    p = []
    for a, b in g.PAPER_TESTS:
        p.append(sps.ttest_ind(per.loc[per.group == a, "d"], per.loc[per.group == b, "d"]).pvalue)
    np.testing.assert_allclose(tests["p"], p)
    np.testing.assert_allclose(tests["p_bh"], sps.false_discovery_control(p, method="bh"))
    md = g.groups_markdown(described, tests, "dsa")
    assert "0.61 (0.68)" in md and "7.0e-20" in md


def test_ordering_verdict():
    described = pd.DataFrame(
        {"group": list(g.GROUPS), "mean": [0.61, 0.43, 0.32, 0.35, 0.27]}  # unfrozen: not ranked
    )
    assert g.ordering_verdict(described).startswith("holds")


def test_ordering_verdict_on_a_reversed_order():
    described = pd.DataFrame(
        {"group": ["untrained", "master_frozen", "partial_pretraining"], "mean": [0.2, 0.3, 0.4]}
    )
    assert g.ordering_verdict(described).startswith("does not hold")


def test_config_refuses_an_unknown_protocol_and_accepts_both_paper_configs(tmp_path):
    import yaml

    from dynsim.config import ConfigError, load

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"guilhot": {"protocols": ["sideways"]}}))
    with pytest.raises(ConfigError, match="guilhot"):
        load([bad])
    for name in ("config/guilhot2024.yaml", "config/guilhot2024_laptop.yaml"):
        config = load([name])
        assert config["guilhot"]["protocols"] == ["correct", "guilhot2024"]


def test_docs_page_from_a_hand_built_table():
    from dynsim.reproductions.guilhot_run import docs_page

    rows = []
    for protocol in ("correct", "guilhot2024"):
        for k, group in enumerate(g.GROUPS):
            for d in (0.1 * (5 - k), 0.1 * (5 - k) + 0.02, 0.1 * (5 - k) + 0.04):
                rows.append({"protocol": protocol, "metric": "dsa", "group": group, "d": d})
    summary = pd.DataFrame(
        [{"test": "noise", "score": "r2", "metric": "dsa", "dynsim": 0.99, "paper": 0.982}]
    )
    page = docs_page(pd.DataFrame(rows), summary, sources={"groups": "x.csv"})
    assert "## dsa, orientation `correct`" in page and "orientation `guilhot2024`" in page
    assert "| untrained | 3 | 0.520 | 0.520 |" in page
    assert "0.61 (0.68)" in page and "| noise | r2 | dsa | 0.990 | 0.982 |" in page
    assert (
        "full_pretraining_frozen; full_pretraining_unfrozen is not part of it), in this "
        "metric's group means (the tests above say which differences are significant): holds"
    ) in page
