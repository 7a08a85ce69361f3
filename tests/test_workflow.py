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
from conftest import snakemake

from dynsim.config import load, previous_links, training_sources

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / ".test" / "config.yaml"


def test_lint_is_clean(tmp_path):
    out = snakemake("--lint", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Congratulations" in out.stdout + out.stderr


def merged(base: dict, over: dict) -> dict:
    """``over`` merged into ``base`` recursively, as Snakemake merges config files."""
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merged(out[key], value) if both else value
    return out


def expected_job_counts(config: dict) -> list[tuple[str, int]]:
    """Job counts of a dry run derived from a (merged) config: one train and one record job per
    network of task × architecture × grid variant × seed × regime, one compare job per metric."""
    n_networks = len(config["tasks"]) * len(config["architectures"]) * len(config["seeds"])
    n_networks *= len(config.get("regimes", ["master"]))
    for values in (config.get("grid") or {}).values():
        n_networks *= len(values)
    n_metrics = len(config["compare"]["metrics"])
    return [
        ("train", n_networks),
        ("record", n_networks),
        ("compare", n_metrics),
        ("compare_learning", n_metrics),
        ("heatmap", n_metrics),
        ("systems_bench", 1),
    ]


def test_default_config_dry_run(tmp_path):
    out = snakemake("-n", "--cores", "2", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    for rule, count in expected_job_counts(config):
        assert any(line.split() == [rule, str(count)] for line in text.splitlines()), text


GRID_CONFIG = {
    "experiment": "grid",
    "tasks": ["pdm", "anti_pdm"],
    "architectures": ["leaky_rnn"],
    "seeds": [0, 1],
    "regimes": ["master", "insd_0", "insd_1"],
    "grid": {"hidden_size": [8, 12], "activation": ["relu", "tanh"], "learning_rate": [0.01]},
}


def test_grid_dry_run_expands_the_fan_out(tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(GRID_CONFIG))
    out = snakemake("-n", "-p", "--cores", "2", "--configfile", str(path), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout + out.stderr
    config = {**yaml.safe_load((ROOT / "config.yaml").read_text()), **GRID_CONFIG}
    counts = expected_job_counts(config)
    assert counts[0] == ("train", 2 * 2 * 3 * 4)
    for rule, count in counts:
        assert any(line.split() == [rule, str(count)] for line in text.splitlines()), text
    # Every network has its variant level, and INSD link 1 is penalised against link 0 of the
    # same variant: what the train rule's input function (common.smk previous_links) asks for,
    # and the job it makes Snakemake schedule when only link 1 is the target.
    variant = "hidden_size12-activationtanh-learning_rate0.01"
    assert f"results/grid/checkpoints/pdm/leaky_rnn/master/{variant}/seed1.pt" in text
    validated = load([path], defaults=ROOT / "config.yaml")
    link1 = {"task": "anti_pdm", "arch": "leaky_rnn", "regime": "insd_1", "variant": variant}
    assert previous_links(validated, {**link1, "seed": "0"}) == [
        f"anti_pdm/leaky_rnn/insd_0/{variant}/seed0"
    ]
    assert previous_links(validated, {**link1, "regime": "insd_0", "seed": "0"}) == []
    assert previous_links(validated, {**link1, "regime": "master", "seed": "1"}) == []
    target = f"results/grid/checkpoints/anti_pdm/leaky_rnn/insd_1/{variant}/seed0.pt"
    out = snakemake(target, "-n", "--cores", "1", "--configfile", str(path), cwd=tmp_path)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert ["train", "2"] in [line.split() for line in text.splitlines()], text  # links 0, 1


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

    # 4) The Snakemake report of this run shows the summary as tables (one workflow run for
    # both checks: the run is the slow part).
    from test_report_summary import check_report_shows_the_summary_as_tables

    check_report_shows_the_summary_as_tables(tmp_path)


@pytest.mark.slow
def test_end_to_end_grid_of_two_hidden_sizes(tmp_path):
    """A 2-value grid over hidden_size (1 task, 1 architecture, 1 seed, the tiny budgets of
    .test/config.yaml): two networks of 8 and 12 units, one matrix with variant coordinates."""
    config = {
        **yaml.safe_load(TEST_CONFIG.read_text()),
        "experiment": "gridci",
        "tasks": ["pdm"],
        "architectures": ["leaky_rnn"],
        "grid": {"hidden_size": [8, 12]},
    }
    path = tmp_path / "grid.yaml"
    path.write_text(yaml.safe_dump(config))
    results = tmp_path / "results" / "gridci"
    targets = [
        "results/gridci/similarity/procrustes.zarr",
        "results/gridci/figures/procrustes_heatmap.png",
    ]
    out = snakemake(*targets, "--cores", "2", "--configfile", str(path), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr

    stores = sorted(results.glob("activations/pdm/leaky_rnn/master/*/seed0.zarr"))
    assert [s.parent.name for s in stores] == ["hidden_size12", "hidden_size8"]
    for store in stores:
        ds = xr.open_zarr(store)
        assert ds.sizes["unit"] == int(store.parent.name.removeprefix("hidden_size"))
        assert ds.attrs["variant"] == store.parent.name and ds.attrs["model_params"]

    matrix = xr.open_zarr(results / "similarity" / "procrustes.zarr").load()
    names = [f"pdm/leaky_rnn/master/hidden_size{n}/seed0" for n in (8, 12)]
    assert list(matrix["model_a"].values) == names
    assert list(matrix["variant_a"].values) == ["hidden_size8", "hidden_size12"]
    assert list(matrix["hidden_size_b"].values) == [8, 12]
    distance = float(matrix["distance"].sel(model_a=names[0], model_b=names[1]))
    assert 0 < distance <= np.pi / 2 and (matrix["status"].values == "").all()
    small_vs_large = (matrix.hidden_size_a == 8) & (matrix.hidden_size_b == 12)
    assert float(matrix["distance"].where(small_vs_large).max()) == distance
    assert (results / "figures" / "procrustes_heatmap.png").stat().st_size > 5_000

    # The summary names each network with its variant.
    from dynsim.cli import main

    summary = tmp_path / "summary.md"
    matrices = [str(results / "similarity" / "procrustes.zarr")]
    argv = ["summary", "--networks", *map(str, stores), "--matrices", *matrices, "-o", str(summary)]
    assert main(argv) == 0
    assert "| pdm / leaky_rnn / master / hidden_size8 / seed 0 |" in summary.read_text()
    # The workflow's form (rule summary): the stores listed in a file, same summary.
    listing = tmp_path / "stores.txt"
    listing.write_text("".join(f"{store}\n" for store in stores))
    listed = tmp_path / "summary_listed.md"
    argv = ["summary", "--networks-from", str(listing), "--matrices", *matrices, "-o", str(listed)]
    assert main(argv) == 0
    assert listed.read_text() == summary.read_text()


@pytest.mark.parametrize("name", ["curricula.yaml", "yang2019.yaml", "guilhot2024.yaml"])
def test_shipped_configs_dry_run(tmp_path, name):
    """Every config under config/ validates and plans the jobs its fan-out implies."""
    path = ROOT / "config" / name
    out = snakemake("-n", "--cores", "2", "--configfile", str(path), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout + out.stderr
    # Snakemake merges a --configfile over the default config key by key, nested ones too.
    config = merged(
        yaml.safe_load((ROOT / "config.yaml").read_text()), yaml.safe_load(path.read_text())
    )
    for rule, count in expected_job_counts(config):
        assert any(line.split() == [rule, str(count)] for line in text.splitlines()), text


def test_yang_multitask_networks_train_once(tmp_path):
    """The multitask networks of two Yang task names are one training: the second train job
    copies the first's checkpoint (retargeted to its task) instead of training again, and
    the recordings are on each network's own task."""
    import torch

    config = {
        **yaml.safe_load(TEST_CONFIG.read_text()),
        "experiment": "yangci",
        "tasks": ["delay_pro", "memory_anti"],
        "architectures": ["leaky_rnn"],
        "regimes": ["master", "multitask"],
        "task": {"encoding": "sincos", "sigma": 0.1},
        "training": {
            **{"max_steps": 10, "eval_every": 5, "checkpoints": [0.0, 1.0]},
            **{"batch_size": 16, "eval_trials": 16},
        },
        "compare": {"learning": [0.0, 1.0]},  # each one of the checkpoints (checked)
    }
    path = tmp_path / "yang.yaml"
    path.write_text(yaml.safe_dump(config))
    checkpoints = "results/yangci/checkpoints/{}/leaky_rnn/{}/seed0.pt"
    stores = [
        f"results/yangci/activations/{task}/leaky_rnn/multitask/seed0.zarr"
        for task in ("delay_pro", "memory_anti")
    ]
    # memory_anti's network reuses delay_pro's training (the train rule's input function
    # training_source reads this map), so asking for memory_anti's store alone schedules both
    # trainings.
    assert training_sources(load([path], defaults=ROOT / "config.yaml")) == {
        "memory_anti/leaky_rnn/multitask/seed0": "delay_pro/leaky_rnn/multitask/seed0"
    }
    dry = snakemake(stores[1], "-n", "--cores", "1", "--configfile", str(path), cwd=tmp_path)
    text = dry.stdout + dry.stderr
    assert dry.returncode == 0, text
    assert ["train", "2"] in [line.split() for line in text.splitlines()], text

    out = snakemake(*stores, "--cores", "1", "--configfile", str(path), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    log = tmp_path / "logs/yangci/train/memory_anti/leaky_rnn/multitask/seed0.log"
    assert "the training of delay_pro/leaky_rnn/multitask/seed0" in log.read_text()
    source, copy = (
        torch.load(tmp_path / checkpoints.format(task, "multitask"), weights_only=False)
        for task in ("delay_pro", "memory_anti")
    )
    assert copy["spec"] == {**source["spec"], "task": "memory_anti"}
    assert copy["eval_accuracy"] == source["phases"][-1]["eval_accuracy"]["memory_anti"]
    for step, state in source["snapshots"].items():
        assert all(torch.equal(copy["snapshots"][step][k], v) for k, v in state.items())
    for task, store in zip(("delay_pro", "memory_anti"), stores, strict=True):
        assert xr.open_zarr(tmp_path / store).attrs["task"] == task


def test_stack_seeds_dry_run_groups_only_stackable_networks(tmp_path):
    """training.stack_seeds: one train_seeds job per stackable group (leaky_rnn/gru, master
    or master_gain<g>, ≥ 2 seeds); every other network keeps its own train job."""
    config = {
        "experiment": "stacked",
        "tasks": ["pdm"],
        "architectures": ["leaky_rnn", "gru", "lstm"],
        "seeds": [0, 1, 2],
        "regimes": ["master", "untrained"],
        "training": {"stack_seeds": True},
    }
    path = tmp_path / "stacked.yaml"
    path.write_text(yaml.safe_dump(config))
    out = snakemake("-n", "--cores", "2", "--configfile", str(path), cwd=tmp_path)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    lines = [line.split() for line in text.splitlines()]
    # Stacked: leaky_rnn and gru master (2 jobs of 3 seeds). Alone: their untrained networks
    # and every lstm network (12 jobs).
    assert ["train_seeds", "2"] in lines, text
    assert ["train", "12"] in lines, text
    assert ["record", "18"] in lines, text
    assert "results/stacked/checkpoints/pdm/gru/master/seed2.pt" in text


@pytest.mark.slow
def test_end_to_end_stacked_seeds_match_the_library(tmp_path):
    """A stacked training job writes each seed's checkpoint exactly as train_stacked returns
    it (bit for bit), records every seed and compares them like any networks."""
    import torch

    from dynsim.config import network_specs, validate
    from dynsim.training import train_stacked

    config = {
        **yaml.safe_load(TEST_CONFIG.read_text()),
        "experiment": "stackci",
        "tasks": ["pdm"],
        "architectures": ["leaky_rnn"],
        "seeds": [0, 1],
    }
    config["training"] = {**config["training"], "stack_seeds": True}
    path = tmp_path / "stacked.yaml"
    path.write_text(yaml.safe_dump(config))
    target = "results/stackci/similarity/procrustes.zarr"
    out = snakemake(target, "--cores", "2", "--configfile", str(path), cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "rule train_seeds" in out.stdout + out.stderr

    results = tmp_path / "results" / "stackci"
    full = merged(yaml.safe_load((ROOT / "config.yaml").read_text()), config)
    specs = network_specs(validate(full))
    expected = train_stacked(specs)
    for spec, result in zip(specs, expected, strict=True):
        saved = torch.load(results / "checkpoints" / f"{spec.key}.pt", weights_only=False)
        assert saved["status"] == result.status and saved["final_step"] == result.final_step
        final = saved["snapshots"][saved["final_step"]]
        for name, value in result.snapshots[result.final_step].items():
            assert torch.equal(final[name], value), name
        assert xr.open_zarr(results / "activations" / f"{spec.key}.zarr")["hidden"].notnull().all()
    matrix = xr.open_zarr(results / "similarity" / "procrustes.zarr").load()
    assert matrix["distance"].shape == (2, 2) and (matrix["status"].values == "").all()


# --- kill -9 at random points (issue 13, acceptance 3) ----------------------------------------

KILL_METRICS = ("procrustes", "cka", "dsa")
#: DSA is bitwise reproducible on CPU (its least-squares driver, thread count and per-pair
#: optimiser state are fixed: tests/test_dsa.py), so a resumed DSA matrix equals a fresh one
#: exactly, like every other output.
DSA_TOLERANCE = 0.0


def start_snakemake(*args: str, cwd: Path) -> subprocess.Popen:
    """Snakemake in its own session (process group), as the README's commands run it."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory"]
    return subprocess.Popen(
        [*cmd, str(cwd), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def processes_in(directory: Path) -> list[int]:
    """Ids of the processes whose working directory is ``directory`` (Snakemake's jobs)."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and Path(os.readlink(proc / "cwd")) == directory:
                pids.append(int(proc.name))
        except OSError:
            continue  # gone, or not ours to read
    return pids


def interrupted(directory: Path) -> tuple[list[str], list[str]]:
    """What a kill left in a run directory: the rules of the jobs the last Snakemake log shows
    started but not finished, and the temporaries of killed writes under ``results/``."""
    log = max((directory / ".snakemake" / "log").glob("*.log"), key=lambda p: p.stat().st_mtime)
    started, finished = {}, set()
    rule = None
    for line in log.read_text().splitlines():
        if line.startswith(("rule ", "localrule ")):
            rule = line.split()[1].rstrip(":")
        elif line.strip().startswith("jobid:") and rule:
            started[line.split()[1]] = rule
            rule = None
        elif line.startswith("Finished jobid:"):
            finished.add(line.split()[2])
    cut = sorted(r for job, r in started.items() if job not in finished)
    temporaries = sorted(p.name for p in (directory / "results").rglob(".*.tmp-*"))
    return cut, temporaries


def assert_same_content(a, b, where: str = "") -> None:
    """Recursive exact equality of checkpoint contents (tensors bit for bit, NaN == NaN),
    except the wall time ``seconds``."""
    import torch

    assert type(a) is type(b), where
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            if key != "seconds":
                assert_same_content(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_content(x, y, f"{where}[{k}]")
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


@pytest.mark.slow
def test_kill9_at_random_points_then_resume_equals_uninterrupted(tmp_path):
    """The README's resume instructions, done after `kill -9` of Snakemake's whole process
    group at 3 seeded random points: `snakemake --unlock` with the same options, then the same
    command. The final checkpoints (but their wall time), activation stores (but their
    ``train_seconds``) and similarity matrices equal an uninterrupted run's, and no temporary
    or partial result is left."""
    import torch

    targets = [f"results/ci/similarity/{metric}.zarr" for metric in KILL_METRICS]
    command = [*targets, "--cores", "2", "--configfile", str(TEST_CONFIG)]
    unlock = ["--unlock", "--configfile", str(TEST_CONFIG)]
    reference, resumed = tmp_path / "reference", tmp_path / "resumed"
    reference.mkdir()
    resumed.mkdir()

    # The uninterrupted run, alongside the interrupted one (they share nothing but the CPUs).
    uninterrupted = start_snakemake(*command, cwd=reference)

    # Kill points spread over the whole run: kill k comes a random 0–2 s after a random number
    # of finished outputs (of 4 checkpoints, 4 stores, 3 matrices; an output exists only once
    # complete) is reached, drawn from 1–3, 4–7 and 8–10 (training, recording, comparing).
    rng = np.random.default_rng(13)
    # Fixed depths: a recursive glob would walk into stores that are being renamed into place.
    outputs = ["checkpoints/*/*/*/seed*.pt", "activations/*/*/*/seed*.zarr", "similarity/*.zarr"]

    def finished() -> int:
        results = resumed / "results" / "ci"
        return sum(len(list(results.glob(pattern))) for pattern in outputs)

    stages = [int(rng.integers(low, high)) for low, high in ((1, 4), (4, 8), (8, 11))]
    kills = []
    for stage in stages:
        proc = start_snakemake(*command, cwd=resumed)
        while finished() < stage and proc.poll() is None:
            time.sleep(0.05)
        delay = float(rng.uniform(0.0, 2.0))
        try:
            proc.wait(timeout=delay)  # finished before its kill: nothing to resume
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            time.sleep(0.5)
            assert not processes_in(resumed), "a job survived the kill of its process group"
            kills.append((stage, round(delay, 2), *interrupted(resumed)))
        out = snakemake(*unlock, cwd=resumed)
        assert out.returncode == 0, out.stdout + out.stderr
    out = snakemake(*command, cwd=resumed)
    assert out.returncode == 0, out.stdout + out.stderr
    print("kill -9 (outputs done, s after, jobs cut off, temporaries left):", kills)
    assert len(kills) == 3, kills  # every kill landed inside a run
    assert uninterrupted.wait(timeout=600) == 0

    ref, res = reference / "results" / "ci", resumed / "results" / "ci"
    files = sorted(p.relative_to(ref) for p in ref.rglob("*") if "zarr" not in str(p))
    assert files == sorted(p.relative_to(res) for p in res.rglob("*") if "zarr" not in str(p))
    leftovers = [p for p in res.rglob(".*") if p.name != ".snakemake_timestamp"]
    assert not leftovers, leftovers  # no temporary of a killed write, no partial results

    checkpoints = sorted(ref.glob("checkpoints/**/*.pt"))
    assert len(checkpoints) == 4
    for path in checkpoints:
        expected = torch.load(path, weights_only=True)
        got = torch.load(res / path.relative_to(ref), weights_only=True)
        assert_same_content(expected, got, str(path.relative_to(ref)))

    stores = sorted(ref.glob("activations/**/*.zarr"))
    assert len(stores) == 4
    for path in stores:
        expected = xr.open_zarr(path).load()
        got = xr.open_zarr(res / path.relative_to(ref)).load()
        xr.testing.assert_identical(expected.drop_attrs(deep=False), got.drop_attrs(deep=False))
        wall = "train_seconds"
        assert {k: v for k, v in expected.attrs.items() if k != wall} == {
            k: v for k, v in got.attrs.items() if k != wall
        }

    for metric in KILL_METRICS:
        expected = xr.open_zarr(ref / "similarity" / f"{metric}.zarr").load()
        got = xr.open_zarr(res / "similarity" / f"{metric}.zarr").load()
        assert (expected["status"].values == "").all()
        if metric == "dsa":
            gap = np.abs(got["distance"].values - expected["distance"].values).max()
            print(f"dsa: largest difference from the uninterrupted run {gap:.3g} rad")
            np.testing.assert_allclose(
                got["distance"].values, expected["distance"].values, rtol=0, atol=DSA_TOLERANCE
            )
            got = got.assign(distance=expected["distance"])
        xr.testing.assert_identical(expected, got)
