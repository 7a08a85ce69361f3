"""Training several seeds at once in one process (stacking) versus one after another, on CPU.

For K seeds of one network spec (task ``pdm``, batch 64, dynsim's defaults otherwise: AdamW at
lr 3e-3, weight decay 1e-4, gradient clipping at norm 1, network noise on), time a fixed number
of training steps done in these ways:

- ``seq`` (sequential): K separate models, each with its own AdamW, trained one after another
  with exactly the per-step work of dynsim's loop (:func:`dynsim.training.loop._run_phase`): draw
  the seed's batch from its own generator, forward, task loss, ``loss.item()`` finiteness
  check, backward, ``clip_grad_norm_``, optimizer step. (No evaluation, no snapshots.)
- ``vmap``: the K models' parameters stacked with :func:`torch.func.stack_module_state`, the
  K losses computed by ``torch.func.vmap`` of ``functional_call(model, ...)`` and the task's
  loss (network noise with ``randomness="different"``), one backward through the sum of the K
  losses (each seed's loss depends only on its own parameters, so the summed gradient is each
  seed's own), gradient clipping per seed (per-seed norms from the stacked gradients, the
  formula of ``clip_grad_norm_``), one AdamW over the stacked parameters (elementwise, so the
  same as K independent AdamWs). Each seed draws its own batch from its own generator, as in
  ``seq``; the K batches are padded to the longest and stacked (padding has mask 0 and the
  networks are causal, so it changes no loss and no gradient, but costs time). For the GRU,
  ``aten::gru_cell`` has no vmap batching rule: torch falls back to a loop over the seeds.
- ``batched``: the same without torch.func: the leaky RNN / GRU step written out with
  ``torch.baddbmm`` over a seed dimension (weights (K, out, in)), one step per time step as in
  the module (the input projection is not hoisted out of the time loop), noise drawn once per
  time step for all seeds.
- ``train`` / ``stack``: dynsim end to end, K calls of :func:`dynsim.training.train` against
  one call of :func:`dynsim.training.train_stacked` (the batched step, plus what ``train``
  does besides the steps: evaluation every 25 steps on 256 trials, snapshots every 5 steps,
  each seed's noise drawn from its own stream), criterion never met, so the whole budget runs.

Timings are CPU seconds of this process (``time.process_time``; one thread, so on an idle
machine the same as wall time, and less disturbed by other processes on a shared one), the
best of ``--repeats``. The sequential figure for K seeds is the sum of the first K seeds'
times of one run over the largest K (seeds train one after another, so this is what K separate
trainings cost). A warm-up run precedes every timed one.

Equivalence, ``max |Δθ|``: the largest absolute difference of any parameter after
``--check-steps`` steps of ``--check-seeds`` seeds, ``vmap`` and ``batched`` against ``seq``
with the network noise off (random noise cannot be drawn identically under vmap; everything
else — initial weights, batches, loss, clipping, AdamW — is the same), ``library`` (``stack``
against ``train``, noise on: the library replays each seed's noise stream), and as the
yardstick of float rounding ``float64``: ``seq`` in float32 against ``seq`` in float64. After
one step ``vmap`` and ``batched`` must agree with ``seq`` to 1e-5 (the script fails otherwise).

    OMP_NUM_THREADS=1 python benchmarks/train_multiseed.py
    python benchmarks/train_multiseed.py --archs leaky_rnn --hidden 32 --seeds 1 4 --steps 50

Deterministic (seeds 0..K−1; every figure except the timings repeats exactly); one thread by
default (``--threads``).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
import warnings
from collections.abc import Callable
from types import SimpleNamespace

import torch
from torch.func import functional_call, stack_module_state, vmap

import dynsim
from dynsim import tasks
from dynsim.training import NetworkSpec, TrainingConfig, train, train_stacked

Params = dict[str, torch.Tensor]


def build(arch: str, hidden: int, seed: int, noise: bool) -> torch.nn.Module:
    """The network dynsim's ``train`` starts from for this seed (global seed, then build)."""
    spec = NetworkSpec(
        task="pdm",
        arch=arch,
        seed=seed,
        hidden_size=hidden,
        model_params={} if noise else {"noise_std": 0.0},
    )
    torch.manual_seed(seed)
    return spec.build_model()


def draw(task: tasks.Task, gens: list[torch.Generator], batch: int) -> list[tasks.TrialBatch]:
    return [task.generate(batch, mode="train", generator=g) for g in gens]


def pad_stack(batches: list[tasks.TrialBatch]) -> tuple[torch.Tensor, ...]:
    """Inputs (K, B, T, I), targets (K, B, T), mask (K, B, T), padded to the longest T."""
    n_steps = max(b.n_steps for b in batches)

    def pad(x: torch.Tensor) -> torch.Tensor:
        extra = n_steps - x.shape[1]
        return torch.nn.functional.pad(x, (0, 0) * (x.dim() - 2) + (0, extra)) if extra else x

    return tuple(
        torch.stack([pad(getattr(b, name)) for b in batches])
        for name in ("inputs", "targets", "mask")
    )


