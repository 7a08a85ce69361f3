"""The compositional perceptual decision-making family (Guilhot et al. 2024, NeuroGym style).

Four variants share one input/output layout so that one network can learn several of them:
``pdm`` (choose the side with more evidence), ``anti_pdm`` (choose the other side),
``pdm_delay`` and ``anti_pdm_delay`` (a memory delay separates stimulus and response).
The structure common to every compositional family (epochs, fixation cue, rule input, mask,
loss, accuracy) is described in :mod:`dynsim.tasks.compositional`.

Inputs (in this order): fixation cue, evidence for choice 1, evidence for choice 2, then a
one-hot rule over the four variants. Outputs: fixate, choice 1, choice 2.
During the stimulus, evidence_k = 0.5 ± coherence/2 (+ for the correct side of the stimulus)
plus Gaussian noise of std ``sigma`` per step.

Targets are class indices: 0 (fixate) before the decision epoch, the chosen side (1 or 2)
during it. Loss: cross-entropy over time steps weighted by the mask.
Accuracy: a trial is correct when the class with the largest mean output over the decision
epoch is the correct choice (chance = 0.5). Test grid: every (coherence, direction).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import TaskParameterError
from dynsim.tasks.compositional import (
    DEFAULT_TEST_TIMING,
    DEFAULT_TRAIN_TIMING,
    CompositionalTask,
)

RULES = ("pdm", "anti_pdm", "pdm_delay", "anti_pdm_delay")
DEFAULT_COHERENCES = (0.05, 0.1, 0.2, 0.4)

__all__ = [
    "DEFAULT_COHERENCES",
    "DEFAULT_TEST_TIMING",
    "DEFAULT_TRAIN_TIMING",
    "RULES",
    "AntiPerceptualDecisionMaking",
    "DecisionMaking",
    "DelayedAntiPerceptualDecisionMaking",
    "DelayedPerceptualDecisionMaking",
    "PerceptualDecisionMaking",
]


class DecisionMaking(CompositionalTask):
    """One variant of the perceptual decision-making family; see the module docstring.

    Parameters
    ----------
    dt : time step in ms (> 0).
    coherences : positive evidence strengths the stimulus is drawn from.
    sigma : std of the input noise per step (≥ 0).
    train_timing : epoch → (low, high) ms, overriding the default train timings.
    test_timing : epoch → ms, overriding the default test timings.
    decision_weight : loss weight of decision-epoch steps relative to the others (> 0).
    """

    family = "pdm"
    rules = RULES
    stimulus_names = ("evidence_1", "evidence_2")
    response_names = ("choice_1", "choice_2")
    n_inputs: ClassVar[int] = 3 + len(RULES)
    n_outputs: ClassVar[int] = 3

    def __init__(
        self,
        dt: float = 20.0,
        coherences: tuple[float, ...] = DEFAULT_COHERENCES,
        sigma: float = 0.2,
        train_timing: dict[str, Any] | None = None,
        test_timing: dict[str, Any] | None = None,
        decision_weight: float = 1.0,
    ) -> None:
        if not coherences or min(coherences) <= 0:
            raise TaskParameterError("coherences", f"coherences must be positive, got {coherences}")
        super().__init__(
            dt=dt,
            sigma=sigma,
            train_timing=train_timing,
            test_timing=test_timing,
            decision_weight=decision_weight,
            coherences=tuple(coherences),
        )
        self.coherences = tuple(float(c) for c in coherences)

    @property
    def n_conditions(self) -> int:
        return 2 * len(self.coherences)

    def _draw_conditions(
        self, n_trials: int, generator: torch.Generator
    ) -> dict[str, torch.Tensor]:
        coherence_idx = torch.randint(len(self.coherences), (n_trials,), generator=generator)
        direction = torch.randint(2, (n_trials,), generator=generator) * 2 - 1
        return {"coherence_idx": coherence_idx, "direction": direction}

    def _grid_conditions(self, n_trials: int) -> dict[str, torch.Tensor]:
        grid = torch.arange(n_trials) % self.n_conditions
        return {"coherence_idx": grid // 2, "direction": (grid % 2) * 2 - 1}

    def _stimulus(self, conditions: dict[str, torch.Tensor]) -> torch.Tensor:
        coherence = torch.tensor(self.coherences)[conditions["coherence_idx"]]
        direction = conditions["direction"]
        return 0.5 + 0.5 * coherence[:, None] * direction[:, None] * torch.tensor([1.0, -1.0])

    def _correct_response(self, conditions: dict[str, torch.Tensor]) -> torch.Tensor:
        side = torch.where(conditions["direction"] > 0, 1, 2)
        return 3 - side if self.anti else side

    def _condition_labels(self, conditions: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        return {
            "coherence": np.asarray(self.coherences)[conditions["coherence_idx"].numpy()],
            "direction": conditions["direction"].numpy().astype(np.int64),
        }


class PerceptualDecisionMaking(DecisionMaking):
    """Perceptual decision making: report the side with more evidence."""

    name = "pdm"


class AntiPerceptualDecisionMaking(DecisionMaking):
    """Anti perceptual decision making: report the side with less evidence."""

    name = "anti_pdm"
    anti = True


class DelayedPerceptualDecisionMaking(DecisionMaking):
    """Perceptual decision making with a memory delay before the response."""

    name = "pdm_delay"
    delayed = True


class DelayedAntiPerceptualDecisionMaking(DecisionMaking):
    """Anti perceptual decision making with a memory delay (the composite target task)."""

    name = "anti_pdm_delay"
    anti = True
    delayed = True
