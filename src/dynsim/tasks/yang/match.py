"""Delayed match tasks of the Yang/Driscoll family: sample, delay, then a test that is the go
signal on a (category) match or non-match (layout, labels, loss and accuracy:
:mod:`dynsim.tasks.yang`).

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

Test grids (n = ``n_test_angles``):

- match-to-sample: sample angle (n) × match or not (the non-match 180° away) × sample modality
  × test modality;
- category: sample angle (n, half-way between grid points so off the boundary) × test angle
  (n) × modality (2, shared by sample and test).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from dynsim._lazy import torch  # imported on first use: building a task needs no torch
from dynsim.tasks.yang.codes import TWO_PI
from dynsim.tasks.yang.family import YangTask, _in_modality, _uniform

# Category tasks keep stimuli this far from the category boundary (0 and π).
CATEGORY_MARGIN = math.pi / 10
# Non-matching test stimuli of the match-to-sample tasks lie this far or more from the sample.
NONMATCH_MIN_OFFSET = math.pi / 9


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
