"""Pairwise engine versus refit-per-pair, side by side on the same data, same values.

The peers (netrep's multiprocessing pool, similarity-repository) compute each pair from raw
activity: both networks are centred/normalised/decomposed again for every pair. dynsim
prepares each network once and compares pairs in vectorised batches. This script times both
on the same synthetic networks (N networks × ``samples`` × ``units``), counting the engine's
start-up (preparation), and checks that they give the same distances.

    python benchmarks/pairwise_throughput.py                      # N = 50 and 500
    python benchmarks/pairwise_throughput.py --n 50 --metrics cka rsa cca

The headline baseline (``loop``, CKA and Procrustes) is the fastest honest one: a NumPy per-pair
loop written for speed (each network centred and normalised once, counted; then per pair
feature-space CKA ‖YᵀX‖²/(‖XᵀX‖‖YᵀY‖) or the nuclear-norm Procrustes angle), the same loop as
``benchmarks/static_throughput.py`` (which runs it over all pairs at N = 300). The two older
baselines are kept for reference only — they are slower than any careful user's code, so their
ratios overstate the engine: they run on a random subset of pairs (``--baseline-pairs``; their
pairs/s come from that subset, the engine always runs the full matrix): ``refit`` = dynsim's own
``prepare`` of both networks + ``compare`` for every pair (the same optimised code, only the
per-network work repeated); ``peer`` = the peers' per-pair algorithm written out here
(Procrustes: fit the alignment with a full SVD, apply it, score; CKA: centred n×n Gram
matrices and HSIC). Every distance is checked against the engine's (max |Δd|).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

import dynsim
import dynsim.metrics as dm
from dynsim.pairwise import compute


def make_networks(n: int, samples: int, units: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Networks sharing a low-dimensional latent signal plus their own noise: realistic
    distances spread between 0 and the unrelated level. Shaped (trial, time, unit) with
    10 trials (RSA compares trials), ``samples`` = trials × time."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(samples, 8))
    out = {}
    for k in range(n):
        mixing = rng.normal(size=(8, units))
        activity = latent @ mixing + rng.normal(size=(samples, units)) * (k % 5)
        out[f"net{k:04d}"] = activity.reshape(10, samples // 10, units)
    return out


def peer_procrustes(X: np.ndarray, Y: np.ndarray) -> float:
    """One pair the way the peers' fit/score split does it per pair: centre and normalise
    both, fit the orthogonal alignment (SVD with singular vectors), apply it, score."""
    X = X.reshape(-1, X.shape[-1])
    Y = Y.reshape(-1, Y.shape[-1])
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    X = X / np.linalg.norm(X)
    Y = Y / np.linalg.norm(Y)
    U, _, Vt = np.linalg.svd(X.T @ Y, full_matrices=False)
    X_aligned, Y_aligned = X @ U, Y @ Vt.T
    cosine = np.sum(X_aligned * Y_aligned)
    return float(np.arccos(np.clip(cosine, -1.0, 1.0)))


def peer_cka(X: np.ndarray, Y: np.ndarray) -> float:
    """One pair the textbook way (centred Gram matrices, HSIC), as per-pair CKA code does."""
    X = X.reshape(-1, X.shape[-1])
    Y = Y.reshape(-1, Y.shape[-1])
    n = X.shape[0]
    H = np.eye(n) - 1.0 / n
    K, L = H @ (X @ X.T) @ H, H @ (Y @ Y.T) @ H
    cka = np.sum(K * L) / np.sqrt(np.sum(K * K) * np.sum(L * L))
    return float(np.arccos(np.clip(cka, -1.0, 1.0)))


PEERS = {"procrustes": peer_procrustes, "cka": peer_cka}


def loop_rate(metric: str, data: dict[str, np.ndarray], i: np.ndarray, j: np.ndarray) -> tuple:
    """Pairs/s and distances of the fast per-pair NumPy loop on pairs (i, j), preparing
    (centring, normalising) each network once, timed."""
    start = time.perf_counter()
    prepared = {}
    for k in np.unique(np.concatenate([i, j])).tolist():
        raw = data[list(data)[k]]
        x = raw.reshape(-1, raw.shape[-1])
        x = x - x.mean(axis=0)
        prepared[k] = x / np.linalg.norm(x)
    out = np.empty(len(i))
    if metric == "cka":
        norms = {k: np.linalg.norm(x.T @ x) for k, x in prepared.items()}
        for m, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
            c = np.linalg.norm(prepared[b].T @ prepared[a]) ** 2 / (norms[a] * norms[b])
            out[m] = np.arccos(min(c, 1.0))
    else:
        for m, (a, b) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
            s = np.linalg.svd(prepared[a].T @ prepared[b], compute_uv=False).sum()
            out[m] = np.arccos(min(s, 1.0))
    return len(i) / (time.perf_counter() - start), out


def run(metric: str, data: dict[str, np.ndarray], baseline_pairs: int, seed: int) -> dict:
    names = list(data)
    start = time.perf_counter()
    result = compute(metric, data, backend="inprocess", progress=False)
    engine_s = time.perf_counter() - start
    distance = result["distance"].values
    n = len(names)
    n_pairs = n * (n - 1) // 2 if dm.get(metric).symmetric else n * (n - 1)

    rng = np.random.default_rng(seed)
    i_all, j_all = np.triu_indices(n, k=1)
    pick = rng.choice(len(i_all), size=min(baseline_pairs, len(i_all)), replace=False)
    metric_obj = dm.get(metric)
    start = time.perf_counter()
    refit = [
        metric_obj.score(data[names[i]], data[names[j]])
        for i, j in zip(i_all[pick], j_all[pick], strict=True)
    ]
    refit_s = time.perf_counter() - start
    max_diff = float(np.max(np.abs(np.asarray(refit) - distance[i_all[pick], j_all[pick]])))
    engine_rate = n_pairs / engine_s
    refit_rate = len(pick) / refit_s
    loop_pairs_rate = float("nan")
    if metric in PEERS:
        loop_pairs_rate, looped = loop_rate(metric, data, i_all[pick], j_all[pick])
        max_diff = max(max_diff, float(np.max(np.abs(looped - distance[i_all[pick], j_all[pick]]))))
    peer_rate = peer_diff = float("nan")
    if metric in PEERS:
        start = time.perf_counter()
        peer = [
            PEERS[metric](data[names[i]], data[names[j]])
            for i, j in zip(i_all[pick], j_all[pick], strict=True)
        ]
        peer_rate = len(pick) / (time.perf_counter() - start)
        peer_diff = float(np.max(np.abs(np.asarray(peer) - distance[i_all[pick], j_all[pick]])))
        max_diff = max(max_diff, peer_diff)
    return {
        "metric": metric,
        "N": n,
        "pairs": n_pairs,
        "engine_s": engine_s,
        "engine_pairs_per_s": engine_rate,
        "loop_pairs_per_s": loop_pairs_rate,
        "loop_speedup": engine_rate / loop_pairs_rate,
        "refit_pairs_per_s": refit_rate,
        "speedup": engine_rate / refit_rate,
        "max_abs_diff": max_diff,
        "refit_pairs": len(pick),
        "peer_pairs_per_s": peer_rate,
        "peer_speedup": engine_rate / peer_rate,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[50, 500])
    parser.add_argument(
        "--metrics",
        nargs="+",
        default=["procrustes", "cka", "cka_debiased", "rsa", "cca", "svcca", "linear_predictivity"],
    )
    parser.add_argument(
        "--large-metrics",
        nargs="+",
        default=["procrustes", "cka"],
        help="metrics also run at N ≥ 200 (the others only at smaller N)",
    )
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--baseline-pairs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(
        f"dynsim {dynsim.__version__}; numpy {np.__version__}; "
        f"{platform.processor() or platform.machine()}; "
        f"{os.cpu_count()} CPUs; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    print(f"networks: {args.samples} samples × {args.units} units\n")
    header = (
        f"{'metric':20s} {'N':>4s} {'pairs':>7s} {'engine/s':>9s} {'loop/s':>7s} {'ratio':>6s} "
        f"{'refit/s':>8s} {'ratio':>6s} {'peer/s':>7s} {'ratio':>6s} {'max |Δd|':>9s}"
    )
    print(header)
    print("-" * len(header))
    # Warm-up: first-call imports and allocations are not part of any metric's figure.
    warm = make_networks(3, args.samples, args.units, args.seed)
    for metric in args.metrics:
        compute(metric, warm, backend="inprocess", progress=False)
    for n in args.n:
        data = make_networks(n, args.samples, args.units, args.seed)
        for metric in args.metrics:
            if n >= 200 and metric not in args.large_metrics:
                continue
            r = run(metric, data, args.baseline_pairs, args.seed)
            print(
                f"{metric:20s} {n:4d} {r['pairs']:7d} {r['engine_pairs_per_s']:9.0f} "
                f"{r['loop_pairs_per_s']:7.0f} {r['loop_speedup']:5.1f}× "
                f"{r['refit_pairs_per_s']:8.0f} {r['speedup']:5.1f}× "
                f"{r['peer_pairs_per_s']:7.0f} {r['peer_speedup']:5.1f}× "
                f"{r['max_abs_diff']:9.1e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
