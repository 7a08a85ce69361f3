"""The INSD regime (Iterative Neural Similarity Deflation) and its analysis battery.

Acceptance (issue 7), at small size:
1. a standard 3-bit flip-flop network has 8 stable fixed points (the finder's exactness on a
   hand-built system is in test_dynamics.py);
2. an INSD alternative reaches the reference's accuracy within 5 points while its r² of the
   reference's null-space activity falls far below the reference-to-reference level;
3. with λ = 0 the regime is standard training bit for bit (the penalty's gradient is checked
   against finite differences in test_insd.py).
"""

import copy
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import xarray as xr
import yaml
from conftest import snakemake

from dynsim import cli, insd
from dynsim.config import (
    ConfigError,
    insd_enabled,
    load,
    network_specs,
    previous_links,
    regimes,
    validate,
)
from dynsim.training import (
    InsdConfig,
    NetworkSpec,
    TrainingConfig,
    insd_position,
    parse_regime,
    regime_gain,
    train,
)

ROOT = Path(__file__).resolve().parents[1]


def flipflop(regime, seed=0, hidden=32, steps=600, lam=0.5, **training):
    cfg = {
        "max_steps": steps,
        "eval_every": 25,
        "snapshot_every": 25,
        "target_accuracy": 1.0,
        "learning_rate": 0.01,
        **training,
    }
    return NetworkSpec(
        task="flipflop",
        arch="leaky_rnn",
        seed=seed,
        regime=regime,
        hidden_size=hidden,
        task_params={"sigma": 0.0},
        model_params={"activation": "tanh", "noise_std": 0.05},
        training=TrainingConfig(**cfg),
        insd=InsdConfig(lam=lam) if (insd_position(regime) or 0) > 0 else None,
    )


@pytest.fixture(scope="module")
def references():
    """Two standard flip-flop networks (link 0 of two chains), trained to 100 % accuracy."""
    torch.set_num_threads(1)
    return [train(flipflop("insd_0", seed=seed)) for seed in (0, 1)]


# -- acceptance 1 ---------------------------------------------------------------------------------
def test_standard_flipflop_network_has_eight_stable_fixed_points(references):
    net = insd.Network(references[0])
    assert net.activity()["accuracy"] == 1.0
    found = insd.fixed_point_analysis([net], n_starts=128, steps=300)
    counts = dict(zip(found["kind"].values, found["count"].values[0, 0], strict=True))
    print(f"fixed points of the standard flip-flop network: {counts}")
    assert counts["stable"] == 8
    # …one per corner: the readout of each stable point has a different sign pattern
    stable = found["points"].values[found["point_kind"].values == "stable"]
    model = net.model().double()
    with torch.no_grad():
        out = model.readout(torch.as_tensor(stable)).numpy()
    assert len({tuple(np.sign(row)) for row in out}) == 8
    assert np.all(np.abs(out) > 0.5)


# -- acceptance 2 ---------------------------------------------------------------------------------
def test_deflation_finds_an_alternative_with_low_null_space_predictivity(references):
    torch.set_num_threads(1)
    alternative = train(flipflop("insd_1", seed=0, lam=0.5), previous=[references[0]])
    networks = [insd.Network(r) for r in (*references, alternative)]
    ds = insd.predictivity_matrices(networks, n_repeats=2)
    summary = insd.deflation_summary(ds)
    ref_to_ref = summary["reference_to_reference"]
    alt_to_ref = summary["alternative_to_reference"]
    print(
        f"null-space r²: reference→reference {ref_to_ref:.3f}, alternative→reference "
        f"{alt_to_ref:.3f}; accuracy reference {summary['standard_accuracy']:.3f}, "
        f"alternative {summary['alternative_accuracy']:.3f}"
    )
    assert ref_to_ref > 0.8
    assert alt_to_ref < ref_to_ref - 0.5
    assert summary["alternative_accuracy"] >= summary["standard_accuracy"] - 0.05
    # the penalty fell during training
    penalty = alternative.phases[0]["penalty"]
    assert len(penalty) == alternative.final_step == 600
    assert np.mean(penalty[-50:]) < 0.5 * penalty[0]


