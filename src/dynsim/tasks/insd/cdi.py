"""``cdi`` — context-dependent integration (Mante et al. 2013); an INSD task (loss:
:mod:`dynsim.tasks.insd`).

Inputs: fixation cue, evidence stream 1, evidence stream 2, context 1, context 2 (one-hot,
on for the whole trial). During the stimulus, stream k = its signed coherence + Gaussian
noise of std ``sigma`` per step. Output: one channel; target 0 before the decision epoch,
then the sign (±1) of the coherence of the stream the context names. Epochs: fixation →
stimulus → delay → decision. Accuracy: a trial is correct when the mean output over the
decision epoch has the correct sign (chance = 0.5 on the balanced test grid).
Test grid: context × signed coherence 1 × signed coherence 2.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import TaskParameterError, TrialBatch
from dynsim.tasks.insd.regression import _InsdEpochTask


class ContextDependentIntegration(_InsdEpochTask):
    """Context-dependent integration (Mante et al. 2013); see the module docstring.

    Parameters
    ----------
    dt : time step in ms.
    coherences : positive evidence strengths; each stream's coherence is ± one of them.
    sigma : std of the evidence noise per step.
    train_timing, test_timing : epoch → (low, high) ms / ms, overriding the defaults.
    decision_weight : loss weight of the decision epoch relative to the other steps.
    """

    name = "cdi"
    decoded_conditions = ("context", "coherence_1", "coherence_2", "correct_sign")
    default_train_timing: ClassVar[dict[str, tuple[float, float]]] = {
        "fixation": (100.0, 300.0),
        "stimulus": (400.0, 800.0),
        "delay": (0.0, 300.0),
        "decision": (200.0, 400.0),
    }
    default_test_timing: ClassVar[dict[str, float]] = {
        "fixation": 200.0,
        "stimulus": 600.0,
        "delay": 200.0,
        "decision": 300.0,
    }

    def __init__(
        self,
        dt: float = 20.0,
        coherences: tuple[float, ...] = (0.1, 0.2, 0.4),
        sigma: float = 0.5,
        train_timing: dict[str, Any] | None = None,
        test_timing: dict[str, Any] | None = None,
        decision_weight: float = 5.0,
    ) -> None:
        if not coherences or min(coherences) <= 0:
            raise TaskParameterError("coherences", f"coherences must be positive, got {coherences}")
        if sigma < 0 or decision_weight <= 0:
            raise ValueError("sigma must be ≥ 0 and decision_weight > 0")
        super().__init__(
            dt=dt,
            coherences=tuple(float(c) for c in coherences),
            sigma=float(sigma),
            train_timing=train_timing,
            test_timing=test_timing,
            decision_weight=float(decision_weight),
        )
        self.coherences = tuple(float(c) for c in coherences)
        self.sigma = float(sigma)
        self.decision_weight = float(decision_weight)
        self._set_timing(train_timing, test_timing)
        self.n_inputs, self.n_outputs = 5, 1
        self.input_names = ["fixation", "stream_1", "stream_2", "context_1", "context_2"]
        self.output_names = ["choice"]

    @property
    def n_conditions(self) -> int:
        return 2 * (2 * len(self.coherences)) ** 2

    def _signed(self) -> torch.Tensor:
        c = torch.tensor(self.coherences, dtype=torch.float64)
        return torch.cat([-c.flip(0), c])

    def _draw_conditions(self, n_trials: int, generator: torch.Generator) -> dict[str, Any]:
        """Random context (0/1) and indices of each stream's signed coherence (train mode)."""
        m = 2 * len(self.coherences)
        return {
            "context": torch.randint(2, (n_trials,), generator=generator),
            "idx_1": torch.randint(m, (n_trials,), generator=generator),
            "idx_2": torch.randint(m, (n_trials,), generator=generator),
        }

    def _grid_conditions(self, n_trials: int) -> dict[str, Any]:
        """Context × signed coherence 1 × signed coherence 2, repeated to fill the batch."""
        m = 2 * len(self.coherences)
        grid = torch.arange(n_trials) % self.n_conditions
        context, rest = grid // (m * m), grid % (m * m)
        return {"context": context, "idx_1": rest // m, "idx_2": rest % m}

    def _build(
        self,
        conditions: dict[str, Any],
        durations: dict[str, torch.Tensor],
        generator: torch.Generator,
        device: str | torch.device,
    ) -> TrialBatch:
        signed = self._signed()
        context = conditions["context"]
        n_trials = len(context)
        coherence = torch.stack(
            [signed[conditions["idx_1"]], signed[conditions["idx_2"]]], dim=1
        )  # (trial, stream)
        layout = self._layout(durations)
        n_steps, inside, in_trial = layout.n_steps, layout.inside, layout.in_trial
        inputs = torch.zeros(n_trials, n_steps, 5)
        inputs[..., 0] = (in_trial & ~inside["decision"]).float()
        noise = self.sigma * torch.randn(n_trials, n_steps, 2, generator=generator)
        evidence = coherence.float()[:, None, :] + noise
        inputs[..., 1:3] = inside["stimulus"][..., None].float() * evidence
        one_hot = torch.nn.functional.one_hot(context, 2).float()  # (trial, context)
        inputs[..., 3:5] = in_trial[..., None].float() * one_hot[:, None, :]
        relevant = coherence[torch.arange(n_trials), context]
        correct = torch.sign(relevant).long()
        targets = (inside["decision"].float() * correct[:, None].float())[..., None]
        labels = {
            "context": (context + 1).numpy().astype(np.int64),
            "coherence_1": coherence[:, 0].numpy().astype(np.float64),
            "coherence_2": coherence[:, 1].numpy().astype(np.float64),
            "relevant_coherence": relevant.numpy().astype(np.float64),
            "correct_sign": correct.numpy().astype(np.int64),
        }
        return self._package(inputs, targets, layout, labels, device)

    def accuracy(self, outputs: torch.Tensor, batch: TrialBatch) -> float:
        """Fraction of trials whose mean decision-epoch output has the correct sign."""
        choice = torch.sign(self.decision_mean(outputs, batch)[:, 0])
        correct = torch.as_tensor(batch.conditions["correct_sign"], device=outputs.device)
        return float((choice == correct).float().mean())

    def fixed_point_inputs(self) -> dict[str, np.ndarray]:
        """Each context with the fixation cue on and no evidence (Mante et al.'s analysis)."""
        return {
            "context_1": np.array([1.0, 0.0, 0.0, 1.0, 0.0]),
            "context_2": np.array([1.0, 0.0, 0.0, 0.0, 1.0]),
        }

    def ood_variants(
        self, noise: float = 0.5, longer: float = 2.0, load: float = 2.0
    ) -> dict[str, dict[str, Any]]:
        """``noise``: evidence noise std raised by ``noise``; ``longer``: stimulus and delay
        ``longer``× as long; ``load``: coherences divided by ``load`` (weaker evidence)."""
        timing = {
            **self.test_timing,
            "stimulus": self.test_timing["stimulus"] * longer,
            "delay": self.test_timing["delay"] * longer,
        }
        return {
            "noise": {"sigma": self.sigma + noise},
            "longer": {"test_timing": timing},
            "load": {"coherences": tuple(c / load for c in self.coherences)},
        }
