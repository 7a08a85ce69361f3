"""The Yang/Driscoll family's base class: :class:`YangTask` (the shared layout, trial
building, condition labels, loss and accuracy; see :mod:`dynsim.tasks.yang`) and the helpers
its tasks draw conditions with."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import (
    EpochTask,
    TaskParameterError,
    TrialBatch,
    merge_timing,
    ms_to_steps,
)
from dynsim.tasks.yang.codes import (
    ENCODINGS,
    TWO_PI,
    angular_distance,
    decode_angle,
    encode_angle,
)

# The family in the order of the one-hot rule input (Driscoll et al. 2024's fifteen tasks).
RULES: tuple[str, ...] = (
    "delay_pro",
    "delay_anti",
    "memory_pro",
    "memory_anti",
    "react_pro",
    "react_anti",
    "integration_mod1",
    "integration_mod2",
    "ctx_int_mod1",
    "ctx_int_mod2",
    "integration_multimodal",
    "react_match2sample",
    "react_nonmatch2sample",
    "react_category_pro",
    "react_category_anti",
)
INPUT_NOISE = ("stimuli", "all")
DEFAULT_COHERENCES = (0.08, 0.16, 0.32)


class YangTask(EpochTask):
    """One task of the Yang/Driscoll multitask family; see :mod:`dynsim.tasks.yang`.

    Parameters
    ----------
    dt : time step in ms (> 0); every timing is in ms and converted with it.
    encoding : "ring" (a ring of ``n_ring`` tuned units per angle) or "sincos".
    n_ring : units per ring (``encoding="ring"``).
    tuning_width_deg : width of the ring units' Gaussian tuning, degrees.
    sigma : std of the Gaussian input noise per step (≥ 0).
    input_noise : which inputs get it: "stimuli" (both modalities' channels) or "all" (the
        fixation cue and the rule too, as in Yang et al. 2019's code).
    coherences : strength differences of the integration tasks' stimuli (> 0).
    n_test_angles : angles of the test grid (even, ≥ 2).
    tolerance_deg : largest angular error of a correct answer, degrees.
    grace_ms : the first ``grace_ms`` of the trial and of the decision epoch are neither in
        the loss nor scored.
    decision_weight : loss weight of decision-epoch steps relative to the others (> 0).
    train_timing : epoch → (low, high) ms, overriding the task's default train timings.
    test_timing : epoch → ms, overriding the task's default test timings.
    """

    family: ClassVar[str] = "yang"
    rules: ClassVar[tuple[str, ...]] = RULES
    epoch_names: ClassVar[tuple[str, ...]]
    default_train_timing: ClassVar[dict[str, tuple[float, float]]]
    default_test_timing: ClassVar[dict[str, float]]
    # The epochs during which the first and the second stimulus are shown.
    stimulus_epochs: ClassVar[tuple[tuple[str, ...], tuple[str, ...]]]
    # Whether the fixation cue goes off at the decision (False: reaction-time tasks).
    fixation_off_at_decision: ClassVar[bool] = True
    # Whether the answer depends on comparing the two stimuli's strengths (coherence labels).
    compares_strengths: ClassVar[bool] = False
    # Condition labels worth decoding from the activity (see dynsim.battery).
    decoded_conditions: ClassVar[tuple[str, ...]] = ("response_cos", "response_sin")

    def __init__(
        self,
        dt: float = 20.0,
        encoding: str = "ring",
        n_ring: int = 32,
        tuning_width_deg: float = 22.5,
        sigma: float = 0.1,
        input_noise: str = "stimuli",
        coherences: tuple[float, ...] = DEFAULT_COHERENCES,
        n_test_angles: int = 8,
        tolerance_deg: float = 18.0,
        grace_ms: float = 100.0,
        decision_weight: float = 5.0,
        train_timing: dict[str, Any] | None = None,
        test_timing: dict[str, Any] | None = None,
    ) -> None:
        if encoding not in ENCODINGS:
            raise TaskParameterError(
                "encoding", f"encoding must be one of {ENCODINGS}, got {encoding!r}"
            )
        if n_ring < 4:
            raise TaskParameterError("n_ring", f"n_ring must be ≥ 4, got {n_ring}")
        if not 0 < tuning_width_deg <= 180 or not 0 < tolerance_deg <= 180:
            raise ValueError("tuning_width_deg and tolerance_deg must lie in (0, 180]")
        if input_noise not in INPUT_NOISE:
            raise TaskParameterError(
                "input_noise", f"input_noise must be one of {INPUT_NOISE}, got {input_noise!r}"
            )
        if sigma < 0 or decision_weight <= 0 or grace_ms < 0:
            raise ValueError("need sigma ≥ 0, decision_weight > 0 and grace_ms ≥ 0")
        if not coherences or min(coherences) <= 0:
            raise TaskParameterError("coherences", f"coherences must be positive, got {coherences}")
        if n_test_angles < 2 or n_test_angles % 2:
            raise TaskParameterError(
                "n_test_angles", f"n_test_angles must be even and ≥ 2, got {n_test_angles}"
            )
        super().__init__(
            dt=dt,
            encoding=encoding,
            n_ring=int(n_ring),
            tuning_width_deg=float(tuning_width_deg),
            sigma=float(sigma),
            input_noise=input_noise,
            coherences=tuple(float(c) for c in coherences),
            n_test_angles=int(n_test_angles),
            tolerance_deg=float(tolerance_deg),
            grace_ms=float(grace_ms),
            decision_weight=float(decision_weight),
            train_timing=train_timing,
            test_timing=test_timing,
        )
        self.encoding = encoding
        self.n_ring = int(n_ring)
        self.width = math.radians(tuning_width_deg)
        self.sigma = float(sigma)
        self.input_noise = input_noise
        self.coherences = tuple(float(c) for c in coherences)
        self.n_test_angles = int(n_test_angles)
        self.tolerance = math.radians(tolerance_deg)
        self.decision_weight = float(decision_weight)
        self.grace_steps = int(round(grace_ms / self.dt))
        self.train_timing, self.test_timing = merge_timing(
            self.default_train_timing,
            self.default_test_timing,
            train_timing,
            test_timing,
            self.epoch_names,
            dt=self.dt,
        )
        shortest = min(
            ms_to_steps(self.train_timing["decision"][0], self.dt),
            ms_to_steps(self.test_timing["decision"], self.dt),
        )
        if shortest <= self.grace_steps:
            raise ValueError(
                f"the decision epoch ({shortest} steps at the shortest) must be longer than "
                f"grace_ms ({self.grace_steps} steps)"
            )
        n_code = self.n_ring if encoding == "ring" else 2
        self.n_code = n_code
        self.n_inputs = 1 + 2 * n_code + len(self.rules)
        self.n_outputs = 1 + n_code
        suffixes = [f"ring{k}" for k in range(n_code)] if encoding == "ring" else ["cos", "sin"]
        self.input_names = [
            "fixation",
            *(f"mod1_{s}" for s in suffixes),
            *(f"mod2_{s}" for s in suffixes),
            *(f"rule_{r}" for r in self.rules),
        ]
        self.output_names = ["fixate", *(f"response_{s}" for s in suffixes)]

    # -- what subclasses define -----------------------------------------------------------------
    @property
    def n_conditions(self) -> int:
        """Size of the test grid."""
        raise NotImplementedError

    def _draw_conditions(self, n_trials: int, generator: torch.Generator) -> dict[str, Any]:
        """Random conditions (train mode); see :meth:`_grid_conditions` for the keys."""
        raise NotImplementedError

    def _grid_conditions(self, n_trials: int) -> dict[str, Any]:
        """The test grid repeated to fill ``n_trials``: a dict of per-trial tensors ``angle1``,
        ``angle2`` (NaN: none), ``strength1``, ``strength2`` ((trial, modality)),
        ``response`` (NaN: keep fixating), ``match`` (−1: not applicable)."""
        raise NotImplementedError

    # -- codes ----------------------------------------------------------------------------------
    def encode(self, angle: torch.Tensor, strength: torch.Tensor | float = 1.0) -> torch.Tensor:
        """Angles (…,) → this task's code (…, n_code); see :func:`encode_angle`."""
        return encode_angle(
            angle, strength, encoding=self.encoding, n_ring=self.n_ring, width=self.width
        )

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """This task's codes (…, n_code) → angles (…,) in [0, 2π); see :func:`decode_angle`."""
        return decode_angle(code, encoding=self.encoding)

    # -- generation ---------------------------------------------------------------------------
    def _build(
        self,
        conditions: dict[str, Any],
        durations: dict[str, torch.Tensor],
        generator: torch.Generator,
        device: str | torch.device,
    ) -> TrialBatch:
        layout = self._layout(durations)
        n_trials, n_steps = layout.n_trials, layout.n_steps
        inside, in_trial = layout.inside, layout.in_trial
        decision = inside["decision"]
        n_code = self.n_code

        inputs = torch.zeros(n_trials, n_steps, self.n_inputs)
        fixation_cue = in_trial & ~decision if self.fixation_off_at_decision else in_trial
        inputs[..., 0] = fixation_cue.float()
        stimuli = torch.zeros(n_trials, n_steps, 2 * n_code)
        shown = zip(
            (conditions["angle1"], conditions["angle2"]),
            (conditions["strength1"], conditions["strength2"]),
            self.stimulus_epochs,
            strict=True,
        )
        for angle, strength, epochs in shown:
            if not epochs:
                continue
            on = torch.zeros_like(in_trial)
            for name in epochs:
                on |= inside[name]
            pattern = torch.cat(
                [self.encode(angle, strength[:, 0]), self.encode(angle, strength[:, 1])], dim=-1
            )
            stimuli += on[..., None].float() * pattern[:, None, :]
        noise = self.sigma * torch.randn(n_trials, n_steps, 2 * n_code, generator=generator)
        inputs[..., 1 : 1 + 2 * n_code] = stimuli + in_trial[..., None].float() * noise
        inputs[..., 1 + 2 * n_code + self.rules.index(self.name)] = in_trial.float()
        if self.input_noise == "all":  # the fixation cue and the rule channels too
            others = [0, *range(1 + 2 * n_code, inputs.shape[-1])]
            extra = self.sigma * torch.randn(n_trials, n_steps, len(others), generator=generator)
            inputs[..., others] += in_trial[..., None].float() * extra

        response = conditions["response"]
        go = torch.isfinite(response)
        targets = torch.zeros(n_trials, n_steps, self.n_outputs)
        targets[..., 0] = (in_trial & (~decision | ~go[:, None])).float()
        answering = (decision & go[:, None]).float()
        targets[..., 1:] = answering[..., None] * self.encode(response)[:, None, :]

        epochs = layout.epochs
        return TrialBatch(
            inputs=inputs.to(device),
            targets=targets.to(device),
            mask=in_trial.float().to(device),
            epochs=epochs,
            conditions=self._labels(conditions),
            dt=self.dt,
            input_names=list(self.input_names),
            output_names=list(self.output_names),
        )

    def _labels(self, conditions: dict[str, Any]) -> dict[str, np.ndarray]:
        n_trials = len(conditions["angle1"])
        s1 = conditions["strength1"].double()
        s2 = conditions["strength2"].double()
        two = torch.isfinite(conditions["angle2"])
        labels: dict[str, np.ndarray] = {
            "rule": np.full(n_trials, self.name, dtype=object),
            "stim1_angle": conditions["angle1"].double().numpy().copy(),
            "stim2_angle": conditions["angle2"].double().numpy().copy(),
        }
        for strength, stim in ((s1, "stim1"), (s2, "stim2")):
            for m in (0, 1):
                labels[f"{stim}_strength_mod{m + 1}"] = strength[:, m].numpy().copy()
        for m in (0, 1):
            both = two & (s1[:, m] > 0) & (s2[:, m] > 0) & self.compares_strengths
            coherence = torch.where(both, (s1[:, m] - s2[:, m]) / 2, math.nan)
            labels[f"coherence_mod{m + 1}"] = coherence.numpy().copy()
        response = conditions["response"].double()
        go = torch.isfinite(response)
        labels["response_angle"] = response.numpy().copy()
        labels["response_cos"] = torch.where(go, torch.cos(response), 0.0).numpy().copy()
        labels["response_sin"] = torch.where(go, torch.sin(response), 0.0).numpy().copy()
        labels["go"] = go.numpy().astype(np.int64)
        labels["match"] = conditions["match"].numpy().astype(np.int64)
        return labels

    # -- evaluation ---------------------------------------------------------------------------
    def _scored(self, batch: TrialBatch, n_steps: int, device: torch.device) -> tuple:
        """Boolean (trial, time) windows: scored steps before the decision epoch and in it."""
        start, stop = batch.epochs["decision"]
        start = torch.as_tensor(start, device=device)[:, None]
        stop = torch.as_tensor(stop, device=device)[:, None]
        steps = torch.arange(n_steps, device=device)[None, :]
        inside = batch.mask.to(device) > 0
        before = (steps >= self.grace_steps) & (steps < start) & inside
        during = (steps >= start + self.grace_steps) & (steps < stop) & inside
        return before, during

    def step_weights(self, batch: TrialBatch) -> torch.Tensor:
        """Loss weight of every (trial, time) step: the mask × 1 before the decision, ×
        ``decision_weight`` in it, 0 in the first ``grace_ms`` of the trial and of the
        decision."""
        n_steps = batch.mask.shape[1]
        before, during = self._scored(batch, n_steps, batch.mask.device)
        return batch.mask * (before.float() + self.decision_weight * during.float())

    def loss(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """Squared error averaged over outputs, weighted by :meth:`step_weights`."""
        per_step = ((outputs - batch.targets) ** 2).mean(-1)
        weight = self.step_weights(batch).to(outputs.device)
        return (per_step * weight).sum() / weight.sum().clamp_min(1e-12)

    def responses(self, outputs: torch.Tensor, batch: TrialBatch) -> dict[str, torch.Tensor]:
        """Per trial: ``held`` (fixation output > 0.5 at every scored step before the
        decision), ``kept`` (… and at every scored decision step), ``fixate`` (mean fixation
        output over the scored decision steps) and ``angle`` (decoded from the mean response
        output over them)."""
        before, during = self._scored(batch, outputs.shape[1], outputs.device)
        fixating = outputs[..., 0] > 0.5
        count = during.sum(1, keepdim=True).clamp_min(1)
        mean = (outputs * during[..., None]).sum(1) / count
        return {
            "held": (fixating | ~before).all(1),
            "kept": (fixating | ~during).all(1),
            "fixate": mean[:, 0],
            "angle": self.decode(mean[:, 1:]),
        }

    def correct(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """Boolean per trial: Yang et al.'s criterion (see :mod:`dynsim.tasks.yang`)."""
        r = self.responses(outputs, batch)
        target = torch.as_tensor(batch.conditions["response_angle"], device=outputs.device)
        go = torch.as_tensor(batch.conditions["go"], device=outputs.device) > 0
        error = angular_distance(r["angle"].double(), torch.where(go, target, 0.0))
        answered = (r["fixate"] < 0.5) & (error < self.tolerance)
        return r["held"] & torch.where(go, answered, r["kept"])

    def accuracy(self, outputs: torch.Tensor, batch: TrialBatch) -> float:
        """Fraction of trials that are :meth:`correct`."""
        return float(self.correct(outputs, batch).float().mean())

    # -- helpers for subclasses -----------------------------------------------------------------
    def _grid_angles(self, index: torch.Tensor) -> torch.Tensor:
        return TWO_PI * index.double() / self.n_test_angles

    def _signed_coherences(self) -> torch.Tensor:
        c = torch.tensor(self.coherences, dtype=torch.float64)
        return torch.cat([-c.flip(0), c])


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)


def _sign(n: int, generator: torch.Generator) -> torch.Tensor:
    return (torch.randint(2, (n,), generator=generator) * 2 - 1).double()


def _in_modality(strength: torch.Tensor, modality: torch.Tensor) -> torch.Tensor:
    """(trial, 2) strengths: ``strength`` in modality ``modality`` (0 or 1), 0 in the other."""
    one_hot = torch.nn.functional.one_hot(modality, 2).double()
    return strength.double()[:, None] * one_hot


def _nan(n: int) -> torch.Tensor:
    return torch.full((n,), math.nan, dtype=torch.float64)
