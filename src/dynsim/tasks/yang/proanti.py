"""Pro/anti tasks of the Yang/Driscoll family: one stimulus, answer its angle or the
opposite one (layout, labels, loss and accuracy: :mod:`dynsim.tasks.yang`).

- ``delay_pro`` / ``delay_anti`` [fdgo / fdanti] — fixation → stimulus → decision. One stimulus
  in a random modality appears and stays on; when the fixation cue goes off (decision), answer
  its angle (pro) or the opposite angle (anti).
- ``memory_pro`` / ``memory_anti`` [delaygo / delayanti] — fixation → stimulus → delay →
  decision: as above but the stimulus is shown only briefly and must be remembered.
- ``react_pro`` / ``react_anti`` [reactgo / reactanti] — fixation → decision. Answer as soon as
  the stimulus appears (decision onset); as in Yang's task the fixation cue stays on for the
  whole trial, so the stimulus itself is the go signal.

Test grid: angle (n = ``n_test_angles``) × modality (2).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.yang.codes import TWO_PI
from dynsim.tasks.yang.family import YangTask, _in_modality, _nan, _uniform


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
