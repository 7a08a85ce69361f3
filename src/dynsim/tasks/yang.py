"""The Yang et al. (2019) / Driscoll et al. (2024) multitask family ("Mod-Cog" style tasks).

Fifteen tasks share one input/output layout, so one network can learn any subset of them with a
one-hot rule input telling which task a trial belongs to. The tasks and their order (the rule
order, :data:`RULES`) are the fifteen of Driscoll, Shenoy & Sussillo (2024), who renamed a subset
of the twenty tasks of Yang et al. (2019); Yang's names are given in brackets.

Layout (``encoding`` picks how an angle θ is written into a group of channels):

- ``encoding="ring"`` (Yang's): a ring of ``n_ring`` units (32 by default) with preferred angles
  2πk/n_ring and Gaussian tuning on the circular distance, width ``tuning_width_deg`` (22.5°);
  a stimulus of strength s is the bump s·exp(−d²/2w²).
- ``encoding="sincos"`` (Driscoll's): two channels s·(cos θ, sin θ).

Inputs, in this order: the fixation cue (1 while the network must fixate, 0 once it may
answer), modality 1 (one angle group), modality 2 (one angle group), then the one-hot rule over
:data:`RULES` (1 for the whole trial). Stimuli shown at the same time in one modality add up.
Gaussian noise of std ``sigma`` is added at every step of the trial to both modalities'
channels (``input_noise="stimuli"``, the default) or to every input channel, fixation cue and
rule included, as Yang et al.'s code does (``input_noise="all"``). Outputs: ``fixate``
(target 1 before the response, 0 during it) and one angle group for the response, written with
the same encoding and strength 1 (target 0 outside the response). Targets are float
(trial, time, output).

Tasks (epochs in order; "decision" is always the response epoch):

- ``delay_pro`` / ``delay_anti`` [fdgo / fdanti] — fixation → stimulus → decision. One stimulus
  in a random modality appears and stays on; when the fixation cue goes off (decision), answer
  its angle (pro) or the opposite angle (anti).
- ``memory_pro`` / ``memory_anti`` [delaygo / delayanti] — fixation → stimulus → delay →
  decision: as above but the stimulus is shown only briefly and must be remembered.
- ``react_pro`` / ``react_anti`` [reactgo / reactanti] — fixation → decision. Answer as soon as
  the stimulus appears (decision onset); as in Yang's task the fixation cue stays on for the
  whole trial, so the stimulus itself is the go signal.
- ``integration_mod1`` / ``integration_mod2`` [delaydm1 / delaydm2] — fixation → stimulus1 →
  delay1 → stimulus2 → delay2 → decision. Two stimuli at angles 90°–270° apart are shown one
  after the other in one modality with strengths m ± c (m ~ U(0.8, 1.2), c one of
  ``coherences``); answer the angle of the stronger one. The stimuli are sequential, as in
  Driscoll et al., because the sin/cos code cannot represent two simultaneous stimuli.
- ``ctx_int_mod1`` / ``ctx_int_mod2`` [contextdelaydm1 / contextdelaydm2] — same epochs; both
  modalities show the two stimuli with independent coherences; answer by the stronger stimulus
  in the modality the rule names, ignoring the other.
- ``integration_multimodal`` [multidelaydm] — same epochs; the strength of each stimulus is
  split unevenly between the two modalities; answer by the summed strength.
- ``react_match2sample`` / ``react_nonmatch2sample`` [dmsgo / dmsnogo] — fixation → sample →
  delay → decision. A sample, a delay, then a test stimulus (each in a random modality) that
  stays on. Match-to-sample: if the test is at the sample's angle, answer its angle as soon
  as it appears; otherwise keep fixating (a no-go trial). Non-match: the other way round.
  Non-matching tests are 20°–340° from the sample. As in Yang's task the fixation cue stays on
  for the whole trial: the test is the go signal.
- ``react_category_pro`` / ``react_category_anti`` [dmcgo / dmcnogo] — the same with categories:
  angles in [0, π) are category 1 and [π, 2π) category 2 (stimuli stay at least 18° from the
  boundary); answer the test's angle when its category matches the sample's (pro) or differs
  (anti), and keep fixating otherwise.

Timings are drawn per trial uniformly from ``train_timing`` ranges (ms) in train mode and fixed
by ``test_timing`` in test mode; both are converted to steps with ``dt`` and can be overridden
per epoch. Train conditions are random (angles uniform on the circle, modalities, coherences,
match or not with probability 1/2).

Test grids (``n_test_angles`` = n, 8 by default; ``coherences`` signed, 2·len(coherences)
values; two stimuli are 180° apart with mean strength 1):

- pro/anti tasks: angle (n) × modality (2);
- ``integration_mod*``: first angle (n) × signed coherence;
- ``ctx_int_mod*``: first angle (n) × signed coherence in modality 1 × in modality 2;
- ``integration_multimodal``: first angle (n) × signed coherence × which modality carries more
  of the first stimulus (2);
- match-to-sample: sample angle (n) × match or not (the non-match 180° away) × sample modality
  × test modality;
- category: sample angle (n, half-way between grid points so off the boundary) × test angle
  (n) × modality (2, shared by sample and test).

Condition labels (one value per trial, the same keys in every task so that batches of several
tasks can be merged): ``rule``; ``stim1_angle``, ``stim2_angle`` (rad; NaN when there is no
second stimulus); ``stim1_strength_mod1``, ``stim1_strength_mod2``, ``stim2_strength_mod1``,
``stim2_strength_mod2`` (0 when not shown there); ``coherence_mod1``, ``coherence_mod2``
((strength1 − strength2)/2 in that modality, NaN where not applicable); ``response_angle`` (the
correct answer, NaN on no-go trials) and its ``response_cos``/``response_sin`` (0 on no-go
trials); ``go`` (1: answer, 0: keep fixating); ``match`` (1/0, −1 where not applicable).

Loss: squared error averaged over outputs, weighted per step and normalised by the sum of
weights. The mask covers each trial (batches are padded to the longest trial); within it a step
weighs 1 before the decision epoch and ``decision_weight`` (5 by default, as Yang et al.) in
it, except the first ``grace_ms`` of the trial and of the decision epoch, which weigh 0 (Yang
et al. skip the first 100 ms of both: the network cannot react within one step).

Accuracy (Yang et al.'s criterion, with a mean over the response instead of its last step): a
trial is correct when the fixation output stays above 0.5 at every scored step before the
decision epoch and, over the decision epoch after its first ``grace_ms``, on go trials the mean
fixation output falls below 0.5 and the decoded response angle of the mean output (population
vector for the ring, atan2 for sin/cos) is within ``tolerance_deg`` of the correct angle; on
no-go trials the fixation output stays above 0.5 at every scored step. The default tolerance is
18° (π/10). Yang et al.'s code accepts 36° (0.2π): pass ``tolerance_deg=36`` to match it.
"""

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
ENCODINGS = ("ring", "sincos")
INPUT_NOISE = ("stimuli", "all")
DEFAULT_COHERENCES = (0.08, 0.16, 0.32)
TWO_PI = 2 * math.pi
# Category tasks keep stimuli this far from the category boundary (0 and π).
CATEGORY_MARGIN = math.pi / 10
# Non-matching test stimuli of the match-to-sample tasks lie this far or more from the sample.
NONMATCH_MIN_OFFSET = math.pi / 9

