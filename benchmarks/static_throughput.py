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


def procrustes_svd_floor(data: dict) -> float:
    """CPU seconds spent in the values-only SVDs of all N(N−1)/2 cross products XᵀY alone
    (products formed per row with one batched matmul, outside the timer): the part of the
    Procrustes angle that no exact method built on LAPACK's SVD avoids, per pair."""
    xs = loop_prepare(data)
    stacked = np.stack(xs)
    spent = 0.0
    for i in range(len(xs) - 1):
        cross = np.matmul(xs[i].T, stacked[i + 1 :])
        start = time.process_time()
        np.linalg.svd(cross, compute_uv=False)
        spent += time.process_time() - start
    return spent


def import_time() -> float:
    code = (
        "import time; t = time.perf_counter(); import dynsim.metrics; "
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def one_side(args: argparse.Namespace) -> None:
    """One side (``--side dynsim|loop``) of one metric in this fresh interpreter: the first
    call (cold: lazy imports, first touch of fresh memory) and a second call (warm), CPU and
    wall time of each; the matrix is saved to ``--save`` for the parent to compare."""
    if args.side == "floor":
        floor = procrustes_svd_floor(make_networks(args.n, args.samples, args.units, args.data))
        print(json.dumps({"floor_cpu": floor}))
        return
    if args.side == "dynsim":
        import dynsim.metrics as dm

        def run() -> np.ndarray:
            return dm.pairwise(data, args.one).values
    else:

        def run() -> np.ndarray:
            return LOOPS[args.one](data)

    data = make_networks(args.n, args.samples, args.units, args.data)
    times = []
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        matrix = run()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    np.save(args.save, matrix)
    (cold_wall, cold_cpu), (warm_wall, warm_cpu) = times
    print(json.dumps({"cold_wall": cold_wall, "cold_cpu": cold_cpu, "warm_cpu": warm_cpu}))


def throughput(args: argparse.Namespace) -> None:
    """Each side of each metric in its own fresh interpreter (so neither inherits the
    other's warmed heap or imports), ``--repeats`` rounds, alternating which side goes first;
    ratios of the medians."""
    import statistics
    import tempfile

    n_pairs = args.n * (args.n - 1) // 2
    print(
        f"# {args.n} networks of {args.samples} x {args.units} ({args.data}), {n_pairs} pairs; "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}; {platform.machine()}, "
        f"{os.cpu_count()} CPUs; import dynsim.metrics {import_time():.2f} s (fresh interpreter,"
        " not in the figures below); each side in its own fresh interpreter, "
        f"{args.repeats} rounds, medians; cold = first call, warm = second call"
    )
    print(
        f"{'metric':<11} {'round':>5} {'dynsim cold cpu':>15} {'warm':>6} {'loop cold cpu':>13} "
        f"{'warm':>6} {'ratio cold':>10} {'ratio warm':>10} {'max|dd|':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for metric in args.metrics:
            rounds = {"dynsim": [], "loop": []}
            diffs = []
            for r in range(args.repeats):
                order = ("dynsim", "loop") if r % 2 == 0 else ("loop", "dynsim")
                for side in order:
                    cmd = [sys.executable, __file__, "--one", metric, "--side", side]
                    cmd += ["--n", str(args.n), "--samples", str(args.samples)]
                    cmd += ["--units", str(args.units), "--data", args.data]
                    cmd += ["--save", f"{tmp}/{side}.npy"]
                    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
                    rounds[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
                ours, theirs = np.load(f"{tmp}/dynsim.npy"), np.load(f"{tmp}/loop.npy")
                diffs.append(float(np.nanmax(np.abs(ours - theirs))))
                d, lp = rounds["dynsim"][-1], rounds["loop"][-1]
                print(
                    f"{metric:<11} {r + 1:>5} {d['cold_cpu']:15.3f} {d['warm_cpu']:6.3f} "
                    f"{lp['cold_cpu']:13.3f} {lp['warm_cpu']:6.3f} "
                    f"{lp['cold_cpu'] / d['cold_cpu']:9.1f}x {lp['warm_cpu'] / d['warm_cpu']:9.1f}x"
                    f" {diffs[-1]:8.1e}"
                )

            def med(side: str, key: str, rounds: dict = rounds) -> float:
                return statistics.median(x[key] for x in rounds[side])

            print(
                f"{metric:<11} {'med':>5} {med('dynsim', 'cold_cpu'):15.3f} "
                f"{med('dynsim', 'warm_cpu'):6.3f} {med('loop', 'cold_cpu'):13.3f} "
                f"{med('loop', 'warm_cpu'):6.3f} "
                f"{med('loop', 'cold_cpu') / med('dynsim', 'cold_cpu'):9.1f}x "
                f"{med('loop', 'warm_cpu') / med('dynsim', 'warm_cpu'):9.1f}x {max(diffs):8.1e}"
                f"  ({n_pairs / med('dynsim', 'cold_cpu'):.0f} vs "
                f"{n_pairs / med('loop', 'cold_cpu'):.0f} pairs per CPU-second, cold)"
            )
            if metric == "procrustes":
                cmd = [sys.executable, __file__, "--one", metric, "--side", "floor"]
                cmd += ["--n", str(args.n), "--samples", str(args.samples)]
                cmd += ["--units", str(args.units), "--data", args.data]
                done = subprocess.run(cmd, capture_output=True, text=True, check=True)
                floor = json.loads(done.stdout.strip().splitlines()[-1])["floor_cpu"]
                print(
                    f"# procrustes floor: the {n_pairs} values-only SVDs alone take {floor:.2f}"
                    f" CPU s, so no exact method that solves one SVD per pair can beat the loop"
                    f" by more than {med('loop', 'cold_cpu') / floor:.2f}x"
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
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--side", choices=("dynsim", "loop", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--save", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one_side(args)
    elif args.memory_one:
        memory_one(args.memory_one, args.memory_n)
    elif args.memory:
        memory(args)
    else:
        throughput(args)


if __name__ == "__main__":
    main()
