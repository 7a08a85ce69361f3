"""``memorypro_analog`` — MemoryPro with an analog readout (Driscoll, Shenoy & Sussillo 2024);
an INSD task (loss: :mod:`dynsim.tasks.insd`).

Inputs: fixation cue, then (sin θ, cos θ) of an angle θ during the stimulus (+ noise of
std ``sigma``). Outputs: fixate (target 1 until the decision epoch, then 0) and
(sin θ, cos θ) during the decision epoch (0 before). Epochs: fixation → stimulus → delay
→ decision; the fixation cue goes off at the decision. Accuracy: a trial is correct when
the angle of the mean (sin, cos) output over the decision epoch is within
``tolerance_deg`` of θ (chance = 2 · tolerance / 360 for a random answer; a constant
answer scores 1/``n_angles`` on the test grid). Test grid: ``n_angles`` equally spaced
angles.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import TrialBatch
from dynsim.tasks.insd.regression import _InsdEpochTask


class MemoryProAnalog(_InsdEpochTask):
    """MemoryPro with an analog (sin, cos) readout; see the module docstring.

    Parameters
    ----------
    dt : time step in ms.
    n_angles : size of the test grid of angles.
    sigma : std of the noise on the stimulus channels per step.
    tolerance_deg : largest angular error of a correct trial.
    train_timing, test_timing : epoch → (low, high) ms / ms, overriding the defaults.
    decision_weight : loss weight of the decision epoch relative to the other steps.
    """

    name = "memorypro_analog"
    decoded_conditions = ("sin_angle", "cos_angle")
    default_train_timing: ClassVar[dict[str, tuple[float, float]]] = {
        "fixation": (100.0, 300.0),
        "stimulus": (200.0, 600.0),
        "delay": (200.0, 1000.0),
        "decision": (200.0, 400.0),
    }
    default_test_timing: ClassVar[dict[str, float]] = {
        "fixation": 200.0,
        "stimulus": 400.0,
        "delay": 600.0,
        "decision": 300.0,
    }

    def __init__(
        self,
        dt: float = 20.0,
        n_angles: int = 8,
        sigma: float = 0.1,
        tolerance_deg: float = 18.0,
        train_timing: dict[str, Any] | None = None,
        test_timing: dict[str, Any] | None = None,
        decision_weight: float = 5.0,
    ) -> None:
        if n_angles < 1 or sigma < 0 or decision_weight <= 0 or not 0 < tolerance_deg <= 180:
            raise ValueError(
                "need n_angles ≥ 1, sigma ≥ 0, decision_weight > 0, 0 < tolerance_deg ≤ 180"
            )
        super().__init__(
            dt=dt,
            n_angles=int(n_angles),
            sigma=float(sigma),
            tolerance_deg=float(tolerance_deg),
            train_timing=train_timing,
            test_timing=test_timing,
            decision_weight=float(decision_weight),
        )
        self.n_angles = int(n_angles)
        self.sigma = float(sigma)
        self.tolerance = math.radians(tolerance_deg)
        self.decision_weight = float(decision_weight)
        self._set_timing(train_timing, test_timing)
        self.n_inputs, self.n_outputs = 3, 3
        self.input_names = ["fixation", "stimulus_sin", "stimulus_cos"]
        self.output_names = ["fixate", "response_sin", "response_cos"]

    @property
    def n_conditions(self) -> int:
        return self.n_angles

    def _draw_conditions(self, n_trials: int, generator: torch.Generator) -> dict[str, Any]:
        """Angles uniform on the circle (train mode)."""
        angle = 2 * math.pi * torch.rand(n_trials, generator=generator, dtype=torch.float64)
        return {"angle": angle}

    def _grid_conditions(self, n_trials: int) -> dict[str, Any]:
        """``n_angles`` equally spaced angles, repeated to fill the batch."""
        grid = (torch.arange(n_trials) % self.n_angles).double()
        return {"angle": 2 * math.pi * grid / self.n_angles}

    def _build(
        self,
        conditions: dict[str, Any],
        durations: dict[str, torch.Tensor],
        generator: torch.Generator,
        device: str | torch.device,
    ) -> TrialBatch:
        angle = conditions["angle"]
        n_trials = len(angle)
        unit = torch.stack([torch.sin(angle), torch.cos(angle)], dim=1).float()
        layout = self._layout(durations)
        n_steps, inside, in_trial = layout.n_steps, layout.inside, layout.in_trial
        inputs = torch.zeros(n_trials, n_steps, 3)
        fixating = (in_trial & ~inside["decision"]).float()
        inputs[..., 0] = fixating
        noise = self.sigma * torch.randn(n_trials, n_steps, 2, generator=generator)
        inputs[..., 1:] = inside["stimulus"][..., None].float() * (unit[:, None, :] + noise)
        targets = torch.zeros(n_trials, n_steps, 3)
        targets[..., 0] = fixating
        targets[..., 1:] = inside["decision"][..., None].float() * unit[:, None, :]
        labels = {
            "angle": angle.numpy().astype(np.float64),
            "sin_angle": torch.sin(angle).numpy(),
            "cos_angle": torch.cos(angle).numpy(),
        }
        return self._package(inputs, targets, layout, labels, device)

    def angular_error(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """|reported − true angle| per trial in [0, π], the report being the angle of the
        mean (sin, cos) output over the decision epoch."""
        mean = self.decision_mean(outputs, batch)
        reported = torch.atan2(mean[:, 1], mean[:, 2]).double()
        true = torch.as_tensor(batch.conditions["angle"], device=outputs.device)
        diff = torch.remainder(reported - true + math.pi, 2 * math.pi) - math.pi
        return diff.abs()

    def accuracy(self, outputs: torch.Tensor, batch: TrialBatch) -> float:
        """Fraction of trials whose reported angle is within ``tolerance_deg`` of the truth."""
        return float((self.angular_error(outputs, batch) < self.tolerance).float().mean())

    def fixed_point_inputs(self) -> dict[str, np.ndarray]:
        """The delay period: fixation cue on, no stimulus."""
        return {"delay": np.array([1.0, 0.0, 0.0])}

    def ood_variants(
        self, noise: float = 0.5, longer: float = 2.0, load: float = 2.0
    ) -> dict[str, dict[str, Any]]:
        """``noise``: stimulus noise std raised by ``noise``; ``longer``: delay ``longer``× as
        long; ``load``: the stimulus shown ``load``× as briefly (less time to load it)."""
        return {
            "noise": {"sigma": self.sigma + noise},
            "longer": {
                "test_timing": {**self.test_timing, "delay": self.test_timing["delay"] * longer}
            },
            "load": {
                "test_timing": {
                    **self.test_timing,
                    "stimulus": self.test_timing["stimulus"] / load,
                }
            },
        }