__all__ = [
    "DEFAULT_COHERENCES",
    "ENCODINGS",
    "RULES",
    "ContextIntModality1",
    "ContextIntModality2",
    "DelayAnti",
    "DelayPro",
    "IntegrationModality1",
    "IntegrationModality2",
    "IntegrationMultimodal",
    "MemoryAnti",
    "MemoryPro",
    "ReactAnti",
    "ReactCategoryAnti",
    "ReactCategoryPro",
    "ReactMatch2Sample",
    "ReactNonMatch2Sample",
    "ReactPro",
    "YangTask",
    "angular_distance",
    "decode_angle",
    "encode_angle",
]


# -- angle codes ----------------------------------------------------------------------------------
def encode_angle(
    angle: torch.Tensor,
    strength: torch.Tensor | float = 1.0,
    *,
    encoding: str = "ring",
    n_ring: int = 32,
    width: float = math.pi / 8,
) -> torch.Tensor:
    """Angles (…,) in radians and strengths (broadcastable) → codes (…, n_channels), float32.

    ``ring``: s·exp(−d²/2·width²) for each of ``n_ring`` preferred angles 2πk/n_ring, d the
    circular distance; ``sincos``: s·(cos θ, sin θ). A NaN angle (no stimulus) encodes to 0.
    """
    angle = torch.as_tensor(angle, dtype=torch.float64)
    strength = torch.as_tensor(strength, dtype=torch.float64).expand_as(angle)
    present = torch.isfinite(angle)
    angle = torch.where(present, angle, 0.0)
    strength = torch.where(present, strength, 0.0)
    if encoding == "sincos":
        code = torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1)
    elif encoding == "ring":
        preferred = TWO_PI * torch.arange(n_ring, dtype=torch.float64) / n_ring
        distance = angular_distance(angle[..., None], preferred)
        code = torch.exp(-(distance**2) / (2 * width**2))
    else:
        raise TaskParameterError(
            "encoding", f"encoding must be one of {ENCODINGS}, got {encoding!r}"
        )
    return (strength[..., None] * code).float()


