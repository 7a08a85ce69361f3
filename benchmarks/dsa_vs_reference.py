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


def rnn_family_data(
    n_nets: int, rng: np.random.Generator, units: int, n_families: int, steps: int, trials: int = 20
) -> tuple[list[np.ndarray], list[int]]:
    """RNN-like activity (trial, time, unit) of ``n_nets`` networks in ``n_families`` families.

    A family is a noise-driven leaky tanh RNN h ← 0.8h + 0.2 tanh(Wh) + 0.05ξ with a random W
    (gain 1.2–1.8); each network of the family perturbs W by 10 % (as seeds of one task
    differ), starts from its own states and is read out through its own random orthogonal
    map of the units, plus 1 % observation noise: the situation of DSA's use, many trained
    networks of a few kinds of dynamics.
    """
    bases = [
        rng.uniform(1.2, 1.8) * rng.normal(size=(units, units)) / np.sqrt(units)
        for _ in range(n_families)
    ]
    data, family = [], []
    for k in range(n_nets):
        f = k % n_families
        W = bases[f] + 0.1 * np.linalg.norm(bases[f], 2) * rng.normal(size=(units, units)) / (
            2 * np.sqrt(units)
        )
        Q = random_orthogonal(units, rng, 1.0)
        h = rng.normal(size=(trials, units))
        out = np.zeros((trials, steps, units))
        for t in range(steps):
            h = 0.8 * h + 0.2 * np.tanh(h @ W.T) + 0.05 * rng.normal(size=h.shape)
            out[:, t] = h
        out = out @ Q
        out = out / out.std()
        data.append(out + 0.01 * rng.normal(size=out.shape))
        family.append(f)
    return data, family


# ------------------------------------------------------------------------------ reference


def reference_distance(A: np.ndarray, B: np.ndarray, seed: int, device: str = "cpu") -> float:
    from DSA import SimilarityTransformDist

    torch.manual_seed(seed)
    # score_method pinned: dsa-metric's default became "wasserstein".
    sim = SimilarityTransformDist(iters=1500, lr=5e-3, score_method="angular", device=device)
    # Copies: the reference normalises its inputs in place.
    return float(sim.fit_score(A.copy(), B.copy()))


def reference_eigenvalues(X: np.ndarray, n_delays: int, rank: int) -> np.ndarray:
    from DSA import DMD

    dmd = DMD(torch.tensor(X), n_delays=n_delays, rank=rank, lamb=0.0)
    dmd.fit()
    return np.linalg.eigvals(dmd.A_v.cpu().numpy().astype(np.float64))


class _Saved:
    """A saved operator in the place of a PreparedDSA (compare_batch reads only .operator)."""

    def __init__(self, operator: np.ndarray) -> None:
        self.operator = operator


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
            [np.arccos(align_operators(a, b, device=args.device).similarity[0]) for a, b in cases]
        )
    print(f"\n== Exactness: d(A, QᵀAQ), {len(cases)} cases, ranks 3–50, half det Q = −1")
    print(
        f"dynsim: d < 1e-3 rad in {np.mean(ours < 1e-3):.1%} of cases; max {ours.max():.2e}, "
        f"median {np.median(ours):.2e} rad ({t.wall:.1f} s)"
    )
    if have_ref and args.ref_exact_cases > 0:
        sub = cases[: args.ref_exact_cases]
        with Timer() as t:
            ref = np.array(
                [reference_distance(a, b, k, args.device) for k, (a, b) in enumerate(sub)]
            )
        mine = ours[: len(sub)]
        print(
            f"reference on the first {len(sub)}: d < 1e-3 rad in {np.mean(ref < 1e-3):.0%}; "
            f"median {np.median(ref):.3f}, max {ref.max():.3f} rad ({t.wall / len(sub):.2f} s/pair)"
        )
        print(f"never worse (dynsim ≤ ref + 1e-3) on these: {np.mean(mine <= ref + 1e-3):.0%}")


