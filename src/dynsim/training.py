"""Train one network on one task, keep snapshots over learning, record test-set activity.

Read top to bottom: :class:`NetworkSpec` says what to train; :func:`curriculum` turns its
regime into a list of :class:`Phase` s; :func:`train` runs them (Adam, masked task loss, weight
decay, gradient clipping, stop at a target accuracy or a step budget, stop early on a
non-finite loss); :func:`select_checkpoints` picks snapshots at fractions of the recorded phase;
:func:`record_activity` runs every checkpoint on the network task's fixed test set.

Regimes (the compositional groups of Guilhot et al. 2024; ``task`` is the target task and its
family's components — basic, anti, delay — are looked up with :func:`dynsim.tasks.family`):

- ``untrained``: never trained; one snapshot, at step 0; status ``untrained``.
- ``master``: the target task only, every parameter trained.
- ``master_frozen``: the target task only, only the input weights trained.
- ``multitask``: all four tasks of the family interleaved (mixed in every batch),
  every parameter trained, until every task reaches the criterion. For a task of the Yang
  2019 / Driscoll 2024 family (:data:`dynsim.tasks.YANG_TASKS`): all 15 tasks of that family
  interleaved, as Yang et al. train; the network of each task name is then the same network
  (same seed, same batches), recorded on that task's test set — the workflow trains it once
  and gives the other task names its checkpoint (:func:`same_training`, :func:`retarget`).
- ``pretrain_<subset>_frozen`` / ``pretrain_<subset>_unfrozen``, with ``<subset>`` one or more
  of ``basic``, ``anti``, ``delay`` in that order joined by ``_`` (absent = all three, as in
  ``pretrain_frozen``): pretrain on those sub-tasks interleaved (every parameter trained, until
  each reaches ``pretrain_target_accuracy`` or ``pretrain_steps`` run out), then train the
  target task with only the input weights (``model.input_parameters()``) trainable (frozen)
  or with everything trainable (unfrozen).
- ``master_gain<g>``: ``master`` with the recurrent weights initialised at gain g (``p`` for the
  decimal point: ``master_gain0p5`` is gain 0.5); the control networks of the INSD study.
  Needs an architecture with an ``init_gain`` parameter (``leaky_rnn``).
- ``insd_<k>``: link k of an Iterative Neural Similarity Deflation chain (Qian & Pehlevan
  2025; :mod:`dynsim.insd`). Link 0 is ``master``; link k > 0 is trained on
  L_task + λ Σ_{i<k} r²(R_k⊥ → R_i⊥), the earlier links (passed to :func:`train` as
  ``previous``) run in eval mode without gradient on the same input batch at every step.
  λ, the ridge ρ, the time window and centring are the spec's :class:`InsdConfig`. Every link
  starts from the same initial weights and sees the same batches as ``master`` of the same
  seed, so with λ = 0 link k *is* ``master``, bit for bit. With λ > 0 a link trains for its
  whole step budget (reaching the accuracy criterion does not stop it).

Only the last phase (the target task) is *recorded*: its snapshots make the checkpoint schedule
(step 0 = the end of pretraining), its status is the network's status, and ``loss`` is its loss
curve; the earlier phases are summarised in ``TrainingResult.phases``.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import torch

from dynsim import models, tasks
from dynsim.insd import deflation_penalty, readout_null_space

# What a network is lives in the torch-free spec layer; these names stay importable from here.
from dynsim.regimes import (  # noqa: F401
    REGIME_PATTERN,
    Phase,
    curriculum,
    insd_position,
    parse_regime,
    regime_gain,
)
from dynsim.spec import (  # noqa: F401
    DEFAULT_CHECKPOINTS,
    STATUSES,
    InsdConfig,
    NetworkSpec,
    TrainingConfig,
    same_training,
)


@dataclass
class TrainingResult:
    """What :func:`train` returns; steps, snapshots and ``loss`` are of the recorded phase."""

    spec: NetworkSpec
    status: str  # one of STATUSES
    final_step: int
    snapshots: dict[int, dict[str, torch.Tensor]]  # step → state_dict (CPU)
    loss: list[float]  # one value per step
    eval_steps: list[int]
    eval_accuracy: list[float]
    seconds: float
    # Per phase: name, tasks, trainable, status, steps, loss, eval_steps, eval_accuracy (task →
    # list). Empty in results written before curricula existed.
    phases: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["spec"] = self.spec.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingResult:
        data = dict(data)
        data["spec"] = NetworkSpec.from_dict(data["spec"])
        return cls(**data)


def train(
    spec: NetworkSpec,
    device: str = "cpu",
    previous: list[TrainingResult] | None = None,
) -> TrainingResult:
    """Train the network ``spec`` describes through its curriculum.

    Deterministic for a given spec on CPU: the global torch seed (initial weights, network
    noise) and one trial generator are seeded from ``spec.seed``; each task's evaluation batch
    is drawn from its own generator seeded from ``spec.seed``.

    ``previous``: for the regime ``insd_<k>``, the trained links 0..k−1 of the same chain
    (their final snapshots are used); no other regime takes any.
    """
    deflation = _deflation(spec, previous or [], device)
    torch.manual_seed(spec.seed)
    model = spec.build_model().to(device)
    generator = torch.Generator().manual_seed(spec.seed)
    phases = curriculum(spec)
    start = time.perf_counter()
    summaries: list[dict[str, Any]] = []
    if not phases:  # untrained: evaluate the initial network once
        task = spec.build_task()
        accuracy = evaluate(model, task, _eval_batch(task, spec))
        return TrainingResult(
            spec=spec,
            status="untrained",
            final_step=0,
            snapshots={0: _state(model)},
            loss=[],
            eval_steps=[0],
            eval_accuracy=[accuracy],
            seconds=time.perf_counter() - start,
            phases=[],
        )
    for phase in phases:
        run = _run_phase(
            spec, phase, model, generator, device, deflation if phase.recorded else None
        )
        summaries.append(run["summary"])
        if run["summary"]["status"] == "diverged" or phase.recorded:
            break
    last = run["summary"]
    if not phase.recorded:  # diverged while pretraining: the target phase never started
        return TrainingResult(
            spec=spec,
            status="diverged",
            final_step=0,
            snapshots={0: _state(model)},
            loss=[float("nan")],
            eval_steps=[],
            eval_accuracy=[],
            seconds=time.perf_counter() - start,
            phases=summaries,
        )
    return TrainingResult(
        spec=spec,
        status=last["status"],
        final_step=last["steps"],
        snapshots=run["snapshots"],
        loss=last["loss"],
        eval_steps=last["eval_steps"],
        eval_accuracy=last["eval_accuracy"][spec.task],
        seconds=time.perf_counter() - start,
        phases=summaries,
    )



def retarget(result: TrainingResult, spec: NetworkSpec) -> TrainingResult:
    """``result`` as the training of ``spec``, which :func:`same_training` shares with
    ``result.spec``: the same snapshots and phases, with the top-level evaluation curve that
    of ``spec.task`` (already evaluated during the shared phase)."""
    if not same_training(result.spec, spec):
        raise ValueError(f"{result.spec.key} and {spec.key} are not the same training")
    last = result.phases[-1]
    return replace(result, spec=spec, eval_accuracy=list(last["eval_accuracy"][spec.task]))


class _Deflation:
    """The INSD penalty of one link against its chain's earlier links (frozen, eval mode)."""

    def __init__(self, config: InsdConfig, earlier: list[models.RecurrentNetwork]) -> None:
        self.config = config
        self.earlier = earlier
        self.bases = [readout_null_space(m.readout.weight) for m in earlier]

    def window(self, batch: tasks.TrialBatch, device: str) -> torch.Tensor:
        """Boolean (trial, time): the steps that enter the penalty."""
        keep = batch.mask.detach().to("cpu").numpy() > 0
        if self.config.window is not None:
            missing = [e for e in self.config.window if e not in batch.epochs]
            if missing:
                raise ValueError(f"INSD window: the task has no epoch(s) {missing}")
            labels = batch.epoch_labels()
            keep &= np.isin(labels, list(self.config.window))
        return torch.as_tensor(keep, device=device)

    def __call__(
        self, batch: tasks.TrialBatch, hidden: torch.Tensor, model: models.RecurrentNetwork
    ) -> torch.Tensor:
        keep = self.window(batch, hidden.device)
        if self.config.noise_free and model.training:
            model.eval()  # eval mode draws no noise, so the random stream is untouched
            try:
                hidden = model(batch.inputs)[1]
            finally:
                model.train()
        with torch.no_grad():
            old = [
                m(batch.inputs)[1][keep] @ basis
                for m, basis in zip(self.earlier, self.bases, strict=True)
            ]
        return deflation_penalty(
            hidden[keep],
            model.readout.weight,
            old,
            ridge=self.config.ridge,
            center=self.config.center,
        )