def decode_angle(code: torch.Tensor, *, encoding: str = "ring") -> torch.Tensor:
    """Codes (…, n_channels) → angles (…,) in [0, 2π): the population vector of a ring (its
    preferred angles are 2πk/n_channels) or atan2(sin, cos)."""
    if encoding == "sincos":
        cos, sin = code[..., 0], code[..., 1]
    elif encoding == "ring":
        n_ring = code.shape[-1]
        preferred = TWO_PI * torch.arange(n_ring, device=code.device, dtype=code.dtype) / n_ring
        cos = (code * torch.cos(preferred)).sum(-1)
        sin = (code * torch.sin(preferred)).sum(-1)
    else:
        raise TaskParameterError(
            "encoding", f"encoding must be one of {ENCODINGS}, got {encoding!r}"
        )
    angle = torch.remainder(torch.atan2(sin, cos), TWO_PI)
    return torch.where(angle >= TWO_PI, 0.0, angle)  # −tiny rounds up to 2π in float32


def angular_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """|a − b| on the circle, in [0, π]."""
    return (torch.remainder(a - b + math.pi, TWO_PI) - math.pi).abs()


# -- the family -----------------------------------------------------------------------------------
class YangTask(EpochTask):
    """One task of the Yang/Driscoll multitask family; see the module docstring.

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
        """Boolean per trial: Yang et al.'s criterion (see the module docstring)."""
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