def clip_per_seed(grads: list[torch.Tensor], max_norm: float) -> None:
    """``clip_grad_norm_`` applied to each seed (leading dimension) on its own, in place."""
    k = grads[0].shape[0]
    norms = torch.stack([torch.linalg.vector_norm(g.reshape(k, -1), 2, dim=1) for g in grads])
    total = torch.linalg.vector_norm(norms, 2, dim=0)  # (K,)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef.view(k, *([1] * (g.dim() - 1))))


def adamw(params: list[torch.Tensor], cfg: TrainingConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)


# -- the ways to train K seeds ---------------------------------------------------------------------


def run_sequential(
    arch: str, hidden: int, seeds: list[int], steps: int, noise: bool, float64: bool = False
) -> tuple[list[float], list[Params], list[list[float]]]:
    """Train each seed on its own; per-seed CPU seconds, final parameters and loss curves.
    ``float64``: the same in double precision (the yardstick of float rounding)."""
    cfg = TrainingConfig()
    task = tasks.get("pdm")
    dtype = torch.float64 if float64 else torch.float32
    seconds, finals, curves = [], [], []
    for seed in seeds:
        model = build(arch, hidden, seed, noise).to(dtype)
        gen = torch.Generator().manual_seed(seed)
        params = list(model.parameters())
        optimizer = adamw(params, cfg)
        losses = []
        start = time.process_time()
        for _ in range(steps):
            model.train()
            batch = task.generate(cfg.batch_size, mode="train", generator=gen)
            outputs, _ = model(batch.inputs.to(dtype))
            loss = task.loss(outputs, batch)
            if not math.isfinite(loss.item()):
                raise RuntimeError("diverged")
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            optimizer.step()
            losses.append(loss.item())
        seconds.append(time.process_time() - start)
        finals.append({k: v.detach().float() for k, v in model.named_parameters()})
        curves.append(losses)
    return seconds, finals, curves


