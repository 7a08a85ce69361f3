"""The compositional perceptual decision-making family (Guilhot et al. 2024, NeuroGym style).

Four variants share one input/output layout so that one network can learn several of them:
``pdm`` (choose the side with more evidence), ``anti_pdm`` (choose the other side),
``pdm_delay`` and ``anti_pdm_delay`` (a memory delay separates stimulus and response).

Inputs (in this order): fixation cue, evidence for choice 1, evidence for choice 2, then a
one-hot rule over the four variants. Outputs: fixate, choice 1, choice 2.
Epochs: fixation → stimulus → (delay) → decision. The fixation cue is on until the decision
epoch. During the stimulus, evidence_k = 0.5 ± coherence/2 (+ for the correct side of the
stimulus) plus Gaussian noise of std ``sigma`` per step.

Targets are class indices: 0 (fixate) before the decision epoch, the chosen side (1 or 2)
during it. Loss: cross-entropy over time steps weighted by the mask.
Accuracy: a trial is correct when the class with the largest mean output over the decision
epoch is the correct choice (chance = 0.5).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from dynsim.tasks.base import Task, TrialBatch, ms_to_steps

RULES = ("pdm", "anti_pdm", "pdm_delay", "anti_pdm_delay")

# Train timings are drawn uniformly from [low, high] ms per trial; test timings are fixed.
DEFAULT_TRAIN_TIMING = {
    "fixation": (100.0, 300.0),
    "stimulus": (300.0, 700.0),
    "delay": (200.0, 600.0),
    "decision": (100.0, 300.0),
}
DEFAULT_TEST_TIMING = {"fixation": 200.0, "stimulus": 500.0, "delay": 400.0, "decision": 200.0}
DEFAULT_COHERENCES = (0.05, 0.1, 0.2, 0.4)


class DecisionMaking(Task):
    """One variant of the perceptual decision-making family; see the module docstring.

    Parameters
    ----------
    dt : time step in ms (> 0).
    coherences : positive evidence strengths the stimulus is drawn from.
    sigma : std of the input noise per step (≥ 0).
    train_timing : epoch → (low, high) ms, overriding :data:`DEFAULT_TRAIN_TIMING`.
    test_timing : epoch → ms, overriding :data:`DEFAULT_TEST_TIMING`.
    """

    n_inputs: ClassVar[int] = 3 + len(RULES)
    n_outputs: ClassVar[int] = 3
    anti: ClassVar[bool] = False
    delayed: ClassVar[bool] = False

    def __init__(
        self,
        dt: float = 20.0,
        coherences: tuple[float, ...] = DEFAULT_COHERENCES,
        sigma: float = 0.2,
        train_timing: dict[str, Any] | None = None,
        test_timing: dict[str, Any] | None = None,
    ) -> None:
        if sigma < 0:
            raise ValueError(f"sigma must be ≥ 0, got {sigma}")
        if not coherences or min(coherences) <= 0:
            raise ValueError(f"coherences must be positive, got {coherences}")
        super().__init__(dt=dt, coherences=tuple(coherences), sigma=sigma)
        self.coherences = tuple(float(c) for c in coherences)
        self.sigma = float(sigma)
        self.train_timing = {
            **DEFAULT_TRAIN_TIMING,
            **{k: tuple(v) for k, v in (train_timing or {}).items()},
        }
        self.test_timing = {**DEFAULT_TEST_TIMING, **(test_timing or {})}
        self.epoch_names = [
            "fixation",
            "stimulus",
            *(["delay"] if self.delayed else []),
            "decision",
        ]
        self.input_names = ["fixation", "evidence_1", "evidence_2", *(f"rule_{r}" for r in RULES)]
        self.output_names = ["fixate", "choice_1", "choice_2"]

    # -- generation ---------------------------------------------------------------------------
    def generate(
        self,
        n_trials: int,
        *,
        mode: str = "train",
        generator: torch.Generator | None = None,
        device: str | torch.device = "cpu",
    ) -> TrialBatch:
        if mode not in ("train", "test"):
            raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
        generator = generator or torch.Generator().manual_seed(0)
        n_coh = len(self.coherences)
        if mode == "train":
            coherence_idx = torch.randint(n_coh, (n_trials,), generator=generator)
            direction = torch.randint(2, (n_trials,), generator=generator) * 2 - 1
            durations = {
                name: self._draw_steps(self.train_timing[name], n_trials, generator)
                for name in self.epoch_names
            }
        else:
            # The test grid: every (coherence, direction), repeated to fill n_trials.
            grid = torch.arange(n_trials) % (2 * n_coh)
            coherence_idx, direction = grid // 2, (grid % 2) * 2 - 1
            durations = {
                name: torch.full((n_trials,), ms_to_steps(self.test_timing[name], self.dt))
                for name in self.epoch_names
            }
        return self._build(coherence_idx, direction, durations, generator, device)

    def test_batch(self, n_repeats: int = 1, seed: int = 0) -> TrialBatch:
        n_trials = 2 * len(self.coherences) * n_repeats
        return self.generate(n_trials, mode="test", generator=torch.Generator().manual_seed(seed))

    def _draw_steps(
        self, bounds: tuple[float, float], n_trials: int, generator: torch.Generator
    ) -> torch.Tensor:
        low, high = ms_to_steps(bounds[0], self.dt), ms_to_steps(bounds[1], self.dt)
        return torch.randint(low, high + 1, (n_trials,), generator=generator)

    def _build(
        self,
        coherence_idx: torch.Tensor,
        direction: torch.Tensor,
        durations: dict[str, torch.Tensor],
        generator: torch.Generator,
        device: str | torch.device,
    ) -> TrialBatch:
        n_trials = coherence_idx.shape[0]
        stops = torch.cumsum(torch.stack([durations[n] for n in self.epoch_names]), dim=0)
        starts = stops - torch.stack([durations[n] for n in self.epoch_names])
        n_steps = int(stops[-1].max())
        steps = torch.arange(n_steps)[None, :]
        inside = {
            name: (steps >= starts[k][:, None]) & (steps < stops[k][:, None])
            for k, name in enumerate(self.epoch_names)
        }
        coherence = torch.tensor(self.coherences)[coherence_idx]
        inputs = torch.zeros(n_trials, n_steps, self.n_inputs)
        in_trial = steps < stops[-1][:, None]
        inputs[..., 0] = (in_trial & ~inside["decision"]).float()
        signal = 0.5 + 0.5 * coherence[:, None] * direction[:, None] * torch.tensor([1.0, -1.0])
        noise = self.sigma * torch.randn(n_trials, n_steps, 2, generator=generator)
        stimulus = inside["stimulus"][..., None].float()
        inputs[..., 1:3] = stimulus * (signal[:, None, :] + noise)
        inputs[..., 3 + RULES.index(self.name)] = in_trial.float()

        correct_side = torch.where(direction > 0, 1, 2)
        if self.anti:
            correct_side = 3 - correct_side
        targets = torch.where(inside["decision"], correct_side[:, None], 0).long()
        mask = in_trial.float()
        epochs = {
            name: (starts[k].numpy().copy(), stops[k].numpy().copy())
            for k, name in enumerate(self.epoch_names)
        }
        conditions = {
            "coherence": np.asarray(self.coherences)[coherence_idx.numpy()],  # exact labels
            "direction": direction.numpy().astype(np.int64),
            "correct_choice": correct_side.numpy().astype(np.int64),
            "rule": np.full(n_trials, self.name, dtype=object),
        }
        return TrialBatch(
            inputs=inputs.to(device),
            targets=targets.to(device),
            mask=mask.to(device),
            epochs=epochs,
            conditions=conditions,
            dt=self.dt,
            input_names=list(self.input_names),
            output_names=list(self.output_names),
        )

    # -- evaluation ---------------------------------------------------------------------------
    def loss(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        per_step = F.cross_entropy(
            outputs.reshape(-1, outputs.shape[-1]), batch.targets.reshape(-1), reduction="none"
        )
        mask = batch.mask.reshape(-1)
        return (per_step * mask).sum() / mask.sum()

    def choices(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """The chosen class per trial: argmax of the mean output over the decision epoch."""
        start, stop = batch.epochs["decision"]
        steps = torch.arange(outputs.shape[1], device=outputs.device)[None, :]
        window = (steps >= torch.as_tensor(start, device=outputs.device)[:, None]) & (
            steps < torch.as_tensor(stop, device=outputs.device)[:, None]
        )
        mean = (outputs * window[..., None]).sum(1) / window.sum(1, keepdim=True)
        return mean.argmax(-1)

    def accuracy(self, outputs: torch.Tensor, batch: TrialBatch) -> float:
        correct = torch.as_tensor(batch.conditions["correct_choice"], device=outputs.device)
        return float((self.choices(outputs, batch) == correct).float().mean())


class PerceptualDecisionMaking(DecisionMaking):
    name = "pdm"


class AntiPerceptualDecisionMaking(DecisionMaking):
    name = "anti_pdm"
    anti = True


class DelayedPerceptualDecisionMaking(DecisionMaking):
    name = "pdm_delay"
    delayed = True


class DelayedAntiPerceptualDecisionMaking(DecisionMaking):
    name = "anti_pdm_delay"
    anti = True
    delayed = True
