"""Shared machinery of the compositional task families (Guilhot et al. 2024, NeuroGym style).

A compositional family has four variants built from two binary components — *anti* (answer
the opposite of what the stimulus says) and *delay* (a memory delay separates the stimulus from
the response) — on top of a *basic* task. All four share one input/output layout, so a single
network can be trained on several of them with a one-hot rule input telling which variant a
trial belongs to.

Inputs (in this order): the fixation cue, the family's stimulus channels, then a one-hot rule
over the family's four variants (on for the whole trial). Output 0 is "fixate".
Epochs: fixation → stimulus → (delay) → decision; the fixation cue is on until the decision
epoch. Targets are class indices: 0 (fixate) before the decision epoch, the correct response
during it. The loss mask covers each trial and nothing after it (batches are padded to the
longest trial). Loss: cross-entropy per step, weighted by the mask and by ``decision_weight``
during the decision epoch (1 by default; Yang et al. 2019 weight the response period 5×, which
helps the delayed variants learn at small budgets), normalised by the sum of weights.
Accuracy: a trial is correct when the class with the largest mean output over the decision
epoch is the correct response.

Subclasses say what the stimulus is (:meth:`_draw_conditions`, :meth:`_grid_conditions`,
:meth:`_stimulus`) and what the correct response is (:meth:`_correct_response`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import (
    EpochTask,
    TaskParameterError,
    TrialBatch,
    merge_timing,
)

# Train timings are drawn uniformly from [low, high] ms per trial; test timings are fixed.
DEFAULT_TRAIN_TIMING: dict[str, tuple[float, float]] = {
    "fixation": (100.0, 300.0),
    "stimulus": (300.0, 700.0),
    "delay": (200.0, 600.0),
    "decision": (100.0, 300.0),
}
DEFAULT_TEST_TIMING: dict[str, float] = {
    "fixation": 200.0,
    "stimulus": 500.0,
    "delay": 400.0,
    "decision": 200.0,
}


class CompositionalTask(EpochTask):
    """One variant of a compositional family; see the module docstring.

    Parameters
    ----------
    dt : time step in ms (> 0); every timing below is in ms and converted with it.
    sigma : std of the Gaussian input noise per step on the stimulus channels (≥ 0).
    train_timing : epoch → (low, high) ms, overriding :data:`DEFAULT_TRAIN_TIMING`.
    test_timing : epoch → ms, overriding :data:`DEFAULT_TEST_TIMING`.
    decision_weight : loss weight of decision-epoch steps relative to the others (> 0).
    """

    family: ClassVar[str]
    rules: ClassVar[tuple[str, ...]]  # the family's variants, in the one-hot rule's order
    stimulus_names: ClassVar[tuple[str, ...]]
    response_names: ClassVar[tuple[str, ...]]  # output names after "fixate"
    anti: ClassVar[bool] = False
    delayed: ClassVar[bool] = False

    def __init__(
        self,
        dt: float = 20.0,
        sigma: float = 0.2,
        train_timing: dict[str, Any] | None = None,
        test_timing: dict[str, Any] | None = None,
        decision_weight: float = 1.0,
        **params: Any,
    ) -> None:
        if sigma < 0:
            raise TaskParameterError("sigma", f"sigma must be ≥ 0, got {sigma}")
        if decision_weight <= 0:
            raise TaskParameterError(
                "decision_weight", f"decision_weight must be > 0, got {decision_weight}"
            )
        super().__init__(dt=dt, sigma=sigma, decision_weight=decision_weight, **params)
        self.sigma = float(sigma)
        self.decision_weight = float(decision_weight)
        self.train_timing, self.test_timing = merge_timing(
            DEFAULT_TRAIN_TIMING,
            DEFAULT_TEST_TIMING,
            train_timing,
            test_timing,
            DEFAULT_TRAIN_TIMING,
            dt=self.dt,
        )
        self.epoch_names = [
            "fixation",
            "stimulus",
            *(["delay"] if self.delayed else []),
            "decision",
        ]
        self.input_names = ["fixation", *self.stimulus_names, *(f"rule_{r}" for r in self.rules)]
        self.output_names = ["fixate", *self.response_names]

    # -- what subclasses define -----------------------------------------------------------------
    def _draw_conditions(
        self, n_trials: int, generator: torch.Generator
    ) -> dict[str, torch.Tensor]:
        """Random per-trial condition values (train mode)."""
        raise NotImplementedError

    def _grid_conditions(self, n_trials: int) -> dict[str, torch.Tensor]:
        """The test grid of conditions, repeated to fill ``n_trials``."""
        raise NotImplementedError

    @property
    def n_conditions(self) -> int:
        """Size of the test grid."""
        raise NotImplementedError

    def _stimulus(self, conditions: dict[str, torch.Tensor]) -> torch.Tensor:
        """Noise-free stimulus channels per trial, (trial, n_stimulus)."""
        raise NotImplementedError

    def _correct_response(self, conditions: dict[str, torch.Tensor]) -> torch.Tensor:
        """Correct output class per trial during the decision epoch (anti already applied)."""
        raise NotImplementedError

    def _condition_labels(self, conditions: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        """Per-trial labels stored with recordings (besides correct_choice and rule)."""
        return {k: v.numpy().copy() for k, v in conditions.items()}

    # -- generation ---------------------------------------------------------------------------
    def _build(
        self,
        conditions: dict[str, torch.Tensor],
        durations: dict[str, torch.Tensor],
        generator: torch.Generator,
        device: str | torch.device,
    ) -> TrialBatch:
        n_inputs = 1 + len(self.stimulus_names) + len(self.rules)
        n_stim = len(self.stimulus_names)
        layout = self._layout(durations)
        n_trials, n_steps = layout.n_trials, layout.n_steps
        inside, in_trial = layout.inside, layout.in_trial
        inputs = torch.zeros(n_trials, n_steps, n_inputs)
        inputs[..., 0] = (in_trial & ~inside["decision"]).float()
        noise = self.sigma * torch.randn(n_trials, n_steps, n_stim, generator=generator)
        stimulus = self._stimulus(conditions)
        inputs[..., 1 : 1 + n_stim] = inside["stimulus"][..., None].float() * (
            stimulus[:, None, :] + noise
        )
        inputs[..., 1 + n_stim + self.rules.index(self.name)] = in_trial.float()

        correct = self._correct_response(conditions)
        targets = torch.where(inside["decision"], correct[:, None], 0).long()
        epochs = layout.epochs
        labels = {
            **self._condition_labels(conditions),
            "correct_choice": correct.numpy().astype(np.int64),
            "rule": np.full(n_trials, self.name, dtype=object),
        }
        return TrialBatch(
            inputs=inputs.to(device),
            targets=targets.to(device),
            mask=in_trial.float().to(device),
            epochs=epochs,
            conditions=labels,
            dt=self.dt,
            input_names=list(self.input_names),
            output_names=list(self.output_names),
        )

    # -- evaluation ---------------------------------------------------------------------------
    def loss(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """Cross-entropy per (trial, time) step, averaged with the mask (× the decision
        weight in the decision epoch) as weights."""
        per_step = torch.nn.functional.cross_entropy(
            outputs.reshape(-1, outputs.shape[-1]), batch.targets.reshape(-1), reduction="none"
        )
        weight = batch.mask
        if self.decision_weight != 1.0:
            decision = batch.window("decision", n_steps=outputs.shape[1], device=outputs.device)
            weight = weight * torch.where(decision, self.decision_weight, 1.0)
        weight = weight.reshape(-1)
        return (per_step * weight).sum() / weight.sum()

    def choices(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """The chosen class per trial: argmax of the mean output over the decision epoch."""
        window = batch.window("decision", n_steps=outputs.shape[1], device=outputs.device)
        mean = (outputs * window[..., None]).sum(1) / window.sum(1, keepdim=True)
        return mean.argmax(-1)

    def accuracy(self, outputs: torch.Tensor, batch: TrialBatch) -> float:
        """Fraction of trials whose decision-epoch choice is the correct response."""
        correct = torch.as_tensor(batch.conditions["correct_choice"], device=outputs.device)
        return float((self.choices(outputs, batch) == correct).float().mean())
