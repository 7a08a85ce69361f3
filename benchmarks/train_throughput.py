"""Training throughput and time to criterion per architecture; vectorised trial generation.

Two measurements:

1. Trial generation: :meth:`dynsim.tasks.Task.generate` (one vectorised call per batch) versus
   a per-trial Python loop written out here (each trial built on its own, then padded and
   stacked — how NeuroGym-style environments produce a batch). Both make the same kind of
   trials (PDM with delay: random timings, evidence plus noise, rule input).
2. Per architecture: train the perceptual decision-making task (``pdm``) at small size until
   the evaluation accuracy reaches the criterion (or the step budget runs out), then measure
   the accuracy on the fixed *test* set (test timings, full condition grid, 16 repeats).
   Reports training trials/s (batch size × steps / wall time, evaluation included),
   time to criterion and test accuracy.

    python benchmarks/train_throughput.py                     # every architecture, CPU
    python benchmarks/train_throughput.py --archs lstm mamba --hidden 32
    python benchmarks/train_throughput.py --device cuda       # on a GPU when present

Deterministic for a given seed on CPU; one thread by default (``--threads``).
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch

import dynsim
from dynsim import models, tasks
from dynsim.tasks.base import ms_to_steps
from dynsim.training import NetworkSpec, TrainingConfig, record_activity, train


def per_trial_loop(task: tasks.Task, n_trials: int, rng: np.random.Generator) -> dict:
    """The baseline: build each trial of ``task`` (a PDM variant) on its own, then pad and
    stack. Same content as ``task.generate(n_trials)``, not the same random numbers."""
    trials = []
    for _ in range(n_trials):
        durations = {
            name: int(rng.integers(ms_to_steps(low, task.dt), ms_to_steps(high, task.dt) + 1))
            for name, (low, high) in task.train_timing.items()
            if name in task.epoch_names
        }
        coherence = float(rng.choice(task.coherences))
        direction = int(rng.choice([-1, 1]))
        n_steps = sum(durations.values())
        inputs = np.zeros((n_steps, task.n_inputs), dtype=np.float32)
        targets = np.zeros(n_steps, dtype=np.int64)
        t = 0
        for name in task.epoch_names:
            for _step in range(durations[name]):
                if name != "decision":
                    inputs[t, 0] = 1.0
                if name == "stimulus":
                    inputs[t, 1] = 0.5 + 0.5 * coherence * direction + task.sigma * rng.normal()
                    inputs[t, 2] = 0.5 - 0.5 * coherence * direction + task.sigma * rng.normal()
                if name == "decision":
                    side = 1 if direction > 0 else 2
                    targets[t] = 3 - side if task.anti else side
                inputs[t, 3 + task.rules.index(task.name)] = 1.0
                t += 1
        trials.append((inputs, targets))
    longest = max(len(x) for x, _ in trials)
    inputs = np.zeros((n_trials, longest, task.n_inputs), dtype=np.float32)
    targets = np.zeros((n_trials, longest), dtype=np.int64)
    mask = np.zeros((n_trials, longest), dtype=np.float32)
    for k, (x, y) in enumerate(trials):
        inputs[k, : len(x)], targets[k, : len(y)], mask[k, : len(x)] = x, y, 1.0
    return {
        "inputs": torch.from_numpy(inputs),
        "targets": torch.from_numpy(targets),
        "mask": torch.from_numpy(mask),
    }


def bench_generation(n_trials: int, repeats: int) -> dict:
    task = tasks.get("pdm_delay")
    generator = torch.Generator().manual_seed(0)
    rng = np.random.default_rng(0)
    task.generate(n_trials, generator=generator)  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        task.generate(n_trials, generator=generator)
    vectorised = (time.perf_counter() - start) / repeats
    start = time.perf_counter()
    for _ in range(max(1, repeats // 4)):
        per_trial_loop(task, n_trials, rng)
    loop = (time.perf_counter() - start) / max(1, repeats // 4)
    return {
        "n_trials": n_trials,
        "vectorised_trials_per_s": n_trials / vectorised,
        "loop_trials_per_s": n_trials / loop,
        "speedup": loop / vectorised,
    }


def bench_architecture(arch: str, args: argparse.Namespace) -> dict:
    spec = NetworkSpec(
        task="pdm",
        arch=arch,
        seed=args.seed,
        hidden_size=args.hidden,
        model_params=json.loads(args.model_params).get(arch, {}),
        training=TrainingConfig(
            max_steps=args.max_steps,
            batch_size=args.batch_size,
            learning_rate=args.lr,
            target_accuracy=args.criterion,
            eval_every=args.eval_every,
        ),
    )
    result = train(spec, device=args.device)
    recording = record_activity(result, n_repeats=16)
    steps = max(result.final_step, 1)
    return {
        "arch": arch,
        "status": result.status,
        "steps": result.final_step,
        "seconds": result.seconds,
        "train_trials_per_s": steps * args.batch_size / result.seconds,
        "time_to_criterion_s": result.seconds if result.status == "converged" else None,
        "eval_accuracy": result.eval_accuracy[-1] if result.eval_accuracy else None,
        "test_accuracy": float(recording["accuracy"][-1]),
        "n_parameters": sum(p.numel() for p in spec.build_model().parameters()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=models.available())
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--max-steps", type=int, default=1500)
    parser.add_argument("--criterion", type=float, default=0.95, help="eval accuracy to stop at")
    parser.add_argument("--eval-every", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--model-params",
        default='{"mamba": {"d_state": 8}}',
        help="JSON: architecture → keyword arguments",
    )
    parser.add_argument("--gen-trials", type=int, nargs="+", default=[64, 1024])
    parser.add_argument("--gen-repeats", type=int, default=20)
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(
        f"dynsim {dynsim.__version__}, torch {torch.__version__}, {platform.processor() or ''} "
        f"{platform.machine()}, {args.threads} thread(s), device {args.device}"
    )
    report: dict = {"generation": [], "architectures": []}
    print("\ntrial generation (pdm_delay, train mode)")
    print(f"{'trials':>7} {'vectorised/s':>14} {'loop/s':>10} {'speed-up':>9}")
    for n in args.gen_trials:
        row = bench_generation(n, args.gen_repeats)
        report["generation"].append(row)
        print(
            f"{n:>7} {row['vectorised_trials_per_s']:>14.0f} {row['loop_trials_per_s']:>10.0f} "
            f"{row['speedup']:>8.1f}×"
        )

    print(
        f"\ntraining pdm, hidden {args.hidden}, batch {args.batch_size}, lr {args.lr}, "
        f"criterion {args.criterion} (eval), budget {args.max_steps} steps"
    )
    print(
        f"{'arch':>10} {'params':>7} {'status':>17} {'steps':>6} {'trials/s':>9} "
        f"{'to criterion':>13} {'test acc':>9}"
    )
    for arch in args.archs:
        row = bench_architecture(arch, args)
        report["architectures"].append(row)
        to_crit = f"{row['time_to_criterion_s']:.1f} s" if row["time_to_criterion_s"] else "—"
        print(
            f"{arch:>10} {row['n_parameters']:>7} {row['status']:>17} {row['steps']:>6} "
            f"{row['train_trials_per_s']:>9.0f} {to_crit:>13} {row['test_accuracy']:>9.3f}"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
