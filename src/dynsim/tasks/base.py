"""What every task produces: a batch of trials with named epochs and condition labels."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from dynsim._lazy import torch  # imported on first use: building a task needs no torch


class TaskParameterError(ValueError):
    """A task parameter is out of range; ``parameter`` names it (a constructor keyword such as
    ``"dt"`` or ``"coherences"``), so a config check can name the config key, not the task."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def ms_to_steps(ms: float, dt: float) -> int:
    """Number of time steps of length ``dt`` (ms) in ``ms`` milliseconds (at least one)."""
    return max(1, int(round(ms / dt)))


def check_duration(what: str, ms: float, dt: float, *, parameter: str = "dt") -> None:
    """Refuse a duration shorter than one time step: :func:`ms_to_steps` would silently
    stretch it to one step of ``dt`` ms (e.g. every epoch one 1000 ms step at dt = 1000).

    ``what`` names it in the message (e.g. "epoch 'fixation' (test_timing)"); ``parameter``
    is the constructor parameter to blame: ``dt`` unless the duration itself was given (an
    overridden epoch timing, e.g. ``"test_timing.fixation"``).
    Raises :class:`TaskParameterError` for ``dt`` (a ValueError) naming the duration and dt,
    also for a dt that is not a positive finite number."""
    if not (math.isfinite(dt) and dt > 0):
        raise TaskParameterError("dt", f"dt must be a positive, finite number of ms, got {dt}")
    if ms < dt:
        # Keyed to dt by default: a task's own durations are fixed, dt is what a config sets.
        raise TaskParameterError(
            parameter,
            f"{what} lasts {ms:g} ms, shorter than one time step (dt = {dt:g} ms); "
            "lower dt or lengthen it"
        )


def check_generate_args(
    mode: str, n_trials: int, generator: torch.Generator | None
) -> torch.Generator:
    """Validate :meth:`Task.generate`'s arguments; the generator to use (seed 0 if none)."""
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    if n_trials < 1:
        raise ValueError(f"n_trials must be ≥ 1, got {n_trials}")
    return generator or torch.Generator().manual_seed(0)