# -- acceptance 3 ---------------------------------------------------------------------------------
def test_lambda_zero_is_master_bit_for_bit():
    torch.set_num_threads(1)
    small = {"hidden": 12, "steps": 40, "eval_every": 10, "snapshot_every": 10}
    master = train(flipflop("master", **small))
    link0 = train(flipflop("insd_0", **small))
    link1 = train(flipflop("insd_1", lam=0.0, **small), previous=[link0])
    link2 = train(flipflop("insd_2", lam=0.0, **small), previous=[link1, link0])
    for link in (link0, link1, link2):
        assert link.loss == master.loss and link.eval_accuracy == master.eval_accuracy
        assert link.final_step == master.final_step and link.status == master.status
        assert set(link.snapshots) == set(master.snapshots)
        for step, state in master.snapshots.items():
            for name, value in state.items():
                assert torch.equal(link.snapshots[step][name], value), (step, name)
    assert len(link2.phases[0]["penalty"]) == link2.final_step  # computed, weighted by 0
    # …and λ > 0 changes training
    link1_on = train(flipflop("insd_1", lam=1.0, **small), previous=[link0])
    assert link1_on.loss != master.loss


def test_previous_links_are_checked():
    small = {"hidden": 8, "steps": 2}
    link0 = train(flipflop("insd_0", **small))
    with pytest.raises(ValueError, match=r"\['insd_0', 'insd_1'\]"):
        train(flipflop("insd_2", **small), previous=[link0])
    with pytest.raises(ValueError, match="takes no previous"):
        train(flipflop("master", **small), previous=[link0])
    other_task = NetworkSpec(
        task="pdm",
        arch="leaky_rnn",
        seed=0,
        regime="insd_1",
        hidden_size=8,
        training=TrainingConfig(max_steps=2),
    )
    with pytest.raises(ValueError, match="another task"):
        train(other_task, previous=[link0])


def test_window_restricts_the_penalty_to_named_epochs():
    spec = flipflop("insd_1", hidden=8, steps=3)
    spec = NetworkSpec.from_dict({**spec.to_dict(), "insd": {"lam": 1.0, "window": ["flipflop"]}})
    assert spec.insd.window == ("flipflop",)
    link0 = train(flipflop("insd_0", hidden=8, steps=3))
    assert len(train(spec, previous=[link0]).phases[0]["penalty"]) == 3
    bad = NetworkSpec.from_dict({**spec.to_dict(), "insd": {"window": ["decision"]}})
    with pytest.raises(ValueError, match="no epoch"):
        train(bad, previous=[link0])


# -- regimes, specs, config -----------------------------------------------------------------------
def test_regime_names_and_spec_round_trip():
    assert insd_position("insd_0") == 0 and insd_position("insd_12") == 12
    assert insd_position("insd_01") is None and insd_position("master") is None
    assert regime_gain("master_gain0p5") == 0.5 and regime_gain("master_gain1") == 1.0
    assert regime_gain("master") is None
    for regime in ("insd_3", "master_gain1p5"):
        assert parse_regime(regime) == {"pretrain": (), "frozen": False}
    spec = flipflop("insd_2", lam=0.25)
    assert NetworkSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert "insd" not in flipflop("master").to_dict()  # plain specs keep their form and hash
    torch.manual_seed(0)
    weights = flipflop("master_gain0p5", hidden=400).build_model().recurrent.weight.detach()
    assert float(weights.std() * np.sqrt(400)) == pytest.approx(0.5, rel=0.05)


@pytest.fixture
def config():
    base = yaml.safe_load((ROOT / "config.yaml").read_text())
    base.update(yaml.safe_load((ROOT / "config" / "insd.yaml").read_text()))
    return base


def test_insd_config_fans_out_chains_and_controls(config):
    validate(config)
    assert insd_enabled(config)
    assert regimes(config) == [
        "master_gain0p5",
        "master_gain1p5",
        "insd_0",
        "insd_1",
        "insd_2",
    ]
    specs = {s.key: s for s in network_specs(config)}
    assert len(specs) == 5 * len(config["seeds"])
    link = specs["flipflop/leaky_rnn/insd_2/seed0"]
    assert link.insd == InsdConfig(lam=config["insd"]["lambda"], ridge=0.001, window=None)
    assert specs["flipflop/leaky_rnn/insd_0/seed0"].insd is None  # link 0 is master
    assert "coherences" not in link.task_params and link.task_params["n_bits"] == 3


