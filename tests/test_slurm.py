"""The tiny config through profiles/slurm on a real single-node SLURM (slurmctld + slurmd +
munged on loopback, started here in a temporary directory with their own slurm.conf, no
accounting), checked against a local run of the same config.

Runs where Debian's slurm-wlm and munge are installed (.ci/run installs them) and the test
runs as root (slurmd starts job steps as their user, which needs root); skipped with the
reason otherwise. Everything started is stopped at the end, on failure too.
"""

from __future__ import annotations

import getpass
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import ROOT

from dynsim.config import ConfigError, validate

TEST_CONFIG = ROOT / ".test" / "config.yaml"
PROFILE = ROOT / "profiles" / "slurm"
DAEMONS = ("slurmctld", "slurmd", "munged")
CLIENTS = ("sbatch", "squeue", "scancel", "sinfo", "srun")
# The node this test's SLURM offers: the machine's CPUs and the memory below. The config
# tells the workflow a node has 1 CPU, so compare (compare.threads defaults to 8, the case
# that once stayed PENDING for ever on a 2-CPU node) asks for 1, and two jobs run at once
# even on a 2-core CI machine.
NODE_CPUS = os.cpu_count() or 1
CPUS_PER_NODE = 1
NODE_MEMORY_MB = 8000


def _missing() -> str | None:
    """Why this machine cannot run the test, or None."""
    binaries = [b for b in DAEMONS + CLIENTS if shutil.which(b, path=_sbin_path()) is None]
    if binaries:
        return (
            f"SLURM/munge binaries not found: {', '.join(binaries)} "
            "(apt-get install slurm-wlm munge; .ci/run does)"
        )
    if os.geteuid() != 0:
        return "slurmd must run as root to start job steps; run the SLURM test as root"
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return "snakemake-executor-plugin-slurm is not installed (pip install -e '.[cluster]')"
    return None


def _sbin_path() -> str:
    return os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])