# -- pro/anti: delay, memory, react -----------------------------------------------------------
class _ProAnti(YangTask):
    """One stimulus in a random modality; answer its angle (pro) or the opposite one (anti)."""

    anti: ClassVar[bool] = False

    @property
    def n_conditions(self) -> int:
        return 2 * self.n_test_angles

    def _conditions(self, angle: torch.Tensor, modality: torch.Tensor) -> dict[str, Any]:
        n = len(angle)
        response = torch.remainder(angle + (math.pi if self.anti else 0.0), TWO_PI)
        return {
            "angle1": angle,
            "angle2": _nan(n),
            "strength1": _in_modality(torch.ones(n), modality),
            "strength2": torch.zeros(n, 2, dtype=torch.float64),
            "response": response,
            "match": torch.full((n,), -1),
        }

    def _draw_conditions(self, n_trials: int, generator: torch.Generator) -> dict[str, Any]:
        angle = _uniform(n_trials, 0.0, TWO_PI, generator)
        modality = torch.randint(2, (n_trials,), generator=generator)
        return self._conditions(angle, modality)

    def _grid_conditions(self, n_trials: int) -> dict[str, Any]:
        grid = torch.arange(n_trials) % self.n_conditions
        return self._conditions(self._grid_angles(grid // 2), grid % 2)


class _Delay(_ProAnti):
    epoch_names = ("fixation", "stimulus", "decision")
    stimulus_epochs = (("stimulus", "decision"), ())
    default_train_timing: ClassVar[dict[str, tuple[float, float]]] = {
        "fixation": (300.0, 700.0),
        "stimulus": (500.0, 1500.0),
        "decision": (300.0, 700.0),
    }
    default_test_timing: ClassVar[dict[str, float]] = {
        "fixation": 500.0,
        "stimulus": 1000.0,
        "decision": 500.0,
    }


class _Memory(_ProAnti):
    epoch_names = ("fixation", "stimulus", "delay", "decision")
    stimulus_epochs = (("stimulus",), ())
    default_train_timing: ClassVar[dict[str, tuple[float, float]]] = {
        "fixation": (300.0, 700.0),
        "stimulus": (200.0, 600.0),
        "delay": (200.0, 1600.0),
        "decision": (300.0, 700.0),
    }
    default_test_timing: ClassVar[dict[str, float]] = {
        "fixation": 500.0,
        "stimulus": 400.0,
        "delay": 1000.0,
        "decision": 500.0,
    }


class _React(_ProAnti):
    epoch_names = ("fixation", "decision")
    stimulus_epochs = (("decision",), ())
    fixation_off_at_decision = False
    default_train_timing: ClassVar[dict[str, tuple[float, float]]] = {
        "fixation": (500.0, 2500.0),
        "decision": (300.0, 700.0),
    }
    default_test_timing: ClassVar[dict[str, float]] = {"fixation": 1000.0, "decision": 500.0}


class DelayPro(_Delay):
    """DelayPro: a stimulus stays on; when the fixation cue goes off, answer its angle."""

    name = "delay_pro"


class DelayAnti(_Delay):
    """DelayAnti: a stimulus stays on; when the fixation cue goes off, answer the opposite."""

    name = "delay_anti"
    anti = True


class MemoryPro(_Memory):
    """MemoryPro: remember a brief stimulus over a delay, then answer its angle."""

    name = "memory_pro"


class MemoryAnti(_Memory):
    """MemoryAnti: remember a brief stimulus over a delay, then answer the opposite angle."""

    name = "memory_anti"
    anti = True


class ReactPro(_React):
    """ReactPro: answer a stimulus's angle as soon as it appears (fixation cue stays on)."""

    name = "react_pro"


class ReactAnti(_React):
    """ReactAnti: answer opposite a stimulus as soon as it appears (fixation cue stays on)."""

    name = "react_anti"
    anti = True


# -- integration: two sequential stimuli, answer the stronger ------------------------------------
class _Integration(YangTask):
    """Two stimuli shown one after the other; answer the angle of the stronger one."""

    epoch_names = ("fixation", "stimulus1", "delay1", "stimulus2", "delay2", "decision")
    stimulus_epochs = (("stimulus1",), ("stimulus2",))
    compares_strengths = True
    default_train_timing: ClassVar[dict[str, tuple[float, float]]] = {
        "fixation": (200.0, 600.0),
        "stimulus1": (200.0, 600.0),
        "delay1": (200.0, 1600.0),
        "stimulus2": (200.0, 600.0),
        "delay2": (100.0, 300.0),
        "decision": (300.0, 700.0),
    }
    default_test_timing: ClassVar[dict[str, float]] = {
        "fixation": 400.0,
        "stimulus1": 400.0,
        "delay1": 800.0,
        "stimulus2": 400.0,
        "delay2": 200.0,
        "decision": 500.0,
    }
    # "mod1" / "mod2": stimuli in that modality only, answer by it; "ctx1" / "ctx2": both
    # modalities, answer by the one named; "multi": both, answer by the sum.
    variant: ClassVar[str]

    @property
    def n_conditions(self) -> int:
        n, m = self.n_test_angles, 2 * len(self.coherences)
        return {"mod1": n * m, "mod2": n * m, "ctx1": n * m * m, "ctx2": n * m * m}.get(
            self.variant, n * m * 2
        )

    def _conditions(
        self, angle1: torch.Tensor, angle2: torch.Tensor, s1: torch.Tensor, s2: torch.Tensor
    ) -> dict[str, Any]:
        """``s1``, ``s2``: (trial, modality) strengths of the two stimuli."""
        if self.variant in ("mod1", "ctx1"):
            first = s1[:, 0] > s2[:, 0]
        elif self.variant in ("mod2", "ctx2"):
            first = s1[:, 1] > s2[:, 1]
        else:
            first = s1.sum(1) > s2.sum(1)
        return {
            "angle1": angle1,
            "angle2": angle2,
            "strength1": s1,
            "strength2": s2,
            "response": torch.where(first, angle1, angle2),
            "match": torch.full((len(angle1),), -1),
        }

    def _pair(self, mean: torch.Tensor, coherence: torch.Tensor) -> tuple:
        return mean + coherence, mean - coherence

    def _strengths(self, s1: torch.Tensor, s2: torch.Tensor, modality: int) -> tuple:
        """Put per-trial strengths of both stimuli in one modality (the other gets 0)."""
        idx = torch.full((len(s1),), modality)
        return _in_modality(s1, idx), _in_modality(s2, idx)

    def _draw_conditions(self, n_trials: int, generator: torch.Generator) -> dict[str, Any]:
        angle1 = _uniform(n_trials, 0.0, TWO_PI, generator)
        offset = _sign(n_trials, generator) * _uniform(
            n_trials, 0.5 * math.pi, 1.5 * math.pi, generator
        )
        angle2 = torch.remainder(angle1 + offset, TWO_PI)
        coherences = torch.tensor(self.coherences, dtype=torch.float64)

        def pair() -> tuple:
            mean = _uniform(n_trials, 0.8, 1.2, generator)
            pick = torch.randint(len(coherences), (n_trials,), generator=generator)
            return self._pair(mean, coherences[pick] * _sign(n_trials, generator))

        if self.variant in ("mod1", "mod2"):
            s1, s2 = self._strengths(*pair(), modality=0 if self.variant == "mod1" else 1)
        elif self.variant in ("ctx1", "ctx2"):
            (a1, a2), (b1, b2) = pair(), pair()
            s1, s2 = torch.stack([a1, b1], 1), torch.stack([a2, b2], 1)
        else:
            total1, total2 = pair()
            split1 = _sign(n_trials, generator) * _uniform(n_trials, 0.2, 0.8, generator)
            split2 = _sign(n_trials, generator) * _uniform(n_trials, 0.2, 0.8, generator)
            s1 = torch.stack([total1 * (1 + split1 / 2), total1 * (1 - split1 / 2)], 1)
            s2 = torch.stack([total2 * (1 + split2 / 2), total2 * (1 - split2 / 2)], 1)
        return self._conditions(angle1, angle2, s1, s2)

    def _grid_conditions(self, n_trials: int) -> dict[str, Any]:
        grid = torch.arange(n_trials) % self.n_conditions
        signed = self._signed_coherences()
        m = len(signed)
        mean = torch.ones(n_trials, dtype=torch.float64)
        if self.variant in ("mod1", "mod2"):
            k, c = grid // m, signed[grid % m]
            s1, s2 = self._strengths(*self._pair(mean, c), 0 if self.variant == "mod1" else 1)
        elif self.variant in ("ctx1", "ctx2"):
            k, rest = grid // (m * m), grid % (m * m)
            a1, a2 = self._pair(mean, signed[rest // m])
            b1, b2 = self._pair(mean, signed[rest % m])
            s1, s2 = torch.stack([a1, b1], 1), torch.stack([a2, b2], 1)
        else:
            k, rest = grid // (2 * m), grid % (2 * m)
            total1, total2 = self._pair(mean, signed[rest // 2])
            split = torch.where(rest % 2 == 0, 0.5, -0.5).double()  # stimulus 1 leans to mod1
            s1 = torch.stack([total1 * (1 + split / 2), total1 * (1 - split / 2)], 1)
            s2 = torch.stack([total2 * (1 - split / 2), total2 * (1 + split / 2)], 1)
        angle1 = self._grid_angles(k)
        angle2 = torch.remainder(angle1 + math.pi, TWO_PI)
        return self._conditions(angle1, angle2, s1, s2)


class IntegrationModality1(_Integration):
    """IntegrationModality1: two stimuli in modality 1 in turn; answer the stronger one."""

    name = "integration_mod1"
    variant = "mod1"


class IntegrationModality2(_Integration):
    """IntegrationModality2: two stimuli in modality 2 in turn; answer the stronger one."""

    name = "integration_mod2"
    variant = "mod2"


class ContextIntModality1(_Integration):
    """ContextIntModality1: stimuli in both modalities; answer the stronger in modality 1."""

    name = "ctx_int_mod1"
    variant = "ctx1"


class ContextIntModality2(_Integration):
    """ContextIntModality2: stimuli in both modalities; answer the stronger in modality 2."""

    name = "ctx_int_mod2"
    variant = "ctx2"


class IntegrationMultimodal(_Integration):
    """IntegrationMultimodal: stimuli in both modalities; answer the stronger summed over both."""

    name = "integration_multimodal"
    variant = "multi"


# -- delayed match: sample, delay, test (reaction time) ------------------------------------------
class _DelayMatch(YangTask):
    """Sample, delay, test; answer the test's angle on go trials, keep fixating otherwise."""

    epoch_names = ("fixation", "sample", "delay", "decision")
    stimulus_epochs = (("sample",), ("decision",))
    fixation_off_at_decision = False
    default_train_timing: ClassVar[dict[str, tuple[float, float]]] = {
        "fixation": (200.0, 600.0),
        "sample": (200.0, 600.0),
        "delay": (200.0, 1600.0),
        "decision": (300.0, 700.0),
    }
    default_test_timing: ClassVar[dict[str, float]] = {
        "fixation": 400.0,
        "sample": 400.0,
        "delay": 1000.0,
        "decision": 500.0,
    }
    by_category: ClassVar[bool] = False
    go_on_match: ClassVar[bool] = True

    @property
    def n_conditions(self) -> int:
        n = self.n_test_angles
        return n * n * 2 if self.by_category else n * 2 * 2 * 2

    def _conditions(
        self,
        sample: torch.Tensor,
        test: torch.Tensor,
        sample_modality: torch.Tensor,
        test_modality: torch.Tensor,
        match: torch.Tensor | None = None,
    ) -> dict[str, Any]:
        """``match`` (bool per trial) is given for match-to-sample; categories are compared."""
        n = len(sample)
        if self.by_category:
            match = (sample >= math.pi) == (test >= math.pi)
        if match is None:
            raise ValueError("match-to-sample conditions need `match`")
        go = match if self.go_on_match else ~match
        ones = torch.ones(n)
        return {
            "angle1": sample,
            "angle2": test,
            "strength1": _in_modality(ones, sample_modality),
            "strength2": _in_modality(ones, test_modality),
            "response": torch.where(go, test, math.nan),
            "match": match.long(),
        }

    def _draw_conditions(self, n_trials: int, generator: torch.Generator) -> dict[str, Any]:
        match = torch.rand(n_trials, generator=generator) < 0.5
        if self.by_category:
            inner = (CATEGORY_MARGIN, math.pi - CATEGORY_MARGIN)
            sample_category = torch.randint(2, (n_trials,), generator=generator).double()
            sample = sample_category * math.pi + _uniform(n_trials, *inner, generator)
            test_category = torch.where(match, sample_category, 1 - sample_category)
            test = test_category * math.pi + _uniform(n_trials, *inner, generator)
        else:
            sample = _uniform(n_trials, 0.0, TWO_PI, generator)
            offset = _uniform(
                n_trials, NONMATCH_MIN_OFFSET, TWO_PI - NONMATCH_MIN_OFFSET, generator
            )
            test = torch.where(match, sample, torch.remainder(sample + offset, TWO_PI))
        sample_modality = torch.randint(2, (n_trials,), generator=generator)
        test_modality = torch.randint(2, (n_trials,), generator=generator)
        return self._conditions(sample, test, sample_modality, test_modality, match)

    def _grid_conditions(self, n_trials: int) -> dict[str, Any]:
        grid = torch.arange(n_trials) % self.n_conditions
        n = self.n_test_angles
        if self.by_category:
            # Half-way between grid points: never on the category boundary (0 or π).
            k_sample, rest = grid // (2 * n), grid % (2 * n)
            k_test, modality = rest // 2, rest % 2
            sample = self._grid_angles(k_sample) + math.pi / n
            test = self._grid_angles(k_test) + math.pi / n
            return self._conditions(sample, test, modality, modality)
        k, rest = grid // 8, grid % 8
        nonmatch, sample_modality, test_modality = rest // 4, (rest // 2) % 2, rest % 2
        sample = self._grid_angles(k)
        test = torch.remainder(sample + math.pi * nonmatch, TWO_PI)
        return self._conditions(sample, test, sample_modality, test_modality, nonmatch == 0)


class ReactMatch2Sample(_DelayMatch):
    """ReactMatch2Sample: answer a test stimulus at once if it matches the sample, else fixate."""

    name = "react_match2sample"


class ReactNonMatch2Sample(_DelayMatch):
    """ReactNonMatch2Sample: answer a test stimulus at once if it differs from the sample."""

    name = "react_nonmatch2sample"
    go_on_match = False


class ReactCategoryPro(_DelayMatch):
    """ReactCategoryPro: answer a test at once if its category matches the sample's."""

    name = "react_category_pro"
    by_category = True


class ReactCategoryAnti(_DelayMatch):
    """ReactCategoryAnti: answer a test at once if its category differs from the sample's."""

    name = "react_category_anti"
    by_category = True
    go_on_match = False
