"""The compositional Go/NoGo family (Guilhot et al. 2024, NeuroGym style).

Four variants share one input/output layout: ``gonogo`` (respond after a "go" cue, withhold
after a "nogo" cue), ``anti_gonogo`` (the reverse: respond after "nogo", withhold after "go"),
``gonogo_delay`` and ``anti_gonogo_delay`` (a memory delay separates cue and response).
The structure common to every compositional family (epochs, fixation cue, rule input, mask,
loss, accuracy) is described in :mod:`dynsim.tasks.compositional`.

Inputs (in this order): fixation cue, "go" cue channel, "nogo" cue channel, then a one-hot
rule over the four variants. During the stimulus epoch the presented cue's channel is 1; both
cue channels carry Gaussian noise of std ``sigma`` per step. Outputs: fixate (= withhold),
respond.

Targets are class indices: 0 (fixate) before the decision epoch; during it 1 (respond) when
the rule says respond, else 0 (keep fixating). Accuracy: a trial is correct when the class with
the largest mean output over the decision epoch is the correct one (chance = 0.5, since the
test grid has as many go as nogo trials). Test grid: go, nogo.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.compositional import CompositionalTask

RULES = ("gonogo", "anti_gonogo", "gonogo_delay", "anti_gonogo_delay")
CUES = ("go", "nogo")


class GoNoGo(CompositionalTask):
    """One variant of the Go/NoGo family; see the module docstring.

    Parameters
    ----------
    dt : time step in ms (> 0).
    sigma : std of the cue channels' noise per step (≥ 0).
    train_timing : epoch → (low, high) ms, overriding the default train timings.
    test_timing : epoch → ms, overriding the default test timings.
    decision_weight : loss weight of decision-epoch steps relative to the others (> 0).
    """

    family = "gonogo"
    rules = RULES
    stimulus_names = ("cue_go", "cue_nogo")
    response_names = ("respond",)
    n_inputs: ClassVar[int] = 3 + len(RULES)
    n_outputs: ClassVar[int] = 2

    def __init__(
        self,
        dt: float = 20.0,
        sigma: float = 0.2,
        train_timing: dict[str, Any] | None = None,
        test_timing: dict[str, Any] | None = None,
        decision_weight: float = 1.0,
    ) -> None:
        # Spelled out (no **params) so a misspelt keyword is a TypeError here too, not only in
        # the config check: the base class's **params would otherwise keep it silently.
        super().__init__(
            dt=dt,
            sigma=sigma,
            train_timing=train_timing,
            test_timing=test_timing,
            decision_weight=decision_weight,
        )

    @property
    def n_conditions(self) -> int:
        return len(CUES)

    def _draw_conditions(
        self, n_trials: int, generator: torch.Generator
    ) -> dict[str, torch.Tensor]:
        return {"go": torch.randint(2, (n_trials,), generator=generator)}

    def _grid_conditions(self, n_trials: int) -> dict[str, torch.Tensor]:
        return {"go": 1 - torch.arange(n_trials) % 2}  # go, nogo, go, …

    def _stimulus(self, conditions: dict[str, torch.Tensor]) -> torch.Tensor:
        go = conditions["go"].float()
        return torch.stack([go, 1 - go], dim=1)

    def _correct_response(self, conditions: dict[str, torch.Tensor]) -> torch.Tensor:
        go = conditions["go"].long()
        return 1 - go if self.anti else go

    def _condition_labels(self, conditions: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
        cue = np.where(conditions["go"].numpy() == 1, "go", "nogo").astype(object)
        return {"cue": cue}


class GoNoGoBasic(GoNoGo):
    """Go/NoGo: respond to the go cue, withhold on the nogo cue."""

    name = "gonogo"


class AntiGoNoGo(GoNoGo):
    """Anti Go/NoGo: respond to the nogo cue, withhold on the go cue."""

    name = "anti_gonogo"
    anti = True


class DelayedGoNoGo(GoNoGo):
    """Go/NoGo with a memory delay before the response."""

    name = "gonogo_delay"
    delayed = True


class DelayedAntiGoNoGo(GoNoGo):
    """Anti Go/NoGo with a memory delay (the composite target task)."""

    name = "anti_gonogo_delay"
    anti = True
    delayed = True
