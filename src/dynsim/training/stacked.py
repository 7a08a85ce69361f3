"""Train several seeds of one network spec together, in one process, with stacked weights.

:func:`train_stacked` takes specs that differ only in ``seed`` and trains them at once: the K
networks' parameters are stacked along a leading seed dimension and the recurrent step is
written with batched matrix products (``torch.baddbmm``), so every time step costs one set of
operator calls for all K networks instead of K sets. For small networks on a CPU, where the
per-call overhead of PyTorch dominates, that is faster than K calls of
:func:`dynsim.training.train` (see ``benchmarks/train_multiseed.py`` and its section of
``benchmarks/README.md``: on one CPU thread, 2.0× at hidden 32 with K = 4 seeds, up to 2.8×
with 16; 1.7–2.4× at hidden 64 from K = 4; no faster than ``train`` for one seed).

Each seed's result is that of :func:`dynsim.training.train` on its own spec, up to float
rounding: the same initial weights (the global seed set to ``spec.seed``, then the model
built), the same training batches (a generator seeded from ``spec.seed``, one batch per step)
and the same network noise (the global random stream ``train`` would draw it from, replayed
from a per-seed generator, one draw per time step), the same evaluation batches, the task's own
loss of each seed's unpadded batch, AdamW (elementwise, so one optimizer over the stacked
parameters is K independent ones), gradient clipping per seed (the formula of
``clip_grad_norm_`` on each seed's gradients), evaluation and the accuracy criterion per seed
(a seed that reaches it, or whose loss is not finite, leaves the stack with its optimizer
state, the others go on), and the same snapshots. Rounding differs (batched products, one
backward through the sum of the seeds' losses), and Adam amplifies such differences where a
gradient is tiny: after 50 steps parameters agree to ~1e-7 (GRU, leaky RNN at hidden 32) and
up to ~1e-3 (leaky RNN at hidden 64, where float32 and float64 training differ by as much).
Over hundreds of steps training amplifies the difference like any perturbation (measured on
the default config's anti_pdm leaky RNNs: 3e-4 and 5e-2 apart after 200–250 steps), so the
step at which a seed meets the criterion can move by an evaluation interval or more: the
result is a statistically equivalent training run, not a bit-for-bit replay.

Only the single-phase regimes where every parameter is trained and nothing else enters the
loss are supported (``master`` and ``master_gain<g>``) and only the architectures whose step is
written out here (``leaky_rnn``, ``gru``). Trials are padded to the longest batch of the step;
padding has mask 0 and the networks are causal, so it changes nothing but the time. Network
noise is drawn on the CPU (as ``train`` draws it there) and moved to ``device``.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable

import torch

from dynsim import models
from dynsim.regimes import curriculum

# The spec half (which seeds may stack) lives in the torch-free spec layer.
from dynsim.spec import STACKABLE_ARCHITECTURES as ARCHITECTURES  # noqa: F401
from dynsim.spec import NetworkSpec, can_stack, check_stackable  # noqa: F401
from dynsim.training.batches import _eval_batch, pad_time
from dynsim.training.loop import PhaseLog
from dynsim.training.result import TrainingResult

Params = dict[str, torch.Tensor]
Step = Callable[[Params, torch.Tensor, torch.Tensor, torch.Tensor | None], torch.Tensor]


def batched_step(net: models.RecurrentNetwork) -> Step:
    """One time step of K stacked networks of ``net``'s kind: ``step(params, x, h, eps)`` with
    x (K, B, input), h (K, B, hidden), eps (K, B, hidden) standard-normal noise or None
    (no noise, as in eval mode). The same operations as the module's own step."""
    alpha = net.alpha
    if isinstance(net, models.LeakyRNN):
        activation = net.activation
        scale = net.noise_std * math.sqrt(2 / alpha)

        def step(p: Params, x: torch.Tensor, h: torch.Tensor, eps: torch.Tensor | None):
            drive = torch.baddbmm(
                p["input.bias"].unsqueeze(1), x, p["input.weight"].transpose(1, 2)
            ) + torch.bmm(h, p["recurrent.weight"].transpose(1, 2))
            if eps is not None:
                drive = drive + scale * eps
            return (1 - alpha) * h + alpha * activation(drive)

        return step
    if isinstance(net, models.LeakyGRU):
        noise_std = net.noise_std

        def step(p: Params, x: torch.Tensor, h: torch.Tensor, eps: torch.Tensor | None):
            gi = torch.baddbmm(
                p["cell.bias_ih"].unsqueeze(1), x, p["cell.weight_ih"].transpose(1, 2)
            )
            gh = torch.baddbmm(
                p["cell.bias_hh"].unsqueeze(1), h, p["cell.weight_hh"].transpose(1, 2)
            )
            i_r, i_z, i_n = gi.chunk(3, dim=-1)
            h_r, h_z, h_n = gh.chunk(3, dim=-1)
            reset = torch.sigmoid(h_r + i_r)
            update = torch.sigmoid(h_z + i_z)
            candidate = torch.tanh(i_n + h_n * reset)
            new = (h - candidate) * update + candidate  # as ATen's gru_cell
            if eps is not None:
                new = new + noise_std * eps
            return (1 - alpha) * h + alpha * new

        return step
    raise ValueError(f"no batched step for {type(net).__name__}")


