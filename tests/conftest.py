import os

# Keep BLAS single-threaded in tests, set before NumPy loads OpenBLAS: on a 2-core machine
# OpenBLAS and torch threads otherwise fight (10–100× slowdowns measured), and results must
# not depend on the machine's core count.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


def random_orthogonal(n: int, rng: np.random.Generator, det: int | None = None) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    q = q * np.sign(np.diag(r))
    if det is not None and np.sign(np.linalg.det(q)) != det:
        q[:, 0] = -q[:, 0]
    return q


def snakemake(*args: str, cwd: Path, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
    """Run this repository's workflow (``snakemake -s Snakefile --directory cwd ARGS``) with the
    test interpreter's environment first on PATH, so its jobs call this checkout's ``dynsim``."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    command = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile")]
    return subprocess.run(
        [*command, "--directory", str(cwd), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        **kwargs,
    )