def _deflation(spec: NetworkSpec, previous: list[TrainingResult], device: str) -> _Deflation | None:
    """The penalty for an ``insd_<k>`` spec from its earlier links (None for link 0 and for
    every other regime); checks that ``previous`` are links 0..k−1 of a chain on the same task."""
    k = insd_position(spec.regime)
    if k is None:
        if previous:
            raise ValueError(f"regime {spec.regime!r} takes no previous networks")
        return None
    positions = sorted(-1 if (j := insd_position(r.spec.regime)) is None else j for r in previous)
    if positions != list(range(k)):
        got = [r.spec.key for r in previous]
        wanted = [f"insd_{j}" for j in range(k)]
        raise ValueError(f"{spec.key} needs the earlier links {wanted} as previous; got {got}")
    for r in previous:
        if (r.spec.task, r.spec.task_params) != (spec.task, spec.task_params):
            raise ValueError(f"{r.spec.key} was trained on another task than {spec.key}")
        if r.spec.variant != spec.variant:
            raise ValueError(f"{r.spec.key} is of another grid variant than {spec.key}")
        if r.status == "diverged":
            raise ValueError(f"earlier link {r.spec.key} diverged; cannot deflate against it")
    if k == 0:
        return None
    earlier = []
    for r in sorted(previous, key=lambda r: insd_position(r.spec.regime)):
        model = r.spec.build_model()
        model.load_state_dict(r.snapshots[r.final_step])
        model.to(device).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        earlier.append(model)
    return _Deflation(spec.insd or InsdConfig(), earlier)