def merge_timing(
    default_train: dict[str, tuple[float, float]],
    default_test: dict[str, float],
    train: dict[str, Any] | None,
    test: dict[str, Any] | None,
    epochs: Any,
    *,
    dt: float,
) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Override default epoch timings (ms): train epoch → (low, high), test epoch → duration.

    Raises ValueError naming unknown epochs, a range that is not 0 ≤ low ≤ high, or an epoch
    of ``epochs`` shorter than one step of ``dt`` ms (its test duration, or the high end of
    its train range: a range may start below one step, as a variable delay starting at 0).
    """
    unknown = (set(train or {}) | set(test or {})) - set(epochs)
    if unknown:
        raise ValueError(f"unknown epoch(s) in timing: {sorted(unknown)}")
    train_timing = {
        **default_train,
        **{k: (float(v[0]), float(v[1])) for k, v in (train or {}).items()},
    }
    for name, (low, high) in train_timing.items():
        if not 0 <= low <= high:
            raise ValueError(f"train_timing[{name!r}] needs 0 ≤ low ≤ high, got {low, high}")
    test_timing = {**default_test, **{k: float(v) for k, v in (test or {}).items()}}
    for name in epochs:
        if name in test_timing:
            blame = f"test_timing.{name}" if name in (test or {}) else "dt"
            check_duration(
                f"epoch {name!r} (test_timing)", test_timing[name], dt, parameter=blame
            )
        if name in train_timing:
            blame = f"train_timing.{name}" if name in (train or {}) else "dt"
            check_duration(
                f"epoch {name!r} (train_timing, at most)", train_timing[name][1], dt,
                parameter=blame,
            )
    return train_timing, test_timing


@dataclass
class TrialBatch:
    """A batch of trials, batch-first: every tensor is (trial, time, …).

    ``targets`` holds class indices (trial, time) for classification tasks or values
    (trial, time, output) for regression tasks. ``mask`` weights the loss per (trial, time);
    padding after a short trial has weight 0. ``epochs`` maps an epoch name to the
    (start, stop) step of that epoch in each trial (arrays of shape (trial,)), so analyses
    can select windows by name. ``conditions`` maps a label name to one value per trial.
    """

    inputs: torch.Tensor
    targets: torch.Tensor
    mask: torch.Tensor
    epochs: dict[str, tuple[np.ndarray, np.ndarray]]
    conditions: dict[str, np.ndarray]
    dt: float
    input_names: list[str] = field(default_factory=list)
    output_names: list[str] = field(default_factory=list)

    @property
    def n_trials(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def n_steps(self) -> int:
        return int(self.inputs.shape[1])

    def window(
        self,
        epoch: str,
        *,
        n_steps: int | None = None,
        device: str | torch.device | None = None,
    ) -> torch.Tensor:
        """Boolean (trial, time) mask of the steps of each trial that lie in ``epoch``.

        ``n_steps`` is the length of the time axis (default: the batch's; pass the outputs'
        when they differ), ``device`` where the mask lives (default: the inputs' device).
        Raises KeyError when the batch has no epoch of that name.
        """
        start, stop = self.epochs[epoch]
        n_steps = self.n_steps if n_steps is None else int(n_steps)
        device = self.inputs.device if device is None else device
        steps = torch.arange(n_steps, device=device)[None, :]
        return (steps >= torch.as_tensor(start, device=device)[:, None]) & (
            steps < torch.as_tensor(stop, device=device)[:, None]
        )

    def epoch_labels(self) -> np.ndarray:
        """Epoch name of every (trial, time) step ("" outside every epoch, e.g. padding)."""
        labels = np.full((self.n_trials, self.n_steps), "", dtype=object)
        for name in self.epochs:
            labels[self.window(name, device="cpu").numpy()] = name
        return labels


class Task:
    """A seeded, vectorised trial generator.

    Subclasses implement :meth:`generate`, :meth:`test_batch`, :meth:`loss` and
    :meth:`accuracy`. ``mode="train"`` draws random epoch durations per trial; ``mode="test"``
    uses fixed durations and a fixed grid of conditions so that recorded activity is comparable
    across networks.

    The INSD analysis battery (:mod:`dynsim.insd`) asks every task four more things, each with
    a default here that a task overrides when it knows better: which condition labels to
    decode (:attr:`decoded_conditions`), whether its targets are themselves task variables
    (:attr:`decode_targets`), at which constant inputs to seek fixed points
    (:meth:`fixed_point_inputs`) and its out-of-distribution versions (:meth:`ood_variants`).
    """

    name: ClassVar[str] = "task"
    n_inputs: ClassVar[int]
    n_outputs: ClassVar[int]
    #: Condition labels worth decoding from the activity (names of ``TrialBatch.conditions``);
    #: None: every numeric condition label that varies across the test set.
    decoded_conditions: ClassVar[tuple[str, ...] | None] = None
    #: Whether the targets themselves (per time step, one variable per output) are task
    #: variables to decode (e.g. the flip-flop's stored bits).
    decode_targets: ClassVar[bool] = False

    def __init__(self, dt: float = 20.0, **params: Any) -> None:
        if dt <= 0:
            raise TaskParameterError("dt", f"dt must be positive, got {dt}")
        self.dt = float(dt)
        self.params = dict(params)

    def generate(
        self,
        n_trials: int,
        *,
        mode: str = "train",
        generator: torch.Generator | None = None,
        device: str | torch.device = "cpu",
    ) -> TrialBatch:
        raise NotImplementedError

    def test_batch(self, n_repeats: int = 1, seed: int = 0) -> TrialBatch:
        """The fixed test set: every condition of the grid ``n_repeats`` times, seeded noise."""
        raise NotImplementedError

    def loss(self, outputs: torch.Tensor, batch: TrialBatch) -> torch.Tensor:
        """Scalar training loss of ``outputs`` (trial, time, output) on ``batch``."""
        raise NotImplementedError

    def accuracy(self, outputs: torch.Tensor, batch: TrialBatch) -> float:
        """Fraction of correct trials (or steps; see each task) of ``outputs`` on ``batch``."""
        raise NotImplementedError

    def fixed_point_inputs(self) -> dict[str, np.ndarray]:
        """Constant inputs at which the fixed-point finder runs: name → input vector
        (``n_inputs``,). Default: all zeros, named ``zero``."""
        return {"zero": np.zeros(self.n_inputs)}

    def ood_variants(
        self, noise: float = 0.5, longer: float = 2.0, load: float = 2.0
    ) -> dict[str, dict[str, Any]]:
        """Out-of-distribution versions of the task: name (``noise``, ``longer``, ``load``)
        → constructor-parameter overrides, for the battery's OOD test.

        Default: ``noise`` raises the input noise std ``sigma`` by ``noise`` (when the task
        has a ``sigma``); ``longer`` makes the ``stimulus`` and ``delay`` test epochs
        ``longer``× as long (when the task has a ``test_timing``); no ``load`` variant.
        ``load`` is the factor by which a task's own load variant raises its load.
        """
        out: dict[str, dict[str, Any]] = {}
        if hasattr(self, "sigma"):
            out["noise"] = {"sigma": float(self.sigma) + noise}
        timing = getattr(self, "test_timing", None)
        if timing is not None:
            longer_timing = {
                k: v * longer if k in ("stimulus", "delay") else v for k, v in timing.items()
            }
            out["longer"] = {"test_timing": longer_timing}
        return out


@dataclass(frozen=True)
class EpochLayout:
    """The epochs of a batch of trials (see :meth:`EpochTask._layout`): ``inside`` maps an
    epoch to its (trial, time) mask, ``in_trial`` is (trial, time) before each trial's end,
    ``epochs`` maps an epoch to its (start, stop) steps per trial (as in :class:`TrialBatch`)."""

    n_trials: int
    n_steps: int
    inside: dict[str, torch.Tensor]
    in_trial: torch.Tensor
    epochs: dict[str, tuple[np.ndarray, np.ndarray]]


class EpochTask(Task):
    """A task whose trials run through ``epoch_names`` in order — each epoch's duration drawn
    per trial between ``train_timing``'s (low, high) ms bounds in train mode, fixed at
    ``test_timing`` ms in test mode — with conditions drawn at random (train) or laid out on
    a test grid of ``n_conditions`` (test).

    Subclasses provide ``_draw_conditions(n, generator)``, ``_grid_conditions(n)`` and
    ``_build(conditions, durations, generator, device)``; draws happen in that order
    (conditions, then one duration per epoch in order), so a seed fixes the batch.
    """

    epoch_names: ClassVar[tuple[str, ...]]
    train_timing: dict[str, tuple[float, float]]
    test_timing: dict[str, float]
    n_conditions: int

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
            conditions = self._draw_conditions(n_trials, generator)
        else:
            conditions = self._grid_conditions(n_trials)
        durations = {}
        for name in self.epoch_names:
            if mode == "train":
                low, high = (ms_to_steps(ms, self.dt) for ms in self.train_timing[name])
                durations[name] = torch.randint(low, high + 1, (n_trials,), generator=generator)
            else:
                steps = ms_to_steps(self.test_timing[name], self.dt)
                durations[name] = torch.full((n_trials,), steps)
        return self._build(conditions, durations, generator, device)

    def test_batch(self, n_repeats: int = 1, seed: int = 0) -> TrialBatch:
        """Every condition of the test grid (``n_conditions``) ``n_repeats`` times."""
        return self.generate(
            self.n_conditions * n_repeats,
            mode="test",
            generator=torch.Generator().manual_seed(seed),
        )

    def _layout(self, durations: dict[str, torch.Tensor]) -> EpochLayout:
        """Where each epoch lies in each trial, from the epochs' durations in steps."""
        lengths = torch.stack([durations[n] for n in self.epoch_names])  # (epoch, trial)
        stops = torch.cumsum(lengths, dim=0)
        starts = stops - lengths
        n_steps = int(stops[-1].max())
        steps = torch.arange(n_steps)[None, :]
        return EpochLayout(
            n_trials=lengths.shape[1],
            n_steps=n_steps,
            inside={
                name: (steps >= starts[k][:, None]) & (steps < stops[k][:, None])
                for k, name in enumerate(self.epoch_names)
            },
            in_trial=steps < stops[-1][:, None],
            epochs={
                name: (starts[k].numpy().copy(), stops[k].numpy().copy())
                for k, name in enumerate(self.epoch_names)
            },
        )

    def _draw_conditions(self, n_trials: int, generator: torch.Generator) -> dict[str, Any]:
        raise NotImplementedError

    def _grid_conditions(self, n_trials: int) -> dict[str, Any]:
        raise NotImplementedError

    def _build(
        self,
        conditions: dict[str, Any],
        durations: dict[str, torch.Tensor],
        generator: torch.Generator,
        device: str | torch.device,
    ) -> TrialBatch:
        raise NotImplementedError
