"""Train one network on one task, keep snapshots over learning, record test-set activity.

Read top to bottom: :class:`NetworkSpec` says what to train; :func:`train` is the loop
(Adam, masked task loss, weight decay, gradient clipping, stop at a target accuracy or a step
budget, stop early on a non-finite loss); :func:`select_checkpoints` picks snapshots at
fractions of training; :func:`record_activity` runs every checkpoint on the fixed test set.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import torch

from dynsim import models, tasks

DEFAULT_CHECKPOINTS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class TrainingConfig:
    max_steps: int = 2000
    batch_size: int = 64
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    grad_clip: float = 1.0
    target_accuracy: float = 0.9
    eval_every: int = 25
    eval_trials: int = 256
    snapshot_every: int = 5
    checkpoints: tuple[float, ...] = DEFAULT_CHECKPOINTS

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.batch_size < 1 or self.eval_every < 1:
            raise ValueError("max_steps, batch_size and eval_every must be ≥ 1")
        if not all(0.0 <= f <= 1.0 for f in self.checkpoints):
            raise ValueError(f"checkpoint fractions must lie in [0, 1]: {self.checkpoints}")


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that determines one trained network (and nothing else)."""

    task: str
    arch: str
    seed: int
    regime: str = "master"
    hidden_size: int = 32
    task_params: dict[str, Any] = field(default_factory=dict)
    model_params: dict[str, Any] = field(default_factory=dict)
    training: TrainingConfig = field(default_factory=TrainingConfig)

    @property
    def key(self) -> str:
        return f"{self.task}/{self.arch}/{self.regime}/seed{self.seed}"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["training"]["checkpoints"] = list(self.training.checkpoints)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetworkSpec:
        data = dict(data)
        training = dict(data.pop("training", {}))
        if "checkpoints" in training:
            training["checkpoints"] = tuple(float(f) for f in training["checkpoints"])
        return cls(**data, training=TrainingConfig(**training))

    def config_hash(self) -> str:
        """A short hash of the spec, stored with every output made from it."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def build_task(self) -> tasks.Task:
        return tasks.get(self.task, **self.task_params)

    def build_model(self) -> models.RecurrentNetwork:
        task = self.build_task()
        params = {"dt": task.dt, **self.model_params}
        return models.build(self.arch, task.n_inputs, self.hidden_size, task.n_outputs, **params)


@dataclass
class TrainingResult:
    spec: NetworkSpec
    status: str  # "converged", "budget_exhausted" or "diverged"
    final_step: int
    snapshots: dict[int, dict[str, torch.Tensor]]  # step → state_dict (CPU)
    loss: list[float]  # one value per step
    eval_steps: list[int]
    eval_accuracy: list[float]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["spec"] = self.spec.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingResult:
        data = dict(data)
        data["spec"] = NetworkSpec.from_dict(data["spec"])
        return cls(**data)


def train(spec: NetworkSpec, device: str = "cpu") -> TrainingResult:
    """Train the network ``spec`` describes. Deterministic for a given spec on CPU."""
    cfg = spec.training
    torch.manual_seed(spec.seed)
    task = spec.build_task()
    model = spec.build_model().to(device)
    generator = torch.Generator().manual_seed(spec.seed)
    eval_batch = task.generate(
        cfg.eval_trials, mode="train", generator=torch.Generator().manual_seed(10_000 + spec.seed)
    )
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay
    )
    snapshots = {0: _state(model)}
    losses: list[float] = []
    eval_steps: list[int] = []
    eval_accuracy: list[float] = []
    status, step = "budget_exhausted", 0
    start = time.perf_counter()

    while step < cfg.max_steps:
        model.train()
        batch = task.generate(cfg.batch_size, mode="train", generator=generator, device=device)
        outputs, _ = model(batch.inputs)
        loss = task.loss(outputs, batch)
        if not math.isfinite(loss.item()):
            status = "diverged"
            losses.append(float("nan"))
            break
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        step += 1
        losses.append(loss.item())
        if step % cfg.snapshot_every == 0:
            snapshots[step] = _state(model)
        if step % cfg.eval_every == 0 or step == cfg.max_steps:
            accuracy = evaluate(model, task, eval_batch)
            eval_steps.append(step)
            eval_accuracy.append(accuracy)
            if accuracy >= cfg.target_accuracy:
                status = "converged"
                break

    snapshots[step] = _state(model)
    return TrainingResult(
        spec=spec,
        status=status,
        final_step=step,
        snapshots=snapshots,
        loss=losses,
        eval_steps=eval_steps,
        eval_accuracy=eval_accuracy,
        seconds=time.perf_counter() - start,
    )


def evaluate(model: models.RecurrentNetwork, task: tasks.Task, batch: tasks.TrialBatch) -> float:
    model.eval()
    with torch.no_grad():
        outputs, _ = model(batch.inputs.to(next(model.parameters()).device))
    return task.accuracy(outputs, batch)


def select_checkpoints(result: TrainingResult) -> list[tuple[int, float]]:
    """(step, progress) of the snapshot nearest to each requested fraction of training."""
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
