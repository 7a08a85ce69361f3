"""The `dynsim` command line on users' own data."""

import numpy as np
import pytest
import xarray as xr
from conftest import random_orthogonal

from dynsim.cli import main


def test_compare_npy_with_dim_order(tmp_path, rng, capsys):
    X = rng.normal(size=(30, 5))  # (time, unit)
    np.save(tmp_path / "a.npy", X)
    np.save(tmp_path / "b.npy", X @ random_orthogonal(5, rng))
    np.save(tmp_path / "c.npy", rng.normal(size=(30, 5)))
    out = tmp_path / "m.zarr"
    code = main(
        [
            "compare",
            *(str(tmp_path / f"{n}.npy") for n in "abc"),
            "--dims",
            "time,unit",
            "--metric",
            "procrustes",
            "--param",
            "score_method=euclidean",
            "-o",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    matrix = xr.open_zarr(out).load()
    assert list(matrix["model_a"].values) == ["a", "b", "c"]
    assert float(matrix["distance"].sel(model_a="a", model_b="b")) < 1e-6
    assert matrix.attrs["score_method"] == "euclidean"
    assert float(matrix["distance"].sel(model_a="a", model_b="c")) > 0.5


def test_compare_netcdf_by_dim_name(tmp_path, rng):
    X = rng.normal(size=(4, 20, 6))
    xr.Dataset({"rates": (("unit", "trial", "time"), X.transpose(2, 0, 1))}).to_netcdf(
        tmp_path / "one.nc"
    )
    xr.Dataset({"rates": (("trial", "time", "unit"), X)}).to_netcdf(tmp_path / "two.nc")
    out = tmp_path / "m.nc"
    assert (
        main(
            [
                "compare",
                str(tmp_path / "one.nc"),
                str(tmp_path / "two.nc"),
                "--var",
                "rates",
                "--metric",
                "cka",
                "-o",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    assert float(xr.open_dataset(out)["distance"].values[0, 1]) < 1e-6


def test_compare_reports_missing_file_and_bad_metric(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "nope.npy"), "--metric", "cka"]) == 2
    assert "nope.npy" in capsys.readouterr().err
    np.save(tmp_path / "a.npy", np.zeros((2, 3, 4)))
    assert main(["compare", str(tmp_path / "a.npy"), "--metric", "nope"]) == 2
    assert "unknown metric 'nope'" in capsys.readouterr().err


def test_help_explains_inputs(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = capsys.readouterr().out
    assert "--dims" in text and ".npy" in text and "examples:" in text


def test_check_config_lists_networks_and_shared_trainings(tmp_path, capsys):
    """`dynsim check-config`: the networks of the fan-out, which of them reuse another's
    training (Yang-family multitask networks), and a schema error naming the key."""
    import yaml

    config = {
        "experiment": "check",
        "tasks": ["delay_pro", "memory_pro"],
        "architectures": ["gru"],
        "seeds": [0],
        "regimes": ["master", "multitask"],
    }
    path = tmp_path / "yang.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["check-config", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "valid; 4 networks (3 trained)" in lines[0]
    assert lines[1:] == [
        "  delay_pro/gru/master/seed0",
        "  delay_pro/gru/multitask/seed0",
        "  memory_pro/gru/master/seed0",
        "  memory_pro/gru/multitask/seed0   (the training of delay_pro/gru/multitask/seed0)",
    ]
    path.write_text(yaml.safe_dump({**config, "training": {"max_steps": -1}}))
    assert main(["check-config", str(path)]) == 2
    assert "training.max_steps" in capsys.readouterr().err


# -- `dynsim compare` never exits 0 on a quiet wrong answer (issue 13, item 12) ----------------
def _npy(tmp_path, name, shape, seed=0, fill=None):
    arr = np.random.default_rng(seed).normal(size=shape) if fill is None else np.full(shape, fill)
    np.save(tmp_path / f"{name}.npy", arr)
    return str(tmp_path / f"{name}.npy")


def _foreign_zarr(tmp_path, name, seed, n_checkpoints=10):
    hidden = np.random.default_rng(seed).normal(size=(n_checkpoints, 4, 8, 3))
    path = tmp_path / f"{name}.zarr"
    xr.Dataset({"hidden": (("checkpoint", "trial", "time", "unit"), hidden)}).to_zarr(path)
    return str(path)


@pytest.mark.parametrize(
    "options, message",
    [
        (["--dims", "time,units"], "--dims 'time,units': unknown axis name(s) ['units']"),
        (["--dims", "trial,time,time"], "--dims 'trial,time,time': names repeat"),
        (["--checkpoint", "1.5"], "--checkpoint: checkpoint 1.5 is not a progress fraction"),
        (["--checkpoint", "last"], "--checkpoint 'last': not 'final', an integer index"),
        (["--checkpoint", "0"], "--checkpoint: "),  # .npy: no checkpoint dimension
        (["--epoch", "stim"], "--epoch: "),
        (["--trials", "coherence"], "--trials expects LABEL=V1,V2"),
        (["--param", "n_delay=5"], "--param: metric 'cka': CKA() got unexpected keyword"),
        (["--params-json", "[1]"], "--params-json must be a JSON object"),
        (["--over-learning", "0,1.5"], "--over-learning '0,1.5': checkpoint 1.5 is not"),
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    ],
)
def test_compare_invalid_option_is_named_exit_2_nothing_written(tmp_path, capsys, options, message):
    paths = [_npy(tmp_path, n, (4, 8, 3), seed=k) for k, n in enumerate("ab")]
    out = tmp_path / "m.zarr"
    code = main(["compare", *paths, "--metric", "cka", *options, "-o", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err
    assert "Traceback" not in err
    assert not out.exists()


def test_compare_unknown_dsa_parameter_is_named(tmp_path, capsys):
    """`--param n_delay=5` was a TypeError traceback."""
    paths = [_npy(tmp_path, n, (4, 8, 3), seed=k) for k, n in enumerate("ab")]
    assert main(["compare", *paths, "--metric", "dsa", "--param", "n_delay=5"]) == 2
    err = capsys.readouterr().err
    assert "--param: metric 'dsa': DSA() got unexpected keyword argument(s) n_delay" in err


def test_compare_checkpoint_out_of_range_is_named(tmp_path, capsys):
    """`--checkpoint 12` when 10 exist was an IndexError traceback."""
    paths = [_foreign_zarr(tmp_path, n, k) for k, n in enumerate("ab")]
    assert main(["compare", *paths, "--metric", "cka", "--checkpoint", "12"]) == 2
    err = capsys.readouterr().err
    assert "--checkpoint: " in err and "a.zarr: checkpoint 12 is out of range: there are 10" in err


def test_compare_checkpoint_of_users_zarr_is_used(tmp_path, capsys):
    """Item 8 through the command: `--checkpoint 0` compares checkpoint 0, not the last."""
    paths = [_foreign_zarr(tmp_path, n, k) for k, n in enumerate("abc")]
    matrices = {}
    for checkpoint in ("0", "9", "final"):
        out = tmp_path / f"m{checkpoint}.nc"
        args = ["compare", *paths, "--metric", "cka", "--checkpoint", checkpoint]
        assert main([*args, "-o", str(out), "--no-progress"]) == 0
        matrices[checkpoint] = xr.open_dataset(out)["distance"].values
    hidden = {n: xr.open_zarr(p)["hidden"].values for n, p in zip("abc", paths, strict=True)}
    from dynsim.pairwise import compute

    for checkpoint, index in (("0", 0), ("9", 9)):
        expected = compute("cka", {n: h[index] for n, h in hidden.items()}, progress=False)
        np.testing.assert_array_equal(matrices[checkpoint], expected["distance"].values)
    np.testing.assert_array_equal(matrices["9"], matrices["final"])
    assert not np.array_equal(matrices["0"], matrices["9"])


def test_compare_different_trial_counts_partial_exit_1_names_networks(tmp_path, capsys):
    """Arrays with different trial counts gave NaN entries, exit 0 and no message. Now: exit 1,
    each pair without a value and why on stderr, and the matrix still written."""
    paths = [
        _npy(tmp_path, "a", (6, 8, 3), seed=0),
        _npy(tmp_path, "b", (6, 8, 3), seed=1),
        _npy(tmp_path, "short", (4, 8, 3), seed=2),
    ]
    out = tmp_path / "m.zarr"
    code = main(["compare", *paths, "--metric", "cka", "-o", str(out), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert "4 of 9 entries have no value" in captured.err
    assert "compare of 'a' vs 'short' failed: ValueError:" in captured.err
    assert "compare of 'b' vs 'short' failed: ValueError:" in captured.err
    assert "(4 entries without a value; see 'status')" in captured.out
    matrix = xr.open_zarr(out).load()
    assert np.isfinite(float(matrix["distance"].sel(model_a="a", model_b="b")))
    assert np.isnan(float(matrix["distance"].sel(model_a="a", model_b="short")))


def test_compare_failed_network_is_listed_once_with_its_entries(tmp_path, capsys):
    paths = [
        _npy(tmp_path, "a", (6, 8, 3), seed=0),
        _npy(tmp_path, "b", (6, 8, 3), seed=1),
        _npy(tmp_path, "dead", (6, 8, 3), fill=np.nan),
    ]
    assert main(["compare", *paths, "--metric", "procrustes", "--no-progress"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "dynsim compare: procrustes: 5 of 9 entries have no value:",
        "  network 'dead': prepare failed: activity contains 144 non-finite values (NaN/inf)"
        "  [5 entries]",
    ]


def test_compare_nothing_computed_exit_3(tmp_path, capsys):
    paths = [_npy(tmp_path, "a", (6, 8, 3)), _npy(tmp_path, "dead", (6, 8, 3), fill=np.nan)]
    out = tmp_path / "m.nc"
    assert main(["compare", *paths, "--metric", "cka", "-o", str(out), "--no-progress"]) == 3
    assert "network 'dead': prepare failed" in capsys.readouterr().err
    assert out.exists()


def test_compare_over_learning_without_out_prints_each_progress_point(tmp_path, capsys):
    """The known bug: `dynsim compare --over-learning` without -o tried to print a 3-D matrix."""
    from test_pairwise_engine import tiny_store

    paths = [str(tiny_store(tmp_path / f"seed{k}.zarr", k)) for k in range(2)]
    code = main(["compare", *paths, "--metric", "cka", "--over-learning", "0,1", "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("model_a") == 2
    assert out.index("progress 0:") < out.index("progress 1:")
    # the workflow passes compare.checkpoint to every compare job: a note, not an error
    args = ["compare", *paths, "--metric", "cka", "--over-learning", "0,1", "--checkpoint", "0"]
    assert main([*args, "--no-progress"]) == 0
    assert "--checkpoint 0 is not used with --over-learning" in capsys.readouterr().err


def test_compare_allow_partial_exits_0_but_still_lists(tmp_path, capsys):
    paths = [
        _npy(tmp_path, "a", (6, 8, 3), seed=0),
        _npy(tmp_path, "b", (6, 8, 3), seed=1),
        _npy(tmp_path, "dead", (6, 8, 3), fill=np.nan),
    ]
    args = ["--metric", "cka", "--no-progress", "--allow-partial"]
    assert main(["compare", *paths, *args]) == 0
    assert "network 'dead': prepare failed" in capsys.readouterr().err
    assert main(["compare", paths[0], paths[2], *args]) == 3  # nothing computed: still 3


def test_compare_help_documents_exit_status(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = capsys.readouterr().out
    assert "exit status:" in text
    for line in ("0  every entry", "1  only part", "2  an invalid option", "3  nothing could"):
        assert line in text


def test_metrics_lists_parameters_and_describes_one(capsys):
    assert main(["metrics"]) == 0
    listing = capsys.readouterr().out
    assert "parameters: n_delays=10, delay_interval=1" in listing  # dsa's defaults
    assert ":class:" not in listing
    assert main(["metrics", "dsa"]) == 0
    described = capsys.readouterr().out
    assert described.startswith("dsa (DSA)")
    assert "  rank=None" in described and "  ridge=0.0" in described
    assert main(["metrics", "dsaa"]) == 2
    assert "unknown metric 'dsaa'" in capsys.readouterr().err


@pytest.mark.parametrize("out", ["afile/x.zarr", "matrix.csv"])
def test_compare_refuses_an_output_it_could_not_write_before_any_work(tmp_path, capsys, out):
    (tmp_path / "afile").write_text("")
    arrays = []
    for k in range(2):
        arrays.append(tmp_path / f"n{k}.npy")
        np.save(arrays[-1], np.random.default_rng(k).normal(size=(4, 20, 5)))
    argv = ["compare", *map(str, arrays), "--metric", "cka", "-o", str(tmp_path / out)]
    assert main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"-o {tmp_path / out}" in err and "Traceback" not in err
    assert not (tmp_path / "matrix.csv").exists()


def test_trials_of_different_unit_counts_are_named():
    from dynsim import metrics
    from dynsim.metrics import PreparationError

    trials = [np.zeros((40, 6)), np.ones((40, 7))]
    for name in ("dsa", "cka"):
        with pytest.raises(PreparationError, match=r"different shapes \(\(40, 6\), \(40, 7\)\)"):
            metrics.get(name).prepare(trials)