def batched_forward(
    step: Step, params: Params, inputs: torch.Tensor, noise: torch.Tensor | None, n_hidden: int
) -> torch.Tensor:
    """Outputs (K, B, T, output) of the stacked networks on inputs (K, B, T, input), with
    standard-normal network noise (K, T, B, hidden) or None (none, as in eval mode)."""
    k, b, n_steps, _ = inputs.shape
    h = inputs.new_zeros(k, b, n_hidden)
    trajectory = []
    for t in range(n_steps):
        h = step(params, inputs[:, :, t], h, None if noise is None else noise[:, t])
        trajectory.append(h)
    states = torch.stack(trajectory, dim=2).reshape(k, b * n_steps, n_hidden)
    out = torch.baddbmm(
        params["readout.bias"].unsqueeze(1), states, params["readout.weight"].transpose(1, 2)
    )
    return out.reshape(k, b, n_steps, -1)


def _draw_noise(
    generators: list[torch.Generator], n_steps: list[int], n_trials: int, n_hidden: int
) -> torch.Tensor:
    """Standard-normal noise (K, T, B, hidden), T the longest of ``n_steps``, zero after each
    seed's own steps: what the module draws with one ``randn_like`` (B, hidden) per time step,
    from each seed's generator in turn.

    PyTorch's CPU ``normal_`` fills whole blocks of 16 numbers, so when B · hidden is a multiple
    of 16 one draw of (T, B, hidden) is the same numbers as T draws of (B, hidden) and is made
    at once (``tests/test_stacked.py`` checks both paths against ``train``)."""
    longest = max(n_steps)
    noise = torch.zeros(len(generators), longest, n_trials, n_hidden)
    at_once = (n_trials * n_hidden) % 16 == 0
    for row, (gen, steps) in enumerate(zip(generators, n_steps, strict=True)):
        if at_once:
            torch.randn(steps, n_trials, n_hidden, generator=gen, out=noise[row, :steps])
        else:
            for t in range(steps):
                torch.randn(n_trials, n_hidden, generator=gen, out=noise[row, t])
    return noise


def _clip_per_seed(grads: list[torch.Tensor], max_norm: float) -> None:
    """``torch.nn.utils.clip_grad_norm_`` on each seed's gradients (leading dim), in place."""
    k = grads[0].shape[0]
    norms = torch.stack([torch.linalg.vector_norm(g.reshape(k, -1), 2, dim=1) for g in grads])
    total = torch.linalg.vector_norm(norms, 2, dim=0)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef.view(k, *([1] * (g.dim() - 1))))


def _pad_stack(xs: list[torch.Tensor]) -> torch.Tensor:
    """Stack (trial, time, …) tensors along a new first dimension, zero-padding time."""
    n_steps = max(x.shape[1] for x in xs)
    return torch.stack([pad_time(x, n_steps) for x in xs])


class _Stack:
    """The stacked parameters of the seeds still training and their one AdamW; ``rows`` are
    the seeds' indices (in the list of specs), in row order."""

    def __init__(self, params: Params, rows: list[int], lr: float, weight_decay: float) -> None:
        self.params = params
        self.rows = rows
        self.optimizer = torch.optim.AdamW(list(params.values()), lr=lr, weight_decay=weight_decay)

    def keep(self, seeds: list[int]) -> None:
        """Keep only the rows of ``seeds`` (a subsequence of ``rows``), with their optimizer
        state (AdamW is elementwise, so the kept rows train on exactly as before)."""
        index = torch.tensor([self.rows.index(i) for i in seeds])
        old_params, old = self.params, self.optimizer
        params = {n: p.detach()[index].clone().requires_grad_(True) for n, p in old_params.items()}
        group = old.param_groups[0]
        self.optimizer = torch.optim.AdamW(
            list(params.values()), lr=group["lr"], weight_decay=group["weight_decay"]
        )
        for p_old, p_new in zip(old_params.values(), params.values(), strict=True):
            state = old.state.get(p_old)
            if state:
                self.optimizer.state[p_new] = {
                    key: value[index].clone()
                    if torch.is_tensor(value) and value.dim() > 0
                    else (value.clone() if torch.is_tensor(value) else value)
                    for key, value in state.items()
                }
        self.params, self.rows = params, list(seeds)

    def state(self, seed: int) -> dict[str, torch.Tensor]:
        """The current parameters of seed ``seed`` (an index into the specs), CPU copies."""
        row = self.rows.index(seed)
        return {n: p[row].detach().to("cpu", copy=True) for n, p in self.params.items()}