needs_slurm = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _slurm_conf(root: Path, host: str) -> str:
    """A single-node cluster on loopback; no accounting storage (sacct then fails, the case
    the profile's squeue status command exists for) and no cgroups (containers lack them)."""
    return f"""\
ClusterName=dynsimtest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root}/munge/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MinJobAge=3600
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={NODE_CPUS} RealMemory={NODE_MEMORY_MB} State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def _logs(root: Path) -> str:
    return "\n".join(
        f"--- {log}\n{(root / log).read_text()[-2000:]}"
        for log in ("slurmctld.log", "slurmd.log", "munge/munged.log")
        if (root / log).exists()
    )


@pytest.fixture
def slurm_cluster() -> Iterator[dict[str, str]]:
    """Start munged, slurmctld and slurmd in the foreground (so this process owns them) and
    yield the environment for SLURM clients; stop every job and daemon afterwards."""
    # A short directory: the munge socket path must fit a Unix socket name (108 bytes).
    root = Path(tempfile.mkdtemp(prefix="dynsim-slurm-", dir="/tmp"))
    host = socket.gethostname().split(".")[0]
    for sub in ("munge", "state", "spool"):
        (root / sub).mkdir()
    # munged wants every directory above its socket searchable by all (mkdtemp makes 0700).
    root.chmod(0o755)
    (root / "munge").chmod(0o755)
    key = root / "munge" / "munge.key"
    key.write_bytes(secrets.token_bytes(1024))
    key.chmod(0o400)
    conf = root / "slurm.conf"
    conf.write_text(_slurm_conf(root, host))
    # The jobstep plugin drops SLURM_* variables (SLURM_CONF among them) before its srun
    # inside a job; on a real cluster srun finds /etc/slurm/slurm.conf, here it needs this
    # shim to find the test's slurm.conf.
    shims = root / "bin"
    shims.mkdir()
    srun = shims / "srun"
    srun.write_text(f'#!/bin/sh\nSLURM_CONF={conf} exec {shutil.which("srun")} "$@"\n')
    srun.chmod(0o755)
    env = {
        **os.environ,
        "SLURM_CONF": str(conf),
        "PATH": os.pathsep.join([str(shims), str(Path(sys.executable).parent), _sbin_path()]),
    }
    sbin = {name: shutil.which(name, path=_sbin_path()) for name in DAEMONS}
    commands = [
        [
            sbin["munged"],
            "-F",
            f"--socket={root}/munge/munge.socket",
            f"--key-file={key}",
            f"--pid-file={root}/munge/munged.pid",
            f"--log-file={root}/munge/munged.log",
            f"--seed-file={root}/munge/seed",
        ],
        [sbin["slurmctld"], "-D", "-i"],
        [sbin["slurmd"], "-D", "-N", host],
    ]
    daemons: list[subprocess.Popen] = []
    try:
        for command in commands:
            daemons.append(
                subprocess.Popen(
                    command,
                    env=env,
                    cwd=root,
                    start_new_session=True,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            time.sleep(1)
            assert daemons[-1].poll() is None, f"{command[0]} exited\n{_logs(root)}"
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            out = subprocess.run(
                ["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True
            )
            state = out.stdout.strip()
            if state == "idle":
                break
            time.sleep(1)
        assert state == "idle", f"the test's SLURM node did not come up ({state!r})\n{_logs(root)}"
        yield env
    finally:
        subprocess.run(
            ["scancel", "--user", getpass.getuser()], env=env, capture_output=True, timeout=30
        )
        for proc in reversed(daemons):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(daemons):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _snakemake(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile")]
    return subprocess.run(
        [*command, "--directory", str(cwd), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=1500,
    )


def _matrices(results: Path) -> dict[str, xr.Dataset]:
    return {
        store.name: xr.open_zarr(store).load()
        for store in sorted((results / "similarity").glob("*.zarr"))
    }


@pytest.mark.slurm
@pytest.mark.slow
@needs_slurm
def test_tiny_config_through_the_slurm_profile_equals_a_local_run(slurm_cluster, tmp_path):
    cluster = tmp_path / "cluster.yaml"
    # Two networks per submitted job: the 4 networks are 2 submissions.
    cluster.write_text(f"cluster:\n  cpus_per_node: {CPUS_PER_NODE}\n  group_size: 2\n")
    configs = ["--configfile", str(TEST_CONFIG), str(cluster)]

    on_slurm = tmp_path / "slurm"
    on_slurm.mkdir()
    start = time.monotonic()
    out = _snakemake(
        "--profile",
        str(PROFILE),
        *configs,
        # Poll sooner than the profile's 20 s: the tiny jobs take seconds.
        "--slurm-init-seconds-before-status-checks",
        "5",
        cwd=on_slurm,
        env=slurm_cluster,
    )
    elapsed = time.monotonic() - start
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-6000:]
    assert "slurm-status-command" not in log  # the profile's setting was accepted
    print(f"tiny config on SLURM: {elapsed:.0f} s")
    # Every job went through SLURM, the networks in groups of two: 2 group jobs, 6 compare,
    # 12 figures (3 heatmaps, 3 learning curves, the panel, 3 MDS maps, metric agreement,
    # distance vs accuracy), the summary and the systems bench.
    submitted = log.count("has been submitted with SLURM jobid")
    assert submitted == 2 + 6 + 12 + 1 + 1, log[-6000:]
    # Every job SLURM ran (squeue keeps finished ones for MinJobAge) completed, and none
    # asked for more CPUs than the config says a node has.
    jobs = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i|%T|%C"],
        env=slurm_cluster,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(jobs) == submitted and all("|COMPLETED|" in job for job in jobs), jobs
    assert max(int(job.rsplit("|", 1)[1]) for job in jobs) == CPUS_PER_NODE, jobs

    local = tmp_path / "local"
    local.mkdir()
    targets = [
        f"results/ci/similarity/{name}.zarr"
        for metric in ("procrustes", "cka", "dsa")
        for name in (metric, f"{metric}_learning")
    ]
    out = _snakemake(*targets, "--cores", "2", *configs, cwd=local, env=slurm_cluster)
    assert out.returncode == 0, (out.stdout + out.stderr)[-6000:]

    expected = _matrices(local / "results" / "ci")
    got = _matrices(on_slurm / "results" / "ci")
    assert sorted(got) == sorted(expected) and len(expected) == 6
    for name, want in expected.items():
        have = got[name]
        assert have["distance"].dims == want["distance"].dims
        for dim in want["distance"].dims:
            np.testing.assert_array_equal(have[dim].values, want[dim].values)
        np.testing.assert_array_equal(have["status"].values, want["status"].values)
        np.testing.assert_allclose(
            have["distance"].values,
            want["distance"].values,
            rtol=0,
            atol=1e-12,
            err_msg=name,
        )
        assert np.isfinite(want["distance"].values).all(), name
    assert (on_slurm / "results" / "ci" / "summary.md").exists()


@pytest.mark.parametrize(
    ("cluster", "named"),
    [
        ({"group_size": 0}, "cluster.group_size"),
        ({"cpus_per_node": 0}, "cluster.cpus_per_node"),
        ({"train_gpus": -1}, "cluster.train_gpus"),
        ({"compare_gpus": 1.5}, "cluster.compare_gpus"),
        ({"nodes": 3}, "cluster.nodes"),
        # GPU training in groups needs the node's CPUs (one training at a time per group).
        ({"train_gpus": 1}, "cluster.cpus_per_node"),
    ],
)
def test_cluster_keys_are_checked(cluster, named):
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["cluster"] = cluster
    with pytest.raises(ConfigError, match=f"'{re.escape(named)}'"):
        validate(config)


def test_cluster_defaults():
    config = validate(yaml.safe_load((ROOT / "config.yaml").read_text()))
    assert config["cluster"] == {
        "cpus_per_node": None,
        "group_size": 50,
        "train_gpus": 0,
        "compare_gpus": 0,
    }
    gpu = yaml.safe_load((ROOT / "config.yaml").read_text())
    gpu["cluster"] = {"train_gpus": 1, "group_size": 1}
    validate(gpu)  # one network per job: no node size needed


@pytest.mark.skipif(
    importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
    reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[cluster]')",
)
@pytest.mark.parametrize(("group_size", "groups"), [(3, 4), (1, 12)])
def test_dry_run_with_the_profile_groups_networks(tmp_path, group_size, groups):
    """12 networks (2 tasks × 2 architectures × 3 seeds) in groups of group_size: the profile's
    dry run plans ceil(12 / group_size) group jobs, each holding whole train → record pairs."""
    overlay = tmp_path / "cluster.yaml"
    overlay.write_text(
        f"seeds: [0, 1, 2]\ncluster:\n  cpus_per_node: 2\n  group_size: {group_size}\n"
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    out = _snakemake(
        "-n",
        "--profile",
        str(PROFILE),
        "--configfile",
        str(TEST_CONFIG),
        str(overlay),
        cwd=tmp_path,
        env=env,
    )
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    blocks = log.split("Group job networks")[1:]
    assert len(blocks) == groups, log[-4000:]
    sizes = []
    for block in blocks:
        block = block.split("\nrule ")[0]  # up to the next ungrouped job
        trains = block.count("rule train:")
        assert block.count("rule record:") == trains
        sizes.append(trains)
    assert sorted(sizes) == sorted([group_size] * (12 // group_size)), sizes
