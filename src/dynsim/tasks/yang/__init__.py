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

Tasks (epochs in order; "decision" is always the response epoch), one module per kind:

- :mod:`dynsim.tasks.yang.proanti` — one stimulus, answer its angle or the opposite:
  ``delay_pro`` / ``delay_anti``, ``memory_pro`` / ``memory_anti``, ``react_pro`` /
  ``react_anti``;
- :mod:`dynsim.tasks.yang.integration` — two sequential stimuli, answer the stronger:
  ``integration_mod1`` / ``integration_mod2``, ``ctx_int_mod1`` / ``ctx_int_mod2``,
  ``integration_multimodal``;
- :mod:`dynsim.tasks.yang.match` — sample, delay, test; answer on a (category) match or
  non-match: ``react_match2sample`` / ``react_nonmatch2sample``, ``react_category_pro`` /
  ``react_category_anti``.

The shared parts: the angle codes (:mod:`dynsim.tasks.yang.codes`) and the family's base class
with its layout, trial building, loss and accuracy (:class:`YangTask`,
:mod:`dynsim.tasks.yang.family`).

Timings are drawn per trial uniformly from ``train_timing`` ranges (ms) in train mode and fixed
by ``test_timing`` in test mode; both are converted to steps with ``dt`` and can be overridden
per epoch. Train conditions are random (angles uniform on the circle, modalities, coherences,
match or not with probability 1/2).

Test grids (``n_test_angles`` = n angles, 8 by default) are given with each kind of task.

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

from dynsim.tasks.yang.codes import ENCODINGS, TWO_PI, angular_distance, decode_angle, encode_angle
from dynsim.tasks.yang.family import DEFAULT_COHERENCES, INPUT_NOISE, RULES, YangTask
from dynsim.tasks.yang.integration import (
    ContextIntModality1,
    ContextIntModality2,
    IntegrationModality1,
    IntegrationModality2,
    IntegrationMultimodal,
)
from dynsim.tasks.yang.match import (
    CATEGORY_MARGIN,
    NONMATCH_MIN_OFFSET,
    ReactCategoryAnti,
    ReactCategoryPro,
    ReactMatch2Sample,
    ReactNonMatch2Sample,
)
from dynsim.tasks.yang.proanti import (
    DelayAnti,
    DelayPro,
    MemoryAnti,
    MemoryPro,
    ReactAnti,
    ReactPro,
)

__all__ = [
    "CATEGORY_MARGIN",
    "DEFAULT_COHERENCES",
    "ENCODINGS",
    "INPUT_NOISE",
    "NONMATCH_MIN_OFFSET",
    "RULES",
    "TWO_PI",
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
