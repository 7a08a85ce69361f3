"""Tiled compare through the real workflow: compare.tile_pairs splits each matrix into tile
jobs whose merge equals an untiled `dynsim compare` bit for bit, and a killed tile is the only
job rerun. Activation stores are written directly (the workflow's own training is tested in
test_workflow.py), so only the compare rules run (--allowed-rules)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import snakemake
from test_tiles import assert_bitwise_same, template_recording, write_store

ROOT = Path(__file__).resolve().parents[1]
RULES = ["--allowed-rules", "network_list", "compare_tile", "merge_tiles"]


def job_counts(text: str) -> dict[str, int]:
    """The 'Job stats' table of a Snakemake run."""
    counts, table = {}, False
    for line in text.splitlines():
        parts = line.split()
        table = table or parts[:2] == ["job", "count"]
        if table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
            if parts[0] == "total":
                break
    return counts


@pytest.mark.slow
def test_tiles_merge_to_the_untiled_matrix_and_a_killed_tile_reruns_alone(tmp_path):
    # The tiny config's four networks (2 tasks x 2 architectures, seed 0): the symmetric
    # CKA's 6 pairs in batches of 2, one batch per tile -> 3 tiles.
    results = tmp_path / "results" / "ci"
    recording, rng = template_recording(), np.random.default_rng(7)
    stores = []
    for task in ("pdm", "anti_pdm"):
        for arch in ("leaky_rnn", "gru"):
            info = {"task": task, "arch": arch, "regime": "master", "seed": 0, "status": "ok"}
            path = results / "activations" / task / arch / "master" / "seed0.zarr"
            stores.append(write_store(recording, info, path, rng))
    overlay = tmp_path / "tiles.yaml"
    overlay.write_text("compare:\n  tile_pairs: 2\n  batch_size: 2\n")
    config = ["--configfile", str(ROOT / ".test" / "config.yaml"), str(overlay)]
    target = "results/ci/similarity/cka.zarr"

    out = snakemake(target, "--cores", "2", *config, *RULES, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert job_counts(out.stdout + out.stderr) == {
        "network_list": 1,
        "compare_tile": 3,
        "merge_tiles": 1,
        "total": 5,
    }
    untiled = tmp_path / "untiled.zarr"
    listing = results / "similarity" / "networks.txt"
    assert listing.read_text().split() == [str(p.relative_to(tmp_path)) for p in stores]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(
        [
            "dynsim",
            "compare",
            "--inputs-from",
            str(listing),
            "--metric",
            "cka",
            "--params-json",
            '{"score_method": "angular"}',  # the workflow's (config.yaml)
            "--batch-size",
            "2",
            "--backend",
            "inprocess",
            "--no-progress",
            "-o",
            str(untiled),
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    assert_bitwise_same(untiled, tmp_path / target)

    # The state a killed tile job leaves: its tile absent (written atomically, and Snakemake
    # removes a failed job's output), the others done, no merged matrix. Only it and the
    # merge rerun; the other tiles are not touched.
    tiles = results / "similarity" / ".tiles" / "cka"
    kept = {p.name: p.stat().st_mtime_ns for p in tiles.glob("tile*.npz")}
    assert sorted(kept) == ["tile00000.npz", "tile00001.npz", "tile00002.npz"]
    (tiles / "tile00001.npz").unlink()
    shutil.rmtree(tmp_path / target)
    out = snakemake(target, "--cores", "2", *config, *RULES, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert job_counts(out.stdout + out.stderr) == {"compare_tile": 1, "merge_tiles": 1, "total": 2}
    for name, mtime in kept.items():
        if name != "tile00001.npz":
            assert (tiles / name).stat().st_mtime_ns == mtime, name
    assert_bitwise_same(untiled, tmp_path / target)
