"""The training loop: :func:`train` runs a spec's curriculum phase by phase (:func:`_run_phase`),
and :class:`PhaseLog` keeps one network's books through a phase.

Read top to bottom:

1. :func:`train` seeds torch from the spec, builds the model, turns the regime into phases
   (:func:`dynsim.regimes.curriculum`) and runs them; only the last phase is recorded.
2. :func:`_run_phase` is one phase: per step a batch (:func:`_mixed_batch`), the masked task
   loss (+ λ · the INSD penalty for a deflated link), AdamW with weight decay and gradient
   clipping; stop early on a non-finite loss or at the accuracy criterion.
3. :class:`PhaseLog` is everything that is bookkeeping, not maths: the loss per step, the
   evaluation schedule and the criterion, snapshots, the status, the phase summary. The stacked
   trainer (:mod:`dynsim.training.stacked`) keeps one per seed, so both loops agree by
   construction.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch

from dynsim import models, tasks
from dynsim.regimes import Phase, curriculum
from dynsim.spec import NetworkSpec, TrainingConfig, same_training
from dynsim.training.batches import _eval_batch, _mixed_batch
from dynsim.training.deflation import _Deflation, _deflation
from dynsim.training.result import TrainingResult

StateDict = dict[str, torch.Tensor]


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
    (their final snapshots are used); no other regime takes any (ValueError).
    """
    deflation = _deflation(spec, previous or [], device)
    torch.manual_seed(spec.seed)
    model = spec.build_model().to(device)
    generator = torch.Generator().manual_seed(spec.seed)
    phases = curriculum(spec)
    start = time.perf_counter()
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
    summaries: list[dict[str, Any]] = []
    for phase in phases:
        log = _run_phase(
            spec, phase, model, generator, device, deflation if phase.recorded else None
        )
        summaries.append(log.summary())
        if log.status == "diverged" or phase.recorded:
            break
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
    return log.result(spec, time.perf_counter() - start, summaries)


def _run_phase(
    spec: NetworkSpec,
    phase: Phase,
    model: models.RecurrentNetwork,
    generator: torch.Generator,
    device: str,
    deflation: _Deflation | None = None,
) -> PhaseLog:
    """Train ``model`` in place through one phase; returns its log (summary and snapshots).

    With ``deflation`` the loss is the task loss + λ · penalty (the INSD regime); the
    penalty's value per step is kept in the log (``penalty``), and with λ > 0 the phase runs
    its whole step budget."""
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
    log = PhaseLog(
        phase,
        cfg,
        state=lambda: _state(model),
        # A penalised INSD link trains for its whole budget: reaching the accuracy criterion
        # early does not mean the penalty has been minimised. (With λ = 0 it stops at the
        # criterion, exactly like master.)
        penalised=deflation is not None and deflation.config.lam > 0,
        penalty=[] if deflation is not None else None,
    )
    try:
        while log.running:
            model.train()
            batch = _mixed_batch(phase_tasks, cfg.batch_size, generator, device)
            outputs, hidden = model(batch.inputs)
            loss = phase_tasks[0].loss(outputs, batch)
            if deflation is not None:
                penalty = deflation(batch, hidden, model)
                log.penalty.append(penalty.item())
                loss = loss + deflation.config.lam * penalty
            if not math.isfinite(loss.item()):
                log.diverged()
                break
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, cfg.grad_clip)
            optimizer.step()
            log.stepped(loss.item())
            if log.evaluating:
                log.evaluated(
                    {
                        t.name: evaluate(model, t, b)
                        for t, b in zip(phase_tasks, eval_batches, strict=True)
                    }
                )
    finally:
        for p in model.parameters():
            p.requires_grad_(True)
    log.finish()
    return log


