"""The INSD tasks' base classes: :class:`InsdTask` (float targets (trial, time, output), masked
mean squared error) and, for the tasks with fixation / stimulus / delay / decision epochs,
``_InsdEpochTask`` on the shared epoch machinery (see :mod:`dynsim.tasks.insd`)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import EpochLayout, EpochTask, Task, TrialBatch, merge_timing

# The epochs of the INSD epoch tasks (cdi, memorypro_analog), in order.
EPOCHS = ("fixation", "stimulus", "delay", "decision")


class InsdTask(Task):
    """A regression task: float targets (trial, time, out), masked mean squared error.

    Subclasses store every constructor argument in ``self.params`` (so that
    :meth:`variant` can rebuild them with some changed) and set ``n_inputs``/``n_outputs``,
    ``input_names``/``output_names`` per instance. Each INSD task overrides the battery's
    hooks (:attr:`~dynsim.tasks.base.Task.decoded_conditions`, :meth:`fixed_point_inputs`,
    :meth:`ood_variants`; see :class:`~dynsim.tasks.base.Task`).
    """

    #: Condition labels worth decoding from the activity (see :mod:`dynsim.insd`); none
    #: by default (the flip-flop decodes its targets instead).
    decoded_conditions: ClassVar[tuple[str, ...]] = ()
    decision_weight: float = 1.0

    def variant(self, **overrides: Any) -> InsdTask:
        """The same task with some parameters changed (e.g. an OOD version)."""
        return type(self)(dt=self.dt, **{**self.params, **overrides})

    def test_batch(self, n_repeats: int = 1, seed: int = 0) -> TrialBatch:
        """Every condition of the test grid (``n_conditions``) ``n_repeats`` times."""
        return self.generate(
            self.n_conditions * n_repeats,
            mode="test",
            generator=torch.Generator().manual_seed(seed),
        )

    def loss(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """Squared error averaged over outputs, weighted by the mask (× ``decision_weight``
        in the decision epoch, when the task has one) and normalised by the sum of weights."""
        per_step = ((outputs - batch.targets) ** 2).mean(-1)
        weight = batch.mask
        if self.decision_weight != 1.0 and "decision" in batch.epochs:
            decision = batch.window("decision", n_steps=outputs.shape[1], device=outputs.device)
            weight = weight * torch.where(decision, self.decision_weight, 1.0)
        return (per_step * weight).sum() / weight.sum()


class _InsdEpochTask(EpochTask, InsdTask):
    """An INSD task on the shared epoch machinery (:class:`~dynsim.tasks.base.EpochTask`:
    train durations drawn per trial, test durations fixed, conditions drawn or on a grid)
    with the regression loss of :class:`InsdTask`. Subclasses provide ``_draw_conditions``,
    ``_grid_conditions`` and ``_build`` (see :class:`~dynsim.tasks.base.EpochTask`)."""

    epoch_names: ClassVar[tuple[str, ...]] = EPOCHS
    default_train_timing: ClassVar[dict[str, tuple[float, float]]]
    default_test_timing: ClassVar[dict[str, float]]

    def _package(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        layout: EpochLayout,
        conditions: dict[str, np.ndarray],
        device: str | torch.device,
    ) -> TrialBatch:
        batch = TrialBatch(
            inputs=inputs,
            targets=targets,
            mask=layout.in_trial.float(),
            epochs=layout.epochs,
            conditions=conditions,
            dt=self.dt,
            input_names=list(self.input_names),
            output_names=list(self.output_names),
        )
        return _to(batch, device)

    def _set_timing(
        self, train_timing: dict[str, Any] | None, test_timing: dict[str, Any] | None
    ) -> None:
        self.train_timing, self.test_timing = merge_timing(
            self.default_train_timing,
            self.default_test_timing,
            train_timing,
            test_timing,
            EPOCHS,
            dt=self.dt,
        )

    def decision_mean(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """Mean output over each trial's decision epoch, (trial, out)."""
        window = batch.window("decision", n_steps=outputs.shape[1], device=outputs.device)
        return (outputs * window[..., None]).sum(1) / window.sum(1, keepdim=True).clamp_min(1)


def _to(batch: TrialBatch, device: str | torch.device) -> TrialBatch:
    batch.inputs = batch.inputs.to(device)
    batch.targets = batch.targets.to(device)
    batch.mask = batch.mask.to(device)
    return batch
