"""Cost of the paper-scale Guilhot et al. 2024 run (config/guilhot2024.yaml) from measured
training-step times.

For each architecture × hidden size × batch size of the paper's grid, the master network of
that configuration (activation relu, the paper's training timings: trials of ~290 steps of
20 ms) is trained through dynsim's own loop (:func:`dynsim.training.train`) for ``a`` and
``b`` steps, with evaluation pushed past the budget; the CPU time per step is the difference
over ``b − a`` steps (so set-up cancels), on one thread. The upper bound of the run is then
Σ over configurations of (steps of every regime at full budget) × (time per step): per
configuration master and master_frozen ``max_steps`` each, untrained 0, each of the eight
pretraining regimes ``pretrain_steps`` + ``max_steps`` (no early stopping, evaluation and
recording not counted — early stopping makes the real run shorter, evaluation longer).

    OMP_NUM_THREADS=1 python benchmarks/guilhot_cost.py              # 8 sizes, 5 vs 15 steps
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import platform
import time

import torch

from dynsim.config import files
from dynsim.config.fanout import network_specs
from dynsim.regimes import parse_regime
from dynsim.training import train


def step_seconds(spec, a: int, b: int) -> float:
    """CPU seconds per training step of ``spec`` (difference of two budgets; a first
    budget-``a`` run, not timed, warms up the process: imports, allocator, kernels)."""
    times = []
    for steps in (a, a, b):
        training = dataclasses.replace(
            spec.training, max_steps=steps, eval_every=10**9, target_accuracy=1.0
        )
        start = time.process_time()
        train(dataclasses.replace(spec, training=training))
        times.append(time.process_time() - start)
    return (times[2] - times[1]) / (b - a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config/guilhot2024.yaml")
    parser.add_argument("--steps", type=int, nargs=2, default=[5, 15], metavar=("A", "B"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = files.load([args.config])
    specs = network_specs(config)
    regimes = sorted({s.regime for s in specs})
    budget = config["training"]
    steps_per_configuration = 0
    for regime in regimes:
        parts = parse_regime(regime)
        if regime == "untrained":
            continue
        steps_per_configuration += budget["max_steps"]
        if parts["pretrain"]:
            steps_per_configuration += budget.get("pretrain_steps") or budget["max_steps"]
    activations = config["grid"]["activation"]
    print(
        f"# {args.config}: {len(specs)} networks, {len(regimes)} regimes, "
        f"≤ {steps_per_configuration} steps per configuration; {platform.machine()}, "
        f"one thread; seconds per step from {args.steps[0]} vs {args.steps[1]} steps"
    )
    print(f"{'arch':<16} {'hidden':>6} {'batch':>5} {'s/step':>7} {'configs':>7} {'CPU-h':>8}")
    total = 0.0
    for arch, hidden, batch in itertools.product(
        config["architectures"], config["grid"]["hidden_size"], config["grid"]["batch_size"]
    ):
        master = next(
            s
            for s in specs
            if s.arch == arch
            and s.regime == "master"
            and s.variant.get("hidden_size") == hidden
            and s.variant.get("batch_size") == batch
            and s.variant.get("activation") == "relu"
        )
        seconds = step_seconds(master, *args.steps)
        configurations = len(activations) * len(config["grid"]["learning_rate"])
        hours = seconds * steps_per_configuration * configurations / 3600
        total += hours
        print(f"{arch:<16} {hidden:>6} {batch:>5} {seconds:7.3f} {configurations:>7} {hours:8.0f}")
    print(f"# upper bound: {total:.0f} CPU-hours of training (one thread per network)")


if __name__ == "__main__":
    main()
