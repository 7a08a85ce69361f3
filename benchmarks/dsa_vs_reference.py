"""DSA: dynsim versus the reference implementation (mitchellostrow/DSA, package ``dsa-metric``).

Everything runs in one process on the same data and operators:

1. **Exactness** — random stable operators A (ranks 3–50) and random orthogonal Q (half with
   det −1): the true distance between A and QᵀAQ is 0. Reports the fraction of cases with
   dynsim's d < 1e-3 rad (``--exact-cases``, default 500), and on a subset
   (``--ref-exact-cases``) the reference's distance for the same pairs.
2. **Throughput and quality on non-conjugate pairs** — for each rank in ``--ranks``: HAVOK
   operators fitted (by dynsim) to simulated systems of different kinds (random tanh RNNs,
   limit cycles, line attractors, Lorenz in three regimes), ``--pairs`` pairs among them.
   The reference compares each pair exactly as its ``DSA.score`` does
   (``SimilarityTransformDist(iters=1500, lr=5e-3, score_method="angular").fit_score`` on the
   two cached operators, torch seeded per pair); dynsim runs ``DSA.compare_batch`` on all
   pairs at once. Reported: pairs/s of each (wall clock and process CPU time — CPU time is
   less sensitive to other load on a shared machine), their ratio, and pair by pair the
   fraction where dynsim ≤ reference + 1e-3 rad, the median difference and the worst case.
   The reference's own HAVOK fit is run on the same data too, and its operators' eigenvalues
   are compared with dynsim's.

    python benchmarks/dsa_vs_reference.py                    # rank 20, 100 pairs (~5 min)
    python benchmarks/dsa_vs_reference.py --ranks 20 50      # add rank 50 (~+6 min)
    python benchmarks/dsa_vs_reference.py --quick            # smoke run (~1 min)

Both sides use the same torch thread count (``--threads``, default 1: the figures are then
per core and not disturbed by other jobs on a shared machine).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import time

# NumPy's OpenBLAS threads spin between calls and fight torch's threads on a small machine
# (measured: 10–100× slowdowns of both on 2 cores); this script's NumPy work is light.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dynsim.metrics.dsa import DSA, align_operators  # noqa: E402

# ------------------------------------------------------------------------------ test data


def random_orthogonal(n: int, rng: np.random.Generator, det: float) -> np.ndarray:
    Q, R = np.linalg.qr(rng.normal(size=(n, n)))
    Q = Q * np.sign(np.diag(R))
    if np.linalg.det(Q) * det < 0:
        Q[:, 0] *= -1
    return Q


def random_stable(n: int, rng: np.random.Generator) -> np.ndarray:
    G = (
        rng.normal(size=(n, n))
        if rng.random() < 0.5
        else (np.eye(n) * rng.uniform(0.3, 1.0) + 0.3 * rng.normal(size=(n, n)) / np.sqrt(n))
    )
    return G / np.max(np.abs(np.linalg.eigvals(G))) * rng.uniform(0.5, 0.99)


def simulate(kind: str, rng: np.random.Generator, units: int, trials: int = 20, steps: int = 120):
    """Activity (trial, time, unit) of one dynamical system, read out by a random map."""
    out = np.zeros((trials, steps, units))
    if kind == "rnn":
        W = rng.uniform(0.8, 1.6) * rng.normal(size=(units, units)) / np.sqrt(units)
        h = rng.normal(size=(trials, units))
        for t in range(steps):
            h = 0.8 * h + 0.2 * np.tanh(h @ W.T)
            out[:, t] = h
    elif kind == "cycle":
        embed = rng.normal(size=(2, units))
        radius = rng.uniform(0.2, 2.0, size=trials)
        phase = rng.uniform(0, 2 * np.pi, size=trials)
        omega = rng.uniform(0.1, 0.4)
        for t in range(steps):
            radius = radius + 0.1 * radius * (1 - radius**2)
            phase = phase + omega
            out[:, t] = np.stack([radius * np.cos(phase), radius * np.sin(phase)], 1) @ embed
    elif kind == "line":
        embed = random_orthogonal(units, rng, 1.0)
        decay = np.concatenate([[1.0], rng.uniform(0.5, 0.9, units - 1)])
        z = rng.normal(size=(trials, units))
        for t in range(steps):
            z = z * decay + 0.02 * rng.normal(size=z.shape)
            out[:, t] = z @ embed
    elif kind == "lorenz":
        rho = rng.choice([0.5, 10.0, 28.0])
        s = rng.normal(size=(trials, 3)) * 5 + np.array([0.0, 0.0, 20.0])
        embed = rng.normal(size=(3, units))
        for t in range(steps):
            for _ in range(2):
                ds = np.stack(
                    [
                        10 * (s[:, 1] - s[:, 0]),
                        s[:, 0] * (rho - s[:, 2]) - s[:, 1],
                        s[:, 0] * s[:, 1] - 8 / 3 * s[:, 2],
                    ],
                    1,
                )
                s = s + 0.005 * ds
            out[:, t] = s @ embed
    else:
        raise ValueError(kind)
    out = out / out.std()
    return out + 0.002 * rng.normal(size=out.shape)


# ------------------------------------------------------------------------------ reference


def reference_distance(A: np.ndarray, B: np.ndarray, seed: int) -> float:
    from DSA import SimilarityTransformDist

    torch.manual_seed(seed)
    sim = SimilarityTransformDist(iters=1500, lr=5e-3, score_method="angular")
    # Copies: the reference normalises its inputs in place.
    return float(sim.fit_score(A.copy(), B.copy()))


def reference_eigenvalues(X: np.ndarray, n_delays: int, rank: int) -> np.ndarray:
    from DSA import DMD

    dmd = DMD(torch.tensor(X), n_delays=n_delays, rank=rank, lamb=0.0)
    dmd.fit()
    return np.linalg.eigvals(dmd.A_v.cpu().numpy().astype(np.float64))


class Timer:
    def __enter__(self) -> Timer:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


# ------------------------------------------------------------------------------ sections


def exactness(args: argparse.Namespace, have_ref: bool) -> None:
    if args.exact_cases <= 0:
        return
    rng = np.random.default_rng(args.seed)
    cases = []
    for k in range(args.exact_cases):
        n = int(rng.integers(3, 51))
        A = random_stable(n, rng)
        Q = random_orthogonal(n, rng, det=1.0 if k % 2 == 0 else -1.0)
        cases.append((A, Q.T @ A @ Q))
    with Timer() as t:
        ours = np.array(
            [np.arccos(align_operators(a, b, device="cpu").similarity[0]) for a, b in cases]
        )
    print(f"\n== Exactness: d(A, QᵀAQ), {len(cases)} cases, ranks 3–50, half det Q = −1")
    print(
        f"dynsim: d < 1e-3 rad in {np.mean(ours < 1e-3):.1%} of cases; max {ours.max():.2e}, "
        f"median {np.median(ours):.2e} rad ({t.wall:.1f} s)"
    )
    if have_ref and args.ref_exact_cases > 0:
        sub = cases[: args.ref_exact_cases]
        with Timer() as t:
            ref = np.array([reference_distance(a, b, k) for k, (a, b) in enumerate(sub)])
        mine = ours[: len(sub)]
        print(
            f"reference on the first {len(sub)}: d < 1e-3 rad in {np.mean(ref < 1e-3):.0%}; "
            f"median {np.median(ref):.3f}, max {ref.max():.3f} rad ({t.wall / len(sub):.2f} s/pair)"
        )
        print(f"never worse (dynsim ≤ ref + 1e-3) on these: {np.mean(mine <= ref + 1e-3):.0%}")


def pairs_at_rank(args: argparse.Namespace, rank: int, have_ref: bool) -> None:
    rng = np.random.default_rng(args.seed + rank)
    units = 8 if rank <= 40 else 12
    n_delays = 10
    n_nets = int(np.ceil((1 + np.sqrt(1 + 8 * args.pairs)) / 2))
    kinds = ["rnn", "cycle", "line", "lorenz"]
    data = [simulate(kinds[k % len(kinds)], rng, units) for k in range(n_nets)]
    metric = DSA(n_delays=n_delays, rank=rank, n_starts=args.n_starts, device="cpu")
    with Timer() as t_prep:
        prepared = [metric.prepare(X) for X in data]
    assert all(p.rank == rank for p in prepared), [p.rank for p in prepared]
    i, j = np.triu_indices(n_nets, k=1)
    pairs = np.stack([i, j], 1)[: args.pairs]
    print(
        f"\n== Rank {rank}: {len(pairs)} pairs among {n_nets} simulated systems "
        f"({units} units, {n_delays} delays; kinds {', '.join(kinds)})"
    )
    with Timer() as t_ours:
        ours = metric.compare_batch(prepared, prepared, pairs)
    line = (
        f"dynsim    : {len(pairs) / t_ours.wall:8.1f} pairs/s wall, "
        f"{len(pairs) / t_ours.cpu:8.1f} pairs/s CPU   (prepare {t_prep.wall / n_nets * 1e3:.0f} "
        "ms/network)"
    )
    print(line)
    if not have_ref:
        print("reference : not installed (pip install dsa-metric) — comparison skipped")
        return
    with Timer() as t_fit:
        ref_eigs = [reference_eigenvalues(X, n_delays, rank) for X in data]
    from scipy.optimize import linear_sum_assignment

    eig_err = []
    for p, ev in zip(prepared, ref_eigs, strict=True):
        cost = np.abs(p.eigenvalues[:, None] - ev[None, :])
        r, c = linear_sum_assignment(cost)
        eig_err.append(cost[r, c].max())
    ops = [p.operator for p in prepared]
    with Timer() as t_ref:
        ref = np.array([reference_distance(ops[a], ops[b], k) for k, (a, b) in enumerate(pairs)])
    print(
        f"reference : {len(pairs) / t_ref.wall:8.2f} pairs/s wall, "
        f"{len(pairs) / t_ref.cpu:8.2f} pairs/s CPU   (HAVOK fit {t_fit.wall / n_nets * 1e3:.0f} "
        "ms/network)"
    )
    print(f"speed-up  : {t_ref.wall / t_ours.wall:.0f}× wall, {t_ref.cpu / t_ours.cpu:.0f}× CPU")
    if args.save:
        path = f"{args.save}_rank{rank}.npz"
        np.savez(path, operators=np.stack(ops), pairs=pairs, dynsim=ours, reference=ref)
        print(f"saved     : {path}")
    diff = ours - ref
    print(
        f"quality   : dynsim ≤ ref + 1e-3 rad on {np.mean(diff <= 1e-3):.1%} of pairs; "
        f"better by > 1e-3 on {np.mean(diff < -1e-3):.0%}; median diff {np.median(diff):+.2e}, "
        f"worst {diff.max():+.2e} rad (median distance {np.median(ours):.3f})"
    )
    print(
        f"HAVOK fit : eigenvalues vs the reference's (float32) fit: max error per network "
        f"median {np.median(eig_err):.1e}, worst {np.max(eig_err):.1e}; < 1e-3 for "
        f"{np.mean(np.array(eig_err) < 1e-3):.0%} of networks (large errors come from nearly "
        "equal singular values at the rank cut, where a float32 SVD cannot fix the subspace)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[20])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--exact-cases", type=int, default=500)
    parser.add_argument("--ref-exact-cases", type=int, default=10)
    parser.add_argument("--n-starts", type=int, default=24)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="20 pairs, 50 exact cases")
    parser.add_argument("--save", help="path prefix: write operators, pairs and distances (.npz)")
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.exact_cases, args.ref_exact_cases = 20, 50, 3
    torch.set_num_threads(args.threads)
    try:
        ref_version = importlib.metadata.version("dsa-metric")
        have_ref = True
    except importlib.metadata.PackageNotFoundError:
        ref_version, have_ref = "not installed", False
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"machine: {platform.processor() or platform.machine()}, {cpus} CPUs available "
        f"(os.cpu_count {os.cpu_count()}), load average {os.getloadavg()[0]:.1f}; "
        f"python {platform.python_version()}, torch {torch.__version__} "
        f"({torch.get_num_threads()} thread(s) for both), numpy {np.__version__}, "
        f"dsa-metric {ref_version}; dynsim n_starts={args.n_starts}"
    )
    exactness(args, have_ref)
    for rank in args.ranks:
        pairs_at_rank(args, rank, have_ref)


if __name__ == "__main__":
    main()