def train_stacked(specs: list[NetworkSpec], device: str = "cpu") -> list[TrainingResult]:
    """Train specs that differ only in seed together; one :class:`TrainingResult` per spec,
    in order, as :func:`dynsim.training.train` would return it (see the module docstring):
    the final state dict is ``result.snapshots[result.final_step]`` and the loss curve
    ``result.loss``. ``seconds`` is the wall time from the start until that seed stopped.

    Only the batched forward pass and the optimizer step are this function's own; each seed's
    loss, evaluation schedule, criterion, snapshots and status are kept by its own
    :class:`dynsim.training.loop.PhaseLog`, as in :func:`dynsim.training.train`.
    ValueError (from :func:`dynsim.spec.check_stackable`) if the specs cannot stack.
    """
    check_stackable(specs)
    spec = specs[0]
    cfg = spec.training
    (phase,) = curriculum(spec)
    task = spec.build_task()
    nets, batch_gens, noise_gens = [], [], []
    for s in specs:  # as train(): global seed, build; then the noise stream starts
        torch.manual_seed(s.seed)
        nets.append(s.build_model())
        noise_gen = torch.Generator()
        noise_gen.set_state(torch.get_rng_state())
        noise_gens.append(noise_gen)
        batch_gens.append(torch.Generator().manual_seed(s.seed))
    net = nets[0]
    step_fn = batched_step(net)
    n_hidden = net.n_hidden
    noisy = net.noise_std > 0
    params = {  # the networks' parameters stacked along a new first (seed) dimension
        name: torch.stack([dict(m.named_parameters())[name].detach() for m in nets])
        .to(device)
        .requires_grad_(True)
        for name, _ in net.named_parameters()
    }
    active = list(range(len(specs)))  # the seeds still training, in row order
    stack = _Stack(params, list(active), cfg.learning_rate, cfg.weight_decay)
    eval_batches = [_eval_batch(task, s) for s in specs]
    eval_inputs = _pad_stack([b.inputs for b in eval_batches]).to(device)
    logs = [PhaseLog(phase, cfg, state=functools.partial(stack.state, i)) for i in active]
    seconds = [0.0] * len(specs)
    start = time.perf_counter()
    while active:
        # The batched forward pass: each seed's own batch and noise, one set of operator calls.
        batches = [
            task.generate(cfg.batch_size, mode="train", generator=batch_gens[i], device=device)
            for i in active
        ]
        inputs = _pad_stack([b.inputs for b in batches])
        noise = None
        if noisy:
            noise = _draw_noise(
                [noise_gens[i] for i in active],
                [b.n_steps for b in batches],
                cfg.batch_size,
                n_hidden,
            ).to(device)
        outputs = batched_forward(step_fn, stack.params, inputs, noise, n_hidden)
        seed_losses = [task.loss(outputs[row, :, : b.n_steps], b) for row, b in enumerate(batches)]
        values = torch.stack(seed_losses).tolist()
        finite = [math.isfinite(v) for v in values]
        for i, ok in zip(active, finite, strict=True):
            if not ok:
                logs[i].diverged()  # before the step: its weights from before it are kept
        # The optimizer step: one backward through the sum of the finite seeds' losses.
        if any(finite):
            stack.optimizer.zero_grad()
            kept = [loss for loss, ok in zip(seed_losses, finite, strict=True) if ok]
            torch.stack(kept).sum().backward()
            grads = [p.grad for p in stack.params.values()]
            _clip_per_seed(grads, cfg.grad_clip)
            stack.optimizer.step()
        stepped = [row for row, ok in enumerate(finite) if ok]
        for row in stepped:
            logs[active[row]].stepped(values[row])
        if any(logs[active[row]].evaluating for row in stepped):
            with torch.no_grad():
                eval_out = batched_forward(
                    step_fn, stack.params, eval_inputs[torch.tensor(active)], None, n_hidden
                )
            for row in stepped:
                i = active[row]
                batch = eval_batches[i]
                logs[i].evaluated(
                    {task.name: task.accuracy(eval_out[row, :, : batch.n_steps], batch)}
                )
        leaving = [i for i in active if not logs[i].running]
        for i in leaving:
            logs[i].finish()
            seconds[i] = time.perf_counter() - start
        active = [i for i in active if i not in leaving]
        if leaving and active:
            stack.keep(active)
    return [
        log.result(s, seconds[i], [log.summary()])
        for i, (s, log) in enumerate(zip(specs, logs, strict=True))
    ]