def test_default_config_has_no_insd():
    base = validate(yaml.safe_load((ROOT / "config.yaml").read_text()))
    assert not insd_enabled(base)


@pytest.mark.parametrize(
    ("change", "key", "match"),
    [
        (lambda c: c.update(regimes=["insd_0", "insd_2"], insd={}), "regimes.1", "insd_1"),
        (
            lambda c: c.update(architectures=["gru"], regimes=["master_gain0p5"]),
            "regimes.0",
            "initial gain",
        ),
    ],
)
def test_bad_insd_configs_name_the_key(config, change, key, match):
    config = copy.deepcopy(config)
    change(config)
    with pytest.raises(ConfigError, match=f"'{key}'.*{match}"):
        validate(config)


# -- command line and workflow --------------------------------------------------------------------
def test_cli_trains_a_link_against_its_previous_checkpoints(tmp_path):
    link0, link1 = tmp_path / "l0.pt", tmp_path / "l1.pt"
    for regime, out, previous in (("insd_0", link0, []), ("insd_1", link1, [str(link0)])):
        spec = json.dumps(flipflop(regime, hidden=8, steps=5).to_dict())
        argv = ["train", "--spec", spec, "--out", str(out), "--ray", "never"]
        assert cli.main([*argv, "--previous", *previous]) == 0
    assert (
        cli.main(
            [
                "train",
                "--spec",
                json.dumps(flipflop("insd_1", hidden=8).to_dict()),
                "--out",
                str(tmp_path / "x.pt"),
                "--ray",
                "never",
                "--previous",
            ]
        )
        == 2
    )
    store = tmp_path / "l1.zarr"
    assert (
        cli.main(["record", "--checkpoint", str(link1), "--out", str(store), "--n-repeats", "1"])
        == 0
    )
    ds = xr.open_zarr(store)
    assert ds["penalty_curve"].sizes["train_step"] == 5
    assert ds["target"].dims == ("trial", "time", "out")


def test_battery_analyses_and_figures(tmp_path, references):
    """Every analysis through the command line, on the two references plus a tiny link."""
    paths = []
    for k, result in enumerate(references):
        path = tmp_path / f"ref{k}.pt"
        torch.save(result.to_dict(), path)
        paths.append(str(path))
    common = ["--checkpoints", *paths, "--n-repeats", "1"]
    fast = {"fixed_points": {"n_starts": 16, "steps": 100}, "decoding": {"n_folds": 2}}
    outputs = {}
    for analysis in ("predictivity", "fixed_points", "decoding", "ood"):
        out, figure = tmp_path / f"{analysis}.zarr", tmp_path / f"{analysis}.png"
        params = json.dumps(fast.get(analysis, {}))
        argv = ["battery", analysis, *common, "--params-json", params, "--out", str(out)]
        assert cli.main([*argv, "--figure", str(figure)]) == 0
        assert figure.stat().st_size > 5000
        outputs[analysis] = out
    ood = xr.open_zarr(outputs["ood"])
    assert list(ood["condition"].values) == ["standard", "noise", "longer", "load"]
    assert np.all(ood["accuracy"].sel(condition="standard").values == 1.0)
    decoding = xr.open_zarr(outputs["decoding"])
    assert list(decoding["variable"].values) == ["bit_0", "bit_1", "bit_2"]
    assert float(decoding["score"].sel(space="full").mean()) > 0.9
    summary = tmp_path / "summary.md"
    data = [str(p) for p in outputs.values()]
    assert cli.main(["battery", "summary", "--data", *data, "--out", str(summary)]) == 0
    text = summary.read_text()
    assert "reference → reference" in text and "## Fixed points" in text


def test_mds_recovers_planar_distances():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(7, 2))
    distance = np.linalg.norm(points[:, None] - points[None], axis=-1)
    coords = insd.mds(distance)
    recovered = np.linalg.norm(coords[:, None] - coords[None], axis=-1)
    np.testing.assert_allclose(recovered, distance, atol=1e-10)


