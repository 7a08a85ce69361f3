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