def _train_stacked(
    params: Params,
    seeds: list[int],
    steps: int,
    seed_losses: Callable[[Params, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
) -> tuple[float, list[list[float]]]:
    """The stacked loop shared by ``vmap`` and ``batched``: ``seed_losses`` maps stacked
    parameters and stacked inputs, targets, mask to the K losses."""
    cfg = TrainingConfig()
    task = tasks.get("pdm")
    gens = [torch.Generator().manual_seed(s) for s in seeds]
    leaves = list(params.values())
    optimizer = adamw(leaves, cfg)
    curves: list[list[float]] = [[] for _ in seeds]
    start = time.process_time()
    for _ in range(steps):
        inputs, targets, mask = pad_stack(draw(task, gens, cfg.batch_size))
        losses = seed_losses(params, inputs, targets, mask)
        values = losses.tolist()
        if not all(math.isfinite(v) for v in values):
            raise RuntimeError("diverged")
        optimizer.zero_grad()
        losses.sum().backward()
        clip_per_seed([p.grad for p in leaves], cfg.grad_clip)
        optimizer.step()
        for curve, v in zip(curves, values, strict=True):
            curve.append(v)
    return time.process_time() - start, curves


def run_vmap(
    arch: str, hidden: int, seeds: list[int], steps: int, noise: bool
) -> tuple[float, list[Params], list[list[float]]]:
    task = tasks.get("pdm")
    nets = [build(arch, hidden, s, noise) for s in seeds]
    params, buffers = stack_module_state(nets)  # leaves that require grad
    base = nets[0]  # any one of them: only its structure and hyperparameters are used
    base.train()

    def one_seed(p: Params, b: Params, x: torch.Tensor, y: torch.Tensor, m: torch.Tensor):
        outputs, _ = functional_call(base, (p, b), (x,))
        return task.loss(outputs, SimpleNamespace(targets=y, mask=m))

    batched = vmap(one_seed, in_dims=(0, 0, 0, 0, 0), randomness="different")
    torch.manual_seed(0)  # the network noise of the stacked run
    seconds, curves = _train_stacked(
        params, seeds, steps, lambda p, x, y, m: batched(p, buffers, x, y, m)
    )
    return seconds, _unstack(params, len(seeds)), curves


def batched_forward(
    arch: str, net: torch.nn.Module
) -> Callable[[Params, torch.Tensor], torch.Tensor]:
    """Outputs (K, B, T, O) of K stacked networks of ``net``'s kind, written with bmm."""
    alpha = net.alpha
    noise_std = net.noise_std
    if arch == "leaky_rnn":
        act = net.activation
        scale = noise_std * math.sqrt(2 / alpha)

        def step(p: Params, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
            drive = torch.baddbmm(p["input.bias"][:, None], x, p["input.weight"].transpose(1, 2))
            drive = torch.baddbmm(drive, h, p["recurrent.weight"].transpose(1, 2))
            if noise_std > 0:
                drive = drive + scale * torch.randn_like(drive)
            return (1 - alpha) * h + alpha * act(drive)

    elif arch == "gru":

        def step(p: Params, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
            gi = torch.baddbmm(p["cell.bias_ih"][:, None], x, p["cell.weight_ih"].transpose(1, 2))
            gh = torch.baddbmm(p["cell.bias_hh"][:, None], h, p["cell.weight_hh"].transpose(1, 2))
            i_r, i_z, i_n = gi.chunk(3, dim=-1)
            h_r, h_z, h_n = gh.chunk(3, dim=-1)
            r = torch.sigmoid(i_r + h_r)
            z = torch.sigmoid(i_z + h_z)
            new = (1 - z) * torch.tanh(i_n + r * h_n) + z * h
            if noise_std > 0:
                new = new + noise_std * torch.randn_like(new)
            return (1 - alpha) * h + alpha * new

    else:
        raise ValueError(f"no batched step for {arch!r}")

    def forward(p: Params, inputs: torch.Tensor) -> torch.Tensor:
        k, b, n_steps, _ = inputs.shape
        h = inputs.new_zeros(k, b, net.n_hidden)
        trajectory = []
        for t in range(n_steps):
            h = step(p, inputs[:, :, t], h)
            trajectory.append(h)
        states = torch.stack(trajectory, dim=2)  # (K, B, T, H)
        flat = states.reshape(k, b * n_steps, -1)
        out = torch.baddbmm(p["readout.bias"][:, None], flat, p["readout.weight"].transpose(1, 2))
        return out.reshape(k, b, n_steps, -1)

    return forward


def run_batched(
    arch: str, hidden: int, seeds: list[int], steps: int, noise: bool
) -> tuple[float, list[Params], list[list[float]]]:
    task = tasks.get("pdm")
    nets = [build(arch, hidden, s, noise) for s in seeds]
    params, _ = stack_module_state(nets)
    forward = batched_forward(arch, nets[0])

    def seed_losses(p: Params, x: torch.Tensor, y: torch.Tensor, m: torch.Tensor):
        outputs = forward(p, x)  # (K, B, T, O)
        per_step = torch.nn.functional.cross_entropy(
            outputs.reshape(-1, outputs.shape[-1]), y.reshape(-1), reduction="none"
        ).reshape(m.shape)
        # The task's loss per seed: Σ per_step·mask / Σ mask (decision_weight 1).
        return (per_step * m).sum((1, 2)) / m.sum((1, 2))

    if task.decision_weight != 1.0:
        raise ValueError("the batched loss assumes decision_weight 1")
    torch.manual_seed(0)
    seconds, curves = _train_stacked(params, seeds, steps, seed_losses)
    return seconds, _unstack(params, len(seeds)), curves


def _unstack(params: Params, k: int) -> list[Params]:
    return [{n: v[i].detach().clone() for n, v in params.items()} for i in range(k)]


def max_diff(a: list[Params], b: list[Params]) -> float:
    return max(float((x[n] - y[n]).abs().max()) for x, y in zip(a, b, strict=True) for n in x)


RUNNERS = {"vmap": run_vmap, "batched": run_batched}


def run_library(
    arch: str, hidden: int, seeds: list[int], steps: int, stacked: bool
) -> tuple[list[float], list[Params]]:
    """dynsim end to end: ``train`` per seed (per-seed CPU seconds) or one ``train_stacked``
    call (one figure), evaluation every 25 steps, the whole budget (criterion never met)."""
    cfg = TrainingConfig(max_steps=steps, target_accuracy=2.0)
    specs = [
        NetworkSpec(task="pdm", arch=arch, seed=s, hidden_size=hidden, training=cfg) for s in seeds
    ]
    if stacked:
        start = time.process_time()
        results = train_stacked(specs)
        seconds = [time.process_time() - start]
    else:
        results, seconds = [], []
        for spec in specs:
            start = time.process_time()
            results.append(train(spec))
            seconds.append(time.process_time() - start)
    return seconds, [r.snapshots[r.final_step] for r in results]


def bench(arch: str, hidden: int, ks: list[int], args: argparse.Namespace) -> list[dict]:
    seeds = list(range(max(ks)))
    kc = min(max(ks), args.check_seeds)
    n = args.check_steps
    # Equivalence (noise off): one step, then n steps, every way against sequential; the
    # float yardstick is sequential float32 against sequential float64 after n steps.
    ref1 = run_sequential(arch, hidden, seeds[:kc], 1, noise=False)[1]
    refn = run_sequential(arch, hidden, seeds[:kc], n, noise=False)[1]
    check = {"float64": max_diff(run_sequential(arch, hidden, seeds[:kc], n, False, True)[1], refn)}
    for way, runner in RUNNERS.items():
        d1 = max_diff(runner(arch, hidden, seeds[:kc], 1, noise=False)[1], ref1)
        if d1 > 1e-5:
            raise AssertionError(f"{way} {arch} {hidden}: after one step |Δθ| = {d1:.2e} > 1e-5")
        check[way] = max_diff(runner(arch, hidden, seeds[:kc], n, noise=False)[1], refn)
    # The library reproduces train()'s noise, so it is compared with the noise on.
    check["library"] = max_diff(
        run_library(arch, hidden, seeds[:kc], n, True)[1],
        run_library(arch, hidden, seeds[:kc], n, False)[1],
    )

    def best(runs: list[list[float]]) -> list[float]:
        return [min(t) for t in zip(*runs, strict=True)]

    run_sequential(arch, hidden, seeds[:1], 5, noise=True)  # warm-up
    seq = best(
        [run_sequential(arch, hidden, seeds, args.steps, True)[0] for _ in range(args.repeats)]
    )
    lib_seq = best(
        [run_library(arch, hidden, seeds, args.steps, False)[0] for _ in range(args.repeats)]
    )
    rows = []
    for k in ks:
        trials = k * args.steps * 64
        row = {"arch": arch, "hidden": hidden, "K": k, "steps": args.steps}
        row["sequential_trials_per_s"] = trials / sum(seq[:k])
        for way, runner in RUNNERS.items():
            runner(arch, hidden, seeds[:k], min(5, args.steps), noise=True)  # warm-up
            sec = min(
                runner(arch, hidden, seeds[:k], args.steps, noise=True)[0]
                for _ in range(args.repeats)
            )
            row[f"{way}_trials_per_s"] = trials / sec
            row[f"{way}_ratio"] = sum(seq[:k]) / sec
        sec = min(
            run_library(arch, hidden, seeds[:k], args.steps, True)[0][0]
            for _ in range(args.repeats)
        )
        row["train_trials_per_s"] = trials / sum(lib_seq[:k])
        row["train_stacked_trials_per_s"] = trials / sec
        row["library_ratio"] = sum(lib_seq[:k]) / sec
        row.update({f"max_dtheta_{w}": d for w, d in check.items()})
        rows.append(row)
        print(
            f"{arch:>10} {hidden:>6} {k:>3} {row['sequential_trials_per_s']:>7.0f} "
            + " ".join(
                f"{row[f'{w}_trials_per_s']:>7.0f} {row[f'{w}_ratio']:>5.2f}×" for w in RUNNERS
            )
            + f" {row['train_trials_per_s']:>7.0f} {row['train_stacked_trials_per_s']:>7.0f}"
            + f" {row['library_ratio']:>5.2f}×  "
            + " ".join(f"{check[w]:>7.1e}" for w in (*RUNNERS, "library", "float64")),
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--archs", nargs="+", default=["leaky_rnn", "gru"])
    parser.add_argument("--hidden", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 4, 8, 16], help="K values")
    parser.add_argument("--steps", type=int, default=200, help="timed training steps")
    parser.add_argument("--check-steps", type=int, default=50, help="steps of the equivalence run")
    parser.add_argument("--check-seeds", type=int, default=4, help="seeds in the equivalence run")
    parser.add_argument("--repeats", type=int, default=1, help="timings: best of this many")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # vmap of the GRU: aten::gru_cell has no batching rule, so torch loops over the seeds
    # (what the vmap column measures); say so once here instead of at every call.
    warnings.filterwarnings("ignore", message=".*batching rule for aten::gru_cell.*")
    print(
        f"dynsim {dynsim.__version__}, torch {torch.__version__}, {platform.machine()}, "
        f"{args.threads} thread(s); pdm, batch 64, {args.steps} steps, CPU time, best of "
        f"{args.repeats}; max |Δθ| after {args.check_steps} steps, {args.check_seeds} seeds"
    )
    print(
        f"{'arch':>10} {'hidden':>6} {'K':>3} {'seq/s':>7} "
        + " ".join(f"{w + '/s':>7} {'ratio':>6}" for w in RUNNERS)
        + f" {'train/s':>7} {'stack/s':>7} {'ratio':>6}  "
        + " ".join(f"{'Δθ ' + w:>7}" for w in ("vmap", "batch", "lib", "f64"))
    )
    report = []
    for arch in args.archs:
        for hidden in args.hidden:
            report.extend(bench(arch, hidden, args.seeds, args))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2)


if __name__ == "__main__":
    main()
