"""dynsim against a real Ray cluster started as a user starts one: `ray start --head` on
loopback, token authentication on (Ray 2.60's default once a token exists), and nothing set in
the client's environment but the cluster's address. Checked: compare runs on the cluster and
equals an in-process run; one Ray session per job (over-learning: one, not one per point); a
dead address fails within 30 s naming it.

The cluster gets its own HOME (its token, ~/.ray/auth_token, as `ray get-auth-token
--generate` or any local `ray.init()` writes it), temp dir and free ports, so it neither reads
nor disturbs the user's Ray. It is stopped by signalling the `ray start --block` process and
then killing whatever is left of its process session: `ray stop` would stop every Ray process
of the user on the machine, other sessions included.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

BIN = Path(sys.executable).parent
RAY = shutil.which("ray", path=str(BIN))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(RAY is None, reason="the `ray` command is not installed"),
]


def free_ports(n: int) -> list[int]:
    """n TCP ports free on loopback now (bound together, so distinct)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def user_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user whose home is ``home``: no Ray variable of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    return {**env, "HOME": str(home), "PATH": f"{BIN}{os.pathsep}{env['PATH']}", **extra}


def in_session(sid: int) -> list[int]:
    """Processes of the session ``sid`` (the `ray start --block` process started it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid:
                    pids.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                pass
    return pids


@pytest.fixture(scope="module")
def cluster():
    """(address, home, session dir) of a `ray start --head` cluster on loopback."""
    # Short paths: Ray's Unix sockets live under the temp dir (107-byte limit).
    root = Path(tempfile.mkdtemp(prefix="dsray", dir="/tmp"))
    home, temp = root / "home", root / "t"
    home.mkdir()
    subprocess.run(
        [RAY, "get-auth-token", "--generate"],
        env=user_env(home),
        check=True,
        capture_output=True,
        timeout=60,
    )
    gcs, *ports = free_ports(8)
    command = [
        RAY, "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
        "--port", str(gcs), "--temp-dir", str(temp), "--num-cpus", "2",
        "--include-dashboard", "false", "--disable-usage-stats",
        "--object-store-memory", str(100 * 1024**2),
        "--object-manager-port", str(ports[0]), "--node-manager-port", str(ports[1]),
        "--dashboard-agent-listen-port", str(ports[2]),
        "--dashboard-agent-grpc-port", str(ports[3]), "--runtime-env-agent-port", str(ports[4]),
        "--metrics-export-port", str(ports[5]),
        "--min-worker-port", str(ports[6]), "--max-worker-port", str(ports[6] + 40),
    ]  # fmt: skip
    log = (root / "ray_start.log").open("w")
    head = subprocess.Popen(command, env=user_env(home), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while "Ray runtime started" not in (root / "ray_start.log").read_text():
            assert head.poll() is None, (root / "ray_start.log").read_text()
            assert time.monotonic() < deadline, "ray start did not come up in 90 s"
            time.sleep(0.5)
        started = (root / "ray_start.log").read_text()
        assert "Token authentication is enabled" in started, started
        yield f"127.0.0.1:{gcs}", home, temp
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` stops what it started
        try:
            head.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        for pid in in_session(head.pid):  # anything left of this cluster only
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        head.wait(timeout=10)
        log.close()
        assert not in_session(head.pid)
        shutil.rmtree(root, ignore_errors=True)


def dynsim(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "dynsim"), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def drivers(temp: Path) -> set[str]:
    """The Ray jobs (driver sessions) the cluster has seen, from its driver log files."""
    logs = temp / "session_latest" / "logs"
    return {p.name.split("-")[3].split("_")[0] for p in logs.glob("python-core-driver-*.log")}


@pytest.fixture(scope="module")
def activity(tmp_path_factory):
    """Four networks' activity as .npy (trial, time, unit)."""
    root = tmp_path_factory.mktemp("npy")
    rng = np.random.default_rng(2)
    paths = []
    for k in range(4):
        path = root / f"net{k}.npy"
        np.save(path, rng.standard_normal((3, 20, 6)))
        paths.append(str(path))
    return paths


def test_compare_on_the_cluster_equals_in_process(tmp_path, cluster, activity):
    address, home, temp = cluster
    env = user_env(home, PYTHONPATH=os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    here = dynsim("compare", *activity, "--metric", "cka", "--backend", "inprocess",
                  "--no-progress", "-o", str(tmp_path / "here.zarr"), env=env)  # fmt: skip
    assert here.returncode == 0, here.stderr
    before = drivers(temp)
    # As the issue ran it: the cluster named by RAY_ADDRESS, nothing else set.
    named = {**env, "RAY_ADDRESS": address}
    there = dynsim("compare", *activity, "--metric", "cka", "--no-progress",
                   "-o", str(tmp_path / "there.zarr"), env=named)  # fmt: skip
    assert there.returncode == 0, there.stderr
    assert len(drivers(temp) - before) == 1  # it ran as one job on this cluster
    a = xr.open_zarr(tmp_path / "here.zarr").load()
    b = xr.open_zarr(tmp_path / "there.zarr").load()
    assert b.attrs["backend"] == "ray" and a.attrs["backend"] == "inprocess"
    # The engine's contract across backends and batchings (tests/test_static_fast_path.py):
    # equal to 1e-12 — CKA's blocked products round by the block they are computed in, and a
    # Ray task's block holds only its batch's networks (measured: 1 ulp on 4 of 16 entries).
    np.testing.assert_allclose(a["distance"].values, b["distance"].values, rtol=0, atol=1e-12)
    assert (b["status"].values == "").all()


def test_over_learning_is_one_session(tmp_path, cluster):
    """`compare --over-learning` runs the engine once per progress point; one Ray job."""
    address, home, temp = cluster
    rng = np.random.default_rng(3)
    paths = []
    for k in range(3):  # (checkpoint, trial, time, unit) with a progress coordinate
        data = xr.DataArray(
            rng.standard_normal((3, 2, 10, 5)),
            dims=("checkpoint", "trial", "time", "unit"),
            coords={"progress": ("checkpoint", [0.0, 0.5, 1.0])},
            name="hidden",
        )
        paths.append(str(tmp_path / f"net{k}.nc"))
        data.to_dataset().to_netcdf(paths[-1])
    env = user_env(home, PYTHONPATH=os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    before = drivers(temp)
    out = dynsim("compare", *paths, "--metric", "procrustes", "--over-learning", "0,0.5,1",
                 "--ray-address", address, "--no-progress", "-o", str(tmp_path / "l.zarr"),
                 env=env)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert len(drivers(temp) - before) == 1
    assert xr.open_zarr(tmp_path / "l.zarr").sizes["progress"] == 3


def test_dead_address_fails_fast_naming_it(tmp_path, activity):
    (port,) = free_ports(1)  # nothing listens there
    dead = f"127.0.0.1:{port}"
    env = user_env(tmp_path, PYTHONPATH=os.environ.get("PYTHONPATH", ""), RAY_ADDRESS=dead)
    start = time.monotonic()
    out = dynsim("compare", *activity, "--metric", "cka", "--no-progress", env=env, timeout=60)
    elapsed = time.monotonic() - start
    assert out.returncode == 2, out.stderr
    assert f"Ray cluster at {dead} does not answer" in out.stderr
    assert elapsed < 30, elapsed


def test_malformed_address_is_named_before_connecting():
    from dynsim.raysession import check_reachable

    with pytest.raises(ValueError, match=r"Ray address 'head-node' .*expected host:port"):
        check_reachable("head-node")
    check_reachable("auto")  # Ray finds a local cluster itself: nothing to check here
