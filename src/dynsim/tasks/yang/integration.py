"""Integration tasks of the Yang/Driscoll family: two stimuli shown one after the other,
answer the stronger (layout, labels, loss and accuracy: :mod:`dynsim.tasks.yang`).

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

Test grids (n = ``n_test_angles``; ``coherences`` signed, 2·len(coherences) values; the two
stimuli are 180° apart with mean strength 1):

- ``integration_mod*``: first angle (n) × signed coherence;
- ``ctx_int_mod*``: first angle (n) × signed coherence in modality 1 × in modality 2;
- ``integration_multimodal``: first angle (n) × signed coherence × which modality carries more
  of the first stimulus (2).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.yang.codes import TWO_PI
from dynsim.tasks.yang.family import YangTask, _in_modality, _sign, _uniform


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
