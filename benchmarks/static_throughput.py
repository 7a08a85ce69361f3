"""Static metrics (CKA, Procrustes, RSA): dynsim against the fastest honest per-pair loop.

Throughput (default): N networks of ``samples`` × ``units`` (default 300 of 200 × 64),
start-up included on both sides, one BLAS thread (set OMP_NUM_THREADS=1 before running):

* **dynsim**: ``dynsim.metrics.pairwise(data, metric)``, timed end to end (every network
  prepared, the whole matrix, the labelled DataArray), import of ``dynsim.metrics`` excluded
  from the pairs/s and timed separately in a fresh interpreter;
* **per-pair loop**: NumPy written for speed: each network centred and normalised once, then
  per pair CKA = ‖YᵀX‖_F² / (‖XᵀX‖_F‖YᵀY‖_F) (feature space, norms precomputed) and the
  Procrustes angle arccos ‖XᵀY‖_* (singular values only), both over all N(N−1)/2 pairs.

It prints pairs/s of both, their ratio and max |d_dynsim − d_loop| over all pairs.

    OMP_NUM_THREADS=1 python benchmarks/static_throughput.py
    OMP_NUM_THREADS=1 python benchmarks/static_throughput.py --data lowrank   # 1 in 5 rank 8

Memory (``--memory``): 1,000 networks of the default workflow's shape (32 trials × 45 steps ×
32 units, float32 as stored) through CKA, Procrustes and RSA with ``dynsim.pairwise.compute``
(backend auto, as the workflow runs it), each metric in its own process; prints wall time and
peak resident memory (``resource.getrusage``: ru_maxrss, the whole process, data included).

    OMP_NUM_THREADS=1 python benchmarks/static_throughput.py --memory
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np


def make_networks(n: int, samples: int, units: int, data: str, seed: int = 0) -> dict:
    """Networks sharing an 8-dimensional latent signal plus their own noise (amplitude
    0.5–4.5 by network, so distances spread). ``data="lowrank"``: every fifth network has no
    noise (rank 8), as in ``pairwise_throughput.py``. Shaped (10 trials, samples/10, units)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(samples, 8))
    out = {}
    for k in range(n):
        noise = (k % 5) if data == "lowrank" else (k % 5) + 0.5
        activity = latent @ rng.normal(size=(8, units)) + rng.normal(size=(samples, units)) * noise
        out[f"net{k:04d}"] = activity.reshape(10, samples // 10, units)
    return out


def loop_prepare(data: dict) -> list[np.ndarray]:
    out = []
    for x in data.values():
        x = x.reshape(-1, x.shape[-1])
        x = x - x.mean(axis=0)
        out.append(x / np.linalg.norm(x))
    return out


def loop_cka(data: dict) -> np.ndarray:
    xs = loop_prepare(data)
    norms = [np.linalg.norm(x.T @ x) for x in xs]
    n = len(xs)
    out = np.zeros((n, n))
    for i in range(n):
        xi = xs[i]
        for j in range(i + 1, n):
            c = np.linalg.norm(xs[j].T @ xi) ** 2 / (norms[i] * norms[j])
            out[i, j] = out[j, i] = np.arccos(min(c, 1.0))
    return out


def loop_procrustes(data: dict) -> np.ndarray:
    xs = loop_prepare(data)
    n = len(xs)
    out = np.zeros((n, n))
    for i in range(n):
        xi_t = xs[i].T
        for j in range(i + 1, n):
            s = np.linalg.svd(xi_t @ xs[j], compute_uv=False).sum()
            out[i, j] = out[j, i] = np.arccos(min(s, 1.0))
    return out


LOOPS = {"cka": loop_cka, "procrustes": loop_procrustes}


def import_time() -> float:
    code = (
        "import time; t = time.perf_counter(); import dynsim.metrics; "
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def throughput(args: argparse.Namespace) -> None:
    import dynsim.metrics as dm

    data = make_networks(args.n, args.samples, args.units, args.data)
    n_pairs = args.n * (args.n - 1) // 2
    print(
        f"# {args.n} networks of {args.samples} x {args.units} ({args.data}), {n_pairs} pairs; "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; {platform.machine()}, "
        f"{os.cpu_count()} CPUs; import dynsim.metrics {import_time():.2f} s (fresh interpreter)"
    )
    # Wall time and this process's CPU time: on a shared machine the wall clock measures the
    # other processes too; CPU time (single-threaded BLAS) is the work itself.
    print(
        f"{'metric':<11} {'dynsim wall':>11} {'cpu':>7} {'pairs/cpu-s':>11} {'loop wall':>9} "
        f"{'cpu':>7} {'pairs/cpu-s':>11} {'ratio wall':>10} {'ratio cpu':>9} {'max|dd|':>8}"
    )
    for metric in args.metrics:
        wall, cpu = time.perf_counter(), time.process_time()
        ours = dm.pairwise(data, metric).values
        w_ours, c_ours = time.perf_counter() - wall, time.process_time() - cpu
        wall, cpu = time.perf_counter(), time.process_time()
        theirs = LOOPS[metric](data)
        w_loop, c_loop = time.perf_counter() - wall, time.process_time() - cpu
        diff = float(np.nanmax(np.abs(ours - theirs)))
        print(
            f"{metric:<11} {w_ours:11.2f} {c_ours:7.2f} {n_pairs / c_ours:11.0f} {w_loop:9.2f} "
            f"{c_loop:7.2f} {n_pairs / c_loop:11.0f} {w_loop / w_ours:9.1f}x "
            f"{c_loop / c_ours:8.1f}x {diff:8.1e}"
        )


def memory_one(metric: str, n: int) -> None:
    """One metric on ``n`` networks of 32 × 45 × 32 in this process; prints a JSON line."""
    from dynsim.pairwise import compute

    rng = np.random.default_rng(1)
    latent = rng.normal(size=(32 * 45, 8))
    data = {
        f"net{k:04d}": (latent @ rng.normal(size=(8, 32)) + rng.normal(size=(32 * 45, 32)))
        .reshape(32, 45, 32)
        .astype(np.float32)
        for k in range(n)
    }
    start = time.perf_counter()
    ds = compute(metric, data, progress=False)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024  # KiB on Linux
    ok = int(np.isfinite(ds["distance"].values).sum())
    print(
        json.dumps(
            {
                "metric": metric,
                "networks": n,
                "wall_s": round(wall, 2),
                "cpu_s_process": round(usage.ru_utime + usage.ru_stime, 1),
                "peak_rss_mb": round(peak_mb),
                "finite_entries": ok,
                "backend": ds.attrs["backend"],
            }
        )
    )


def memory(args: argparse.Namespace) -> None:
    print(
        f"# {args.memory_n} networks of 32 x 45 x 32 (float32), compute(backend='auto'); "
        "one process each"
    )
    for metric in ("cka", "procrustes", "rsa"):
        done = subprocess.run(
            [sys.executable, __file__, "--memory-one", metric, "--memory-n", str(args.memory_n)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--data", choices=("fullrank", "lowrank"), default="fullrank")
    parser.add_argument(
        "--metrics", nargs="+", default=["cka", "procrustes"], choices=sorted(LOOPS)
    )
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--memory-n", type=int, default=1000)
    parser.add_argument("--memory-one", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_one:
        memory_one(args.memory_one, args.memory_n)
    elif args.memory:
        memory(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