def _eval_batch(task: tasks.Task, spec: NetworkSpec) -> tasks.TrialBatch:
    """The fixed batch a task's accuracy is measured on during training (train timings)."""
    generator = torch.Generator().manual_seed(10_000 + spec.seed)
    return task.generate(spec.training.eval_trials, mode="train", generator=generator)


def _mixed_batch(
    phase_tasks: list[tasks.Task], n_trials: int, generator: torch.Generator, device: str
) -> tasks.TrialBatch:
    """One training batch with trials of every task (as equal shares as ``n_trials`` allows,
    in the tasks' order), padded to the longest trial. With one task: that task's batch.

    Tasks of one phase share a family (layout and loss); only the epochs all of them have are
    kept (the decision epoch always is).
    """
    if len(phase_tasks) == 1:
        return phase_tasks[0].generate(n_trials, mode="train", generator=generator, device=device)
    shares = [
        n_trials // len(phase_tasks) + (k < n_trials % len(phase_tasks))
        for k in range(len(phase_tasks))
    ]
    parts = [
        t.generate(max(n, 1), mode="train", generator=generator)
        for t, n in zip(phase_tasks, shares, strict=True)
    ]
    n_steps = max(b.n_steps for b in parts)

    def pad(x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.pad(x, (0, 0) * (x.dim() - 2) + (0, n_steps - x.shape[1]))

    shared = [e for e in parts[0].epochs if all(e in b.epochs for b in parts)]
    return tasks.TrialBatch(
        inputs=torch.cat([pad(b.inputs) for b in parts]).to(device),
        targets=torch.cat([pad(b.targets) for b in parts]).to(device),
        mask=torch.cat([pad(b.mask) for b in parts]).to(device),
        epochs={
            e: tuple(np.concatenate([b.epochs[e][i] for b in parts]) for i in (0, 1))
            for e in shared
        },
        conditions={
            k: np.concatenate([b.conditions[k] for b in parts])
            for k in parts[0].conditions
            if all(k in b.conditions for b in parts)
        },
        dt=parts[0].dt,
        input_names=parts[0].input_names,
        output_names=parts[0].output_names,
    )


def _run_phase(
    spec: NetworkSpec,
    phase: Phase,
    model: models.RecurrentNetwork,
    generator: torch.Generator,
    device: str,
    deflation: _Deflation | None = None,
) -> dict[str, Any]:
    """Train ``model`` in place through one phase; returns its summary and snapshots.

    With ``deflation`` the loss is the task loss + λ · penalty (the INSD regime); the
    penalty's value per step is kept in the summary (``penalty``), and with λ > 0 the phase
    runs its whole step budget."""
    cfg = spec.training
    phase_tasks = [tasks.get(name, **spec.task_params) for name in phase.tasks]
    eval_batches = [_eval_batch(t, spec) for t in phase_tasks]
    if phase.trainable == "input":
        trainable = list(model.input_parameters())
    elif phase.trainable == "all":
        trainable = list(model.parameters())
    else:
        raise ValueError(f"trainable must be 'all' or 'input', got {phase.trainable!r}")
    chosen = {id(p) for p in trainable}
    for p in model.parameters():
        p.requires_grad_(id(p) in chosen)
    optimizer = torch.optim.AdamW(trainable, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    snapshots = {0: _state(model)} if phase.recorded else {}
    losses: list[float] = []
    penalties: list[float] = []
    # A penalised INSD link trains for its whole budget: reaching the accuracy criterion
    # early does not mean the penalty has been minimised. Its status is that of its last
    # evaluation. (With λ = 0 it stops at the criterion, exactly like master.)
    penalised = deflation is not None and deflation.config.lam > 0
    eval_steps: list[int] = []
    eval_accuracy: dict[str, list[float]] = {t.name: [] for t in phase_tasks}
    status, step = "budget_exhausted", 0
    try:
        while step < phase.max_steps:
            model.train()
            batch = _mixed_batch(phase_tasks, cfg.batch_size, generator, device)
            outputs, hidden = model(batch.inputs)
            loss = phase_tasks[0].loss(outputs, batch)
            if deflation is not None:
                penalty = deflation(batch, hidden, model)
                penalties.append(penalty.item())
                loss = loss + deflation.config.lam * penalty
            if not math.isfinite(loss.item()):
                status = "diverged"
                losses.append(float("nan"))
                break
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, cfg.grad_clip)
            optimizer.step()
            step += 1
            losses.append(loss.item())
            if phase.recorded and step % cfg.snapshot_every == 0:
                snapshots[step] = _state(model)
            if step % cfg.eval_every == 0 or step == phase.max_steps:
                eval_steps.append(step)
                for t, eval_batch in zip(phase_tasks, eval_batches, strict=True):
                    eval_accuracy[t.name].append(evaluate(model, t, eval_batch))
                if min(acc[-1] for acc in eval_accuracy.values()) >= phase.target_accuracy:
                    status = "converged"
                    if not penalised:
                        break
                elif penalised:
                    status = "budget_exhausted"
    finally:
        for p in model.parameters():
            p.requires_grad_(True)
    if phase.recorded:
        snapshots[step] = _state(model)
    summary = phase_summary(phase, status, step, losses, eval_steps, eval_accuracy)
    if deflation is not None:
        summary["penalty"] = penalties
    return {"summary": summary, "snapshots": snapshots}


def phase_summary(
    phase: Phase,
    status: str,
    steps: int,
    loss: list[float],
    eval_steps: list[int],
    eval_accuracy: dict[str, list[float]],
) -> dict[str, Any]:
    """What :class:`TrainingResult` keeps of one phase (``TrainingResult.phases``)."""
    return {
        "name": phase.name,
        "tasks": list(phase.tasks),
        "trainable": phase.trainable,
        "status": status,
        "steps": steps,
        "loss": loss,
        "eval_steps": eval_steps,
        "eval_accuracy": eval_accuracy,
    }


def evaluate(model: models.RecurrentNetwork, task: tasks.Task, batch: tasks.TrialBatch) -> float:
    model.eval()
    with torch.no_grad():
        outputs, _ = model(batch.inputs.to(next(model.parameters()).device))
    return task.accuracy(outputs, batch)


def select_checkpoints(result: TrainingResult) -> list[tuple[int, float]]:
    """(step, progress) of the snapshot nearest to each requested fraction of training.

    An untrained network has one checkpoint, (0, 0.0).
    """
    if result.status == "untrained":
        return [(0, 0.0)]
    steps = np.array(sorted(result.snapshots))
    chosen = []
    for fraction in result.spec.training.checkpoints:
        step = int(steps[np.argmin(np.abs(steps - fraction * result.final_step))])
        chosen.append((step, step / max(result.final_step, 1)))
    return chosen


def record_activity(result: TrainingResult, n_repeats: int = 4, seed: int = 0) -> dict[str, Any]:
    """Run every selected checkpoint on the task's fixed test set.

    Returns plain arrays (no xarray here; :mod:`dynsim.store` labels and writes them):
    ``hidden`` (checkpoint, trial, time, unit), ``output`` (checkpoint, trial, time, out),
    ``accuracy`` (checkpoint,), the test batch, and the checkpoints' steps and progress.
    """
    spec = result.spec
    task = spec.build_task()
    batch = task.test_batch(n_repeats=n_repeats, seed=seed)
    model = spec.build_model()
    checkpoints = select_checkpoints(result)
    hidden, output, accuracy = [], [], []
    for step, _progress in checkpoints:
        model.load_state_dict(result.snapshots[step])
        model.eval()
        with torch.no_grad():
            out, states = model(batch.inputs)
        hidden.append(states.numpy())
        output.append(out.numpy())
        accuracy.append(task.accuracy(out, batch))
    return {
        "hidden": np.stack(hidden).astype(np.float32),
        "output": np.stack(output).astype(np.float32),
        "accuracy": np.asarray(accuracy),
        "steps": np.array([s for s, _ in checkpoints]),
        "progress": np.array([p for _, p in checkpoints]),
        "batch": batch,
    }


def _state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in copy.copy(model.state_dict()).items()}
