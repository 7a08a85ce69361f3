"""The tasks of the INSD study (Qian & Pehlevan 2025): regression targets, masked MSE.

Three tasks, each a seeded, vectorised batch generator with targets of shape
(trial, time, output), a loss mask over (trial, time), named epochs and per-trial condition
labels:

``flipflop`` — N-bit flip-flop (Sussillo & Barak 2013), N = 3 by default.
    Inputs: one channel per bit. At step 0 every bit receives a pulse (its initial value);
    afterwards each bit receives a pulse with probability ``pulse_rate`` · dt per step. A
    pulse is ±1 for ``pulse_ms``. Outputs: one channel per bit; the target of bit k is the sign
    of its latest pulse (it flips on a pulse of the other sign and holds otherwise).
    Epochs: ``init`` (the first ``grace_ms``: the initial pulses settle) and ``flipflop``.
    Accuracy: fraction of scored (trial, time, bit) steps where the output has the target's
    sign; steps within ``grace_ms`` of a change of that bit's target are not scored (the
    network needs a few steps to flip). Chance (a constant output) = 0.5 exactly on the test
    set, which pairs every trial with its sign-mirrored copy.
    Test set: every initial pattern of the 2^N, ``n_repeats`` times, random pulses (seeded).

``cdi`` — context-dependent integration (Mante et al. 2013).
    Inputs: fixation cue, evidence stream 1, evidence stream 2, context 1, context 2 (one-hot,
    on for the whole trial). During the stimulus, stream k = its signed coherence + Gaussian
    noise of std ``sigma`` per step. Output: one channel; target 0 before the decision epoch,
    then the sign (±1) of the coherence of the stream the context names. Epochs: fixation →
    stimulus → delay → decision. Accuracy: a trial is correct when the mean output over the
    decision epoch has the correct sign (chance = 0.5 on the balanced test grid).
    Test grid: context × signed coherence 1 × signed coherence 2.

``memorypro_analog`` — MemoryPro with an analog readout (Driscoll, Shenoy & Sussillo 2024).
    Inputs: fixation cue, then (sin θ, cos θ) of an angle θ during the stimulus (+ noise of
    std ``sigma``). Outputs: fixate (target 1 until the decision epoch, then 0) and
    (sin θ, cos θ) during the decision epoch (0 before). Epochs: fixation → stimulus → delay
    → decision; the fixation cue goes off at the decision. Accuracy: a trial is correct when
    the angle of the mean (sin, cos) output over the decision epoch is within
    ``tolerance_deg`` of θ (chance = 2 · tolerance / 360 for a random answer; a constant
    answer scores 1/``n_angles`` on the test grid). Test grid: ``n_angles`` equally spaced
    angles.

Loss (all three): squared error averaged over outputs, weighted by the mask (× the decision
weight in the decision epoch of ``cdi`` and ``memorypro_analog``; 5 by default, as Yang et al.
2019 weight the response period) and normalised by the sum of weights.

Each task's ``ood_variants`` (a hook declared on :class:`~dynsim.tasks.base.Task`) names its
out-of-distribution versions (more noise, longer trials or delays, higher load) as parameter
overrides for :meth:`InsdTask.variant`.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import (
    EpochLayout,
    EpochTask,
    Task,
    TaskParameterError,
    TrialBatch,
    check_duration,
    check_generate_args,
    merge_timing,
    ms_to_steps,
)

__all__ = [
    "ContextDependentIntegration",
    "FlipFlop",
    "InsdTask",
    "MemoryProAnalog",
]


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


# -- flip-flop ------------------------------------------------------------------------------------
class FlipFlop(InsdTask):
    """N-bit flip-flop: each output holds the sign of its input's latest pulse.

    Parameters
    ----------
    dt : time step in ms.
    n_bits : number of bits N (inputs = outputs = N).
    pulse_rate : expected pulses per second per bit (after the initial pulse).
    pulse_ms : duration of a pulse.
    grace_ms : steps this soon after a change of a bit's target are not scored (accuracy),
        and the length of the ``init`` epoch.
    sigma : std of Gaussian input noise per step (0: none).
    train_ms, test_ms : trial durations in train and test mode.
    """

    name = "flipflop"
    decode_targets = True

    def __init__(
        self,
        dt: float = 20.0,
        n_bits: int = 3,
        pulse_rate: float = 2.0,
        pulse_ms: float = 40.0,
        grace_ms: float = 100.0,
        sigma: float = 0.0,
        train_ms: float = 1000.0,
        test_ms: float = 1000.0,
    ) -> None:
        if n_bits < 1:
            raise TaskParameterError("n_bits", f"n_bits must be ≥ 1, got {n_bits}")
        if pulse_rate < 0 or sigma < 0 or min(pulse_ms, grace_ms, train_ms, test_ms) <= 0:
            raise ValueError("pulse_rate and sigma must be ≥ 0 and every duration > 0")
        super().__init__(
            dt=dt,
            n_bits=int(n_bits),
            pulse_rate=float(pulse_rate),
            pulse_ms=float(pulse_ms),
            grace_ms=float(grace_ms),
            sigma=float(sigma),
            train_ms=float(train_ms),
            test_ms=float(test_ms),
        )
        self.n_bits = int(n_bits)
        self.n_inputs = self.n_outputs = self.n_bits
        for what, ms in [
            ("pulse_ms", pulse_ms),
            ("grace_ms", grace_ms),
            ("train_ms", train_ms),
            ("test_ms", test_ms),
        ]:
            check_duration(f"flipflop's {what}", ms, self.dt)
        self.p_pulse = min(1.0, float(pulse_rate) * self.dt / 1000.0)
        self.pulse_steps = ms_to_steps(pulse_ms, self.dt)
        self.grace_steps = ms_to_steps(grace_ms, self.dt)
        self.sigma = float(sigma)
        self.train_steps = ms_to_steps(train_ms, self.dt)
        self.test_steps = ms_to_steps(test_ms, self.dt)
        if min(self.train_steps, self.test_steps) <= self.grace_steps:
            raise ValueError("trials must be longer than grace_ms")
        self.input_names = [f"pulse_{k}" for k in range(self.n_bits)]
        self.output_names = [f"bit_{k}" for k in range(self.n_bits)]

    @property
    def n_conditions(self) -> int:
        return 2**self.n_bits

    def generate(
        self,
        n_trials: int,
        *,
        mode: str = "train",
        generator: torch.Generator | None = None,
        device: str | torch.device = "cpu",
    ) -> TrialBatch:
        generator = check_generate_args(mode, n_trials, generator)
        if mode == "train":
            initial = torch.randint(2, (n_trials, self.n_bits), generator=generator) * 2 - 1
            batch = self._build(initial, self.train_steps, generator)
        else:
            # Half the trials are drawn, the other half are their sign-mirrored copies, so
            # that any constant output scores exactly 0.5 and every pattern appears equally.
            half = (n_trials + 1) // 2
            pattern = torch.arange(half) % (2 ** (self.n_bits - 1))
            bits = (pattern[:, None] >> torch.arange(self.n_bits - 1, -1, -1)) & 1
            batch = self._build(bits * 2 - 1, self.test_steps, generator)
            batch = _mirror(batch, n_trials)
        return _to(batch, device)

    def _build(self, initial: torch.Tensor, n_steps: int, generator: torch.Generator) -> TrialBatch:
        n_trials, n_bits = initial.shape
        onset = torch.rand(n_trials, n_steps, n_bits, generator=generator) < self.p_pulse
        sign = torch.randint(2, (n_trials, n_steps, n_bits), generator=generator) * 2 - 1
        onset[:, 0] = True
        sign[:, 0] = initial
        step = torch.arange(n_steps)[None, :, None].expand(n_trials, n_steps, n_bits)
        last = torch.where(onset, step, 0).cummax(dim=1).values  # latest onset ≤ t
        state = torch.gather(sign, 1, last).float()
        inputs = torch.where(step - last < self.pulse_steps, state, 0.0)
        if self.sigma > 0:
            inputs = inputs + self.sigma * torch.randn(inputs.shape, generator=generator)
        flips = (state[:, 1:] != state[:, :-1]).sum(1)  # (trial, bit)
        conditions: dict[str, np.ndarray] = {
            "pattern": _pattern_index(initial).numpy(),
            "n_flips": flips.sum(1).numpy().astype(np.int64),
        }
        for k in range(n_bits):
            conditions[f"bit{k}_initial"] = initial[:, k].numpy().astype(np.int64)
            conditions[f"bit{k}_final"] = state[:, -1, k].numpy().astype(np.int64)
        full = np.full(n_trials, n_steps)
        return TrialBatch(
            inputs=inputs,
            targets=state,
            mask=torch.ones(n_trials, n_steps),
            epochs={
                "init": (np.zeros(n_trials, dtype=np.int64), np.full(n_trials, self.grace_steps)),
                "flipflop": (np.full(n_trials, self.grace_steps), full),
            },
            conditions=conditions,
            dt=self.dt,
            input_names=list(self.input_names),
            output_names=list(self.output_names),
        )

    def scored(self, batch: TrialBatch) -> torch.Tensor:
        """Boolean (trial, time, bit): steps scored by :meth:`accuracy` (at least
        ``grace_ms`` after the latest change of that bit's target, inside the mask)."""
        targets = batch.targets
        n_trials, n_steps, n_bits = targets.shape
        change = torch.ones_like(targets, dtype=torch.bool)
        change[:, 1:] = targets[:, 1:] != targets[:, :-1]
        step = torch.arange(n_steps, device=targets.device)[None, :, None]
        step = step.expand(n_trials, n_steps, n_bits)
        last = torch.where(change, step, 0).cummax(dim=1).values
        return (step - last >= self.grace_steps) & (batch.mask[..., None] > 0)

    def accuracy(self, outputs: torch.Tensor, batch: TrialBatch) -> float:
        """Fraction of scored (trial, time, bit) steps whose output has the target's sign."""
        scored = self.scored(batch)
        correct = torch.sign(outputs) == batch.targets
        return float((correct & scored).sum() / scored.sum().clamp_min(1))

    def ood_variants(
        self, noise: float = 0.5, longer: float = 2.0, load: float = 2.0
    ) -> dict[str, dict[str, Any]]:
        """``noise``: input noise std raised by ``noise``; ``longer``: test trials ``longer``×
        as long; ``load``: ``load``× as many pulses per second."""
        return {
            "noise": {"sigma": self.sigma + noise},
            "longer": {"test_ms": self.params["test_ms"] * longer},
            "load": {"pulse_rate": self.params["pulse_rate"] * load},
        }


# -- tasks with fixation / stimulus / delay / decision epochs ------------------------------------
EPOCHS = ("fixation", "stimulus", "delay", "decision")


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


# -- helpers --------------------------------------------------------------------------------------
def _pattern_index(bits: torch.Tensor) -> torch.Tensor:
    """Binary pattern (+1 → 1, −1 → 0, first bit most significant) as an integer."""
    n_bits = bits.shape[1]
    weights = 2 ** torch.arange(n_bits - 1, -1, -1)
    return ((bits > 0).long() * weights).sum(1)


def _mirror(batch: TrialBatch, n_trials: int) -> TrialBatch:
    """The batch followed by its sign-mirrored copy (inputs and targets negated), cut to
    ``n_trials``; the condition labels follow (bits and patterns complemented)."""
    n_bits = batch.targets.shape[-1]
    conditions = {}
    for name, values in batch.conditions.items():
        if name.startswith("bit"):
            mirrored = -values
        elif name == "pattern":
            mirrored = (2**n_bits - 1) - values
        else:
            mirrored = values
        conditions[name] = np.concatenate([values, mirrored])[:n_trials]
    return TrialBatch(
        inputs=torch.cat([batch.inputs, -batch.inputs])[:n_trials],
        targets=torch.cat([batch.targets, -batch.targets])[:n_trials],
        mask=torch.cat([batch.mask, batch.mask])[:n_trials],
        epochs={
            k: (np.concatenate([s, s])[:n_trials], np.concatenate([e, e])[:n_trials])
            for k, (s, e) in batch.epochs.items()
        },
        conditions=conditions,
        dt=batch.dt,
        input_names=batch.input_names,
        output_names=batch.output_names,
    )


def _to(batch: TrialBatch, device: str | torch.device) -> TrialBatch:
    batch.inputs = batch.inputs.to(device)
    batch.targets = batch.targets.to(device)
    batch.mask = batch.mask.to(device)
    return batch
