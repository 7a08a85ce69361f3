"""Atomic writes (issue 13, item 14): the temporaries a killed writer leaves behind are removed
by the next successful write of the same output, and only those."""

import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import xarray as xr

from dynsim.atomic import atomic_path
from dynsim.store import atomic_write_zarr

WRITER = """
import sys, time
from pathlib import Path
from dynsim.atomic import atomic_path
with atomic_path(Path(sys.argv[1])) as tmp:
    tmp.mkdir()
    (tmp / "part").write_text("half")
    print(tmp, flush=True)
    time.sleep(600)  # killed here, in the middle of the write
"""


def start_writer(path):
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    return proc, proc.stdout.readline().strip()


def test_killed_writers_temporary_is_removed_by_the_next_write(tmp_path):
    out = tmp_path / "seed0.zarr"
    proc, tmp = start_writer(out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert os.path.isdir(tmp) and not out.exists()  # what kill -9 leaves
    legacy = tmp_path / ".seed0.zarr.tmp-0a1b2c3d"  # a leftover of the previous name format
    legacy.mkdir()
    other = tmp_path / ".other.zarr.tmp-0a1b2c3d"  # another output's: not this write's business
    other.mkdir()
    ds = xr.Dataset({"x": ("a", np.arange(3.0))})
    atomic_write_zarr(ds, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.zarr.tmp-0a1b2c3d", "seed0.zarr"]


def test_live_writers_and_other_hosts_temporaries_are_kept(tmp_path):
    out = tmp_path / "net.pt"
    proc, tmp = start_writer(out)
    remote = tmp_path / f".net.pt.tmp-{socket.gethostname()}x-{proc.pid}-0a1b2c3d"
    remote.write_text("another host's write in progress")
    try:
        with atomic_path(out) as path:
            path.write_text("done")
        assert out.read_text() == "done"
        assert os.path.isdir(tmp) and remote.exists()  # a live writer, and one we cannot see
    finally:
        proc.kill()
        proc.wait()
    time.sleep(0.05)
    with atomic_path(out) as path:
        path.write_text("again")
    assert not os.path.exists(tmp) and remote.exists()