def parse_variant(text: str) -> dict[str, int]:
    """``"n_starts=24"`` or ``"n_starts=3,max_iter=500"`` → DSA parameters."""
    out = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        out[key.strip()] = int(value)
    return out


def distribution(diff: np.ndarray) -> str:
    q = np.percentile(diff, [0, 1, 5, 25, 50, 75, 95, 99, 100])
    names = ["min", "p1", "p5", "p25", "median", "p75", "p95", "p99", "max"]
    return ", ".join(f"{n} {v:+.1e}" for n, v in zip(names, q, strict=True))


def pairs_at_rank(args: argparse.Namespace, rank: int, have_ref: bool) -> None:
    rng = np.random.default_rng(args.seed + rank)
    if args.data == "rnn":
        units = args.units
        n_nets = args.networks or int(np.ceil((1 + np.sqrt(1 + 8 * args.pairs)) / 2))
        data, family = rnn_family_data(n_nets, rng, units, args.families, args.steps)
        what = f"RNN-like networks, {args.families} families, {units} units, {args.steps} steps"
    else:
        units = 8 if rank <= 40 else 12
        n_nets = args.networks or int(np.ceil((1 + np.sqrt(1 + 8 * args.pairs)) / 2))
        kinds = ["rnn", "cycle", "line", "lorenz"]
        data = [simulate(kinds[k % len(kinds)], rng, units) for k in range(n_nets)]
        family = [k % len(kinds) for k in range(n_nets)]
        what = f"simulated systems ({units} units; kinds {', '.join(kinds)})"
    havok = {"n_delays": args.n_delays, "delay_interval": args.delay_interval, "rank": rank}
    with Timer() as t_prep:
        prepared = [DSA(**havok).prepare(X) for X in data]
    assert all(p.rank == rank for p in prepared), [p.rank for p in prepared]
    i, j = np.triu_indices(n_nets, k=1)
    all_pairs = np.stack([i, j], 1)
    # The reference runs on a seeded random subset of --pairs of them (its cost per pair does
    # not depend on how many networks there are; dynsim computes the whole matrix).
    pick = np.sort(rng.permutation(len(all_pairs))[: args.pairs])
    ref_pairs = all_pairs[pick]
    print(
        f"\n== Rank {rank}: {n_nets} {what}; n_delays {args.n_delays}, delay_interval "
        f"{args.delay_interval}; dynsim: all {len(all_pairs)} pairs; reference: {len(ref_pairs)} "
        f"of them; device {args.device}; prepare {t_prep.wall / n_nets * 1e3:.0f} ms/network"
    )
    ops = [p.operator for p in prepared]
    ref = None
    if args.load:
        # The operators and the reference's distances of an earlier --save run (e.g. on CPU),
        # so that a short run elsewhere (--device cuda) is judged on the same 100 pairs.
        saved = np.load(f"{args.load}_rank{rank}.npz")
        if not np.array_equal(saved["operators"], np.stack(ops)):
            diff = np.abs(saved["operators"] - np.stack(ops)).max()
            print(f"note      : operators refitted here differ by {diff:.1e}; using the saved ones")
            prepared = [_Saved(op) for op in saved["operators"]]
            ops = list(saved["operators"])
        assert np.array_equal(saved["pairs"], ref_pairs), "saved pairs differ"
        ref, ref_rate = saved["reference"], float(saved["ref_rate"])
        ref_cpu_rate = float(saved["ref_cpu_rate"])
        print(f"reference : {ref_rate:8.3f} pairs/s wall (saved run {args.load}, CPU)")
        if have_ref and args.ref_timing_pairs > 0:
            sub = ref_pairs[: args.ref_timing_pairs]
            with Timer() as t_ref:
                again = [
                    reference_distance(ops[a], ops[b], k, args.device)
                    for k, (a, b) in enumerate(sub)
                ]
            ref_rate, ref_cpu_rate = len(sub) / t_ref.wall, len(sub) / t_ref.cpu
            print(
                f"reference : {ref_rate:8.3f} pairs/s wall on {args.device} ({len(sub)} pairs; "
                f"max |d − saved d| {np.max(np.abs(np.array(again) - ref[: len(sub)])):.1e} rad); "
                "this rate is used below"
            )
    elif have_ref:
        with Timer() as t_ref:
            ref = np.array(
                [
                    reference_distance(ops[a], ops[b], k, args.device)
                    for k, (a, b) in enumerate(ref_pairs)
                ]
            )
        ref_rate, ref_cpu_rate = len(ref_pairs) / t_ref.wall, len(ref_pairs) / t_ref.cpu
        print(
            f"reference : {ref_rate:8.3f} pairs/s wall, {len(ref_pairs) / t_ref.cpu:8.3f} "
            "pairs/s CPU (dsa-metric SimilarityTransformDist, iters 1500, lr 5e-3, angular)"
        )
        if args.save:
            path = f"{args.save}_rank{rank}.npz"
            np.savez(
                path,
                operators=np.stack(ops),
                pairs=ref_pairs,
                reference=ref,
                ref_rate=ref_rate,
                ref_cpu_rate=ref_cpu_rate,
            )
            print(f"saved     : {path}")
    else:
        print("reference : not installed (pip install dsa-metric) — comparison skipped")
    same = np.array(family)[ref_pairs[:, 0]] == np.array(family)[ref_pairs[:, 1]]
    for variant in args.variants:
        params = parse_variant(variant)
        metric = DSA(**havok, device=args.device, **params)
        with Timer() as t_ours:
            ours_all = metric.compare_batch(prepared, prepared, all_pairs)
        rate = len(all_pairs) / t_ours.wall
        cpu_rate = len(all_pairs) / t_ours.cpu
        line = f"dynsim {variant:>24}: {rate:8.2f} pairs/s wall, {cpu_rate:8.2f} CPU"
        if ref is None:
            print(line)
            continue
        ours = ours_all[pick]
        diff = ours - ref
        print(
            f"{line}; ×{rate / ref_rate:.1f} (wall), ×{cpu_rate / ref_cpu_rate:.1f} (CPU) the "
            f"reference; never worse (≤ ref + 1e-3 rad) "
            f"{np.mean(diff <= 1e-3):.1%} (same family {np.mean(diff[same] <= 1e-3):.0%} of "
            f"{same.sum()}, different {np.mean(diff[~same] <= 1e-3):.0%} of {(~same).sum()}); "
            f"better by > 1e-3 {np.mean(diff < -1e-3):.0%}"
        )
        print(f"    d_dynsim − d_ref (rad): {distribution(diff)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[50])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--exact-cases", type=int, default=0)
    parser.add_argument("--ref-exact-cases", type=int, default=10)
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["n_starts=24"],
        help='dynsim DSA settings, each "key=int,...", e.g. "n_starts=3"',
    )
    parser.add_argument("--data", choices=["rnn", "mixed"], default="rnn")
    parser.add_argument("--networks", type=int, help="dynsim's all-pairs matrix size")
    parser.add_argument("--families", type=int, default=4)
    parser.add_argument("--units", type=int, default=16)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--n-delays", type=int, default=33)
    parser.add_argument("--delay-interval", type=int, default=6)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--load", help="path prefix of --save: reuse the reference's distances")
    parser.add_argument(
        "--ref-timing-pairs",
        type=int,
        default=0,
        help="with --load: time the reference on this many of the pairs (on --device)",
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="20 pairs, 50 exact cases")
    parser.add_argument("--save", help="path prefix: write operators, pairs and distances (.npz)")
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.exact_cases, args.ref_exact_cases = 20, 50, 3
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available")
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
        f"dsa-metric {ref_version}; device {args.device}"
    )
    if args.device == "cuda":  # CUDA context and kernels loaded before anything is timed
        warm = np.random.default_rng(0).normal(size=(2, 50, 50))
        align_operators(warm[:1], warm[1:], n_starts=2, device="cuda")
    exactness(args, have_ref)
    for rank in args.ranks:
        pairs_at_rank(args, rank, have_ref)


if __name__ == "__main__":
    main()