# An asymmetric matrix with one pair missing one way, and the coordinates both MDS call sites
# gave before they shared one implementation (insd.similarity.mds and
# figures.data.classical_mds at 925d854, computed with numpy's eigh; identical then).
_MDS_INPUT = np.array(
    [
        [0.0, 3.41, 4.852, 3.358, 3.336],
        [3.41, 0.0, 1.606, 3.952, np.nan],
        [4.852, 1.606, 0.0, 5.387, 1.803],
        [3.158, 3.952, 5.387, 0.0, 3.779],
        [3.336, 0.913, 1.803, 3.779, 0.0],
    ]
)
_MDS_BEFORE = np.array(
    [
        [-1.797848766744213, -1.497304190676073],
        [0.9502781633807341, -0.7993504982058833],
        [2.704155909830267, 0.19303636766053442],
        [-2.5814227207523173, 1.2035056849176229],
        [0.724837414285525, 0.9001126363037996],
    ]
)


def _same_up_to_axis_sign(coords, expected):
    signs = np.sign(np.sum(coords * expected, axis=0))  # an eigenvector's sign is arbitrary
    np.testing.assert_allclose(coords * signs, expected, rtol=1e-10, atol=1e-12)


def test_both_mds_call_sites_give_the_coordinates_they_gave_before():
    from dynsim.figures import classical_mds

    coords, explained = classical_mds(_MDS_INPUT)  # figures.maps.mds_map's call
    _same_up_to_axis_sign(coords, _MDS_BEFORE)
    np.testing.assert_allclose(explained, [0.6501485862726958, 0.18059199930230843], rtol=1e-10)
    _same_up_to_axis_sign(insd.mds(_MDS_INPUT), _MDS_BEFORE)
    models = [f"net{i}" for i in range(5)]
    matrix = xr.Dataset(
        {"distance": (("model_a", "model_b"), _MDS_INPUT)},
        coords={"model_a": models, "model_b": models, "seed_a": ("model_a", np.arange(5))},
    )
    embedded = insd.embed({"dsa": matrix})  # the INSD battery's call
    _same_up_to_axis_sign(embedded["coordinates"].values, _MDS_BEFORE)
    assert list(embedded["seed"].values) == list(range(5))
    with pytest.raises(ValueError, match="square"):
        insd.mds(np.zeros((3, 4)))


def test_decoding_over_time_on_known_signals():
    rng = np.random.default_rng(1)
    label = np.repeat([-1.0, 1.0], 20)
    hidden = rng.normal(size=(40, 6, 5))
    hidden[:, 3:, 0] += 3 * label[:, None]  # decodable from time step 3 on
    score = insd.decode_over_time(hidden, label, n_folds=4)
    assert np.all(score[3:] == 1.0) and np.all(score[:3] < 0.8)
    value = rng.normal(size=40)
    hidden[:, :, 1] = value[:, None]
    assert np.all(insd.decode_over_time(hidden, value, n_folds=4) > 0.99)


def test_workflow_makes_link_k_depend_on_links_before_it(tmp_path):
    config = str(ROOT / "config" / "insd.yaml")
    # What the train rule's input function (common.smk previous_links) asks for ...
    validated = load([config], defaults=ROOT / "config.yaml")
    link = {"task": "flipflop", "arch": "leaky_rnn", "seed": "0"}
    assert previous_links(validated, {**link, "regime": "insd_2"}) == [
        "flipflop/leaky_rnn/insd_0/seed0",
        "flipflop/leaky_rnn/insd_1/seed0",
    ]
    for regime in ("insd_0", "master_gain0p5"):
        assert previous_links(validated, {**link, "regime": regime}) == []
    # ... and what Snakemake schedules for link 2 alone: links 0 and 1 first.
    target = "results/insd/checkpoints/flipflop/leaky_rnn/insd_2/seed0.pt"
    out = snakemake(target, "-n", "--cores", "2", "--configfile", config, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert job_counts(out.stdout) == {"train": 3, "total": 3}, out.stdout
    out = snakemake("--configfile", config, "-n", "--cores", "2", cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    counts = job_counts(out.stdout)
    assert counts["train"] == 10  # 2 seeds × (3 links + 2 controls)
    for rule in ("insd_analysis", "insd_similarity", "insd_summary"):
        assert counts.get(rule, 0) >= 1, out.stdout


def job_counts(text: str) -> dict[str, int]:
    """Snakemake's "Job stats" table (rule → number of jobs) from a dry run's output."""
    rows = (re.fullmatch(r"(\w+)\s+(\d+)", line) for line in text.splitlines())
    return {row[1]: int(row[2]) for row in rows if row}  # not "    jobid: 1"
