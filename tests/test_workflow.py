"""The Snakemake workflow, run for real through its command line in a temporary directory."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / ".test" / "config.yaml"


def snakemake(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(ROOT / "Snakefile"),
            "--directory",
            str(cwd),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        **kwargs,
    )


def test_lint_is_clean(tmp_path):
    out = snakemake("--lint", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Congratulations" in out.stdout + out.stderr


def test_default_config_dry_run(tmp_path):
    out = snakemake("-n", "--cores", "2", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    n_networks = len(config["tasks"]) * len(config["architectures"]) * len(config["seeds"])
    n_metrics = len(config["compare"]["metrics"])
    expected = [
        ("train", n_networks),
        ("record", n_networks),
        ("compare", n_metrics),
        ("compare_learning", n_metrics),
        ("heatmap", n_metrics),
        ("systems_bench", 1),
    ]
    for rule, count in expected:
        assert any(line.split() == [rule, str(count)] for line in text.splitlines()), text


def test_unknown_task_fails_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEST_CONFIG.read_text().replace("[pdm, anti_pdm]", "[pdm, anti_pmd]"))
    out = snakemake("--cores", "1", "--configfile", str(bad), cwd=tmp_path)
    assert out.returncode != 0
    assert "anti_pmd" in out.stdout + out.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.slow
def test_end_to_end_tiny_config_with_interruption(tmp_path):
    # 1) Start the run and kill it once the first network has been trained.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(ROOT / "Snakefile"),
        "--directory",
        str(tmp_path),
        "--cores",
        "2",
        "--configfile",
        str(TEST_CONFIG),
    ]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    results = tmp_path / "results" / "ci"
    deadline = time.time() + 300
    while time.time() < deadline and not list(results.glob("checkpoints/**/*.pt")):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=120)
    # Whatever exists now must be complete: atomic writes never leave a half store in place.
    for store in results.glob("activations/**/*.zarr"):
        xr.open_zarr(store)["hidden"].load()

    # 2) Rerun: it resumes and completes.
    out = snakemake("--cores", "2", "--configfile", str(TEST_CONFIG), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr

    stores = sorted(results.glob("activations/*/*/*/seed*.zarr"))
    assert len(stores) == 4
    for store in stores:
        ds = xr.open_zarr(store)
        assert ds["hidden"].dims == ("checkpoint", "trial", "time", "unit")
        assert ds.sizes["checkpoint"] == 3 and ds.sizes["unit"] == 8
        assert ds["progress"].values[0] == 0 and ds["progress"].values[-1] == 1
        assert np.isfinite(ds["hidden"].values).all()
        assert ds.attrs["task"] in ("pdm", "anti_pdm") and ds.attrs["arch"] in ("leaky_rnn", "gru")
        assert {"fixation", "stimulus", "decision"} == set(ds["epoch"].values)

    for metric in ("procrustes", "cka"):
        matrix = xr.open_zarr(results / "similarity" / f"{metric}.zarr").load()
        distance = matrix["distance"]
        assert distance.dims == ("model_a", "model_b") and distance.shape == (4, 4)
        assert set(matrix["task_a"].values) == {"pdm", "anti_pdm"}
        assert set(matrix["arch_b"].values) == {"leaky_rnn", "gru"}
        assert list(matrix["seed_a"].values) == [0, 0, 0, 0]
        np.testing.assert_allclose(distance.values, distance.values.T)
        np.testing.assert_array_equal(np.diag(distance.values), 0)
        off = distance.values[~np.eye(4, dtype=bool)]
        assert np.all((off > 0) & (off <= np.pi / 2)), off
        assert (matrix["status"].values == "").all()
        # Recompute one pair from the stores directly: the stored value is that metric's.
        import dynsim.metrics as dm

        a, b = stores[0], stores[1]
        name_a = "/".join(a.with_suffix("").parts[-4:])
        name_b = "/".join(b.with_suffix("").parts[-4:])
        expected = dm.get(metric).score(
            xr.open_zarr(a)["hidden"].isel(checkpoint=-1),
            xr.open_zarr(b)["hidden"].isel(checkpoint=-1),
        )
        assert float(distance.sel(model_a=name_a, model_b=name_b)) == pytest.approx(expected)
        assert (results / "figures" / f"{metric}_heatmap.png").stat().st_size > 10_000
    assert "| procrustes |" in (results / "summary.md").read_text()

    # 3) A third run has nothing to do.
    out = snakemake("--cores", "2", "--configfile", str(TEST_CONFIG), cwd=tmp_path)
    assert out.returncode == 0
    assert "Nothing to be done" in out.stdout + out.stderr
