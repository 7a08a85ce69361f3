"""``flipflop`` — N-bit flip-flop (Sussillo & Barak 2013), N = 3 by default; an INSD task
(loss: :mod:`dynsim.tasks.insd`).

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
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.base import (
    TaskParameterError,
    TrialBatch,
    check_duration,
    check_generate_args,
    ms_to_steps,
)
from dynsim.tasks.insd.regression import InsdTask, _to


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