class PhaseLog:
    """One network's books through one phase, shared by :func:`_run_phase` and
    :func:`dynsim.training.stacked.train_stacked`: the loss at every step, the evaluation
    schedule and the accuracy criterion, the snapshots, the status and the phase summary.

    The caller does the maths and reports each event in order: :meth:`diverged` (the next
    step's loss is not finite; call it before stepping), :meth:`stepped` (one optimizer step
    done), :meth:`evaluated` (when :attr:`evaluating`), and :meth:`finish` once the loop ends.
    ``state`` returns the network's current state dict (CPU copies); it is called for each
    snapshot of a recorded phase (step 0 at construction, every ``snapshot_every`` steps, and
    the last step).
    """

    def __init__(
        self,
        phase: Phase,
        config: TrainingConfig,
        state: Callable[[], StateDict],
        penalised: bool = False,
        penalty: list[float] | None = None,
    ) -> None:
        self.phase = phase
        self.config = config
        self.state = state
        self.penalised = penalised
        self.penalty = penalty  # the INSD penalty per step (None: not a deflated link)
        self.step = 0
        self.status = "budget_exhausted"
        self.stopped = False
        self.loss: list[float] = []
        self.eval_steps: list[int] = []
        self.eval_accuracy: dict[str, list[float]] = {name: [] for name in phase.tasks}
        self.snapshots: dict[int, StateDict] = {0: state()} if phase.recorded else {}

    @property
    def running(self) -> bool:
        """Whether another step is to be taken."""
        return not self.stopped and self.step < self.phase.max_steps

    @property
    def evaluating(self) -> bool:
        """Whether the step just taken is one to evaluate at (every ``eval_every`` and last)."""
        return self.step % self.config.eval_every == 0 or self.step == self.phase.max_steps

    def diverged(self) -> None:
        """The loss of the step about to be taken is not finite: stop, with NaN as its loss
        and the weights from before it as the last snapshot."""
        self.status = "diverged"
        self.loss.append(float("nan"))
        self._stop()

    def stepped(self, loss: float) -> None:
        """One optimizer step was taken, at training loss ``loss``."""
        self.step += 1
        self.loss.append(loss)
        if self.phase.recorded and self.step % self.config.snapshot_every == 0:
            self.snapshots[self.step] = self.state()

    def evaluated(self, accuracy: dict[str, float]) -> None:
        """The accuracy of every task of the phase (task name → accuracy) after this step;
        stop at the criterion (every task at ``target_accuracy``) unless penalised, when the
        status follows the last evaluation."""
        self.eval_steps.append(self.step)
        for name, value in accuracy.items():
            self.eval_accuracy[name].append(value)
        if min(values[-1] for values in self.eval_accuracy.values()) >= self.phase.target_accuracy:
            self.status = "converged"
            if not self.penalised:
                self._stop()
        elif self.penalised:
            self.status = "budget_exhausted"

    def finish(self) -> None:
        """The loop has ended (a no-op if this log had already stopped)."""
        if not self.stopped:
            self._stop()

    def _stop(self) -> None:
        self.stopped = True
        if self.phase.recorded:
            self.snapshots[self.step] = self.state()

    def summary(self) -> dict[str, Any]:
        """What :class:`TrainingResult` keeps of this phase (``TrainingResult.phases``)."""
        summary = phase_summary(
            self.phase, self.status, self.step, self.loss, self.eval_steps, self.eval_accuracy
        )
        if self.penalty is not None:
            summary["penalty"] = self.penalty
        return summary

    def result(
        self, spec: NetworkSpec, seconds: float, phases: list[dict[str, Any]]
    ) -> TrainingResult:
        """The training result of ``spec`` whose recorded phase this is; ``phases`` are the
        summaries of every phase run, this one last."""
        return TrainingResult(
            spec=spec,
            status=self.status,
            final_step=self.step,
            snapshots=self.snapshots,
            loss=self.loss,
            eval_steps=self.eval_steps,
            eval_accuracy=self.eval_accuracy[spec.task],
            seconds=seconds,
            phases=phases,
        )


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
    """``task``'s accuracy (fraction of trials correct, in [0, 1]) of ``model`` on ``batch``,
    in eval mode (no network noise) and without gradients; leaves ``model`` in eval mode."""
    model.eval()
    with torch.no_grad():
        outputs, _ = model(batch.inputs.to(next(model.parameters()).device))
    return task.accuracy(outputs, batch)


def retarget(result: TrainingResult, spec: NetworkSpec) -> TrainingResult:
    """``result`` as the training of ``spec``, which :func:`same_training` shares with
    ``result.spec``: the same snapshots and phases, with the top-level evaluation curve that
    of ``spec.task`` (already evaluated during the shared phase). ValueError if they do not
    share their training."""
    if not same_training(result.spec, spec):
        raise ValueError(f"{result.spec.key} and {spec.key} are not the same training")
    last = result.phases[-1]
    return replace(result, spec=spec, eval_accuracy=list(last["eval_accuracy"][spec.task]))


def _state(model: torch.nn.Module) -> StateDict:
    """A CPU copy of ``model``'s state dict (a snapshot that later steps do not change)."""
    return {k: v.detach().to("cpu", copy=True) for k, v in copy.copy(model.state_dict()).items()}
