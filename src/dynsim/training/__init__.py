"""Train one network on one task, keep snapshots over learning, record test-set activity.

Where things are (read :mod:`~dynsim.training.loop` first; it is the loop, top to bottom):

- :mod:`~dynsim.training.loop`: :func:`train` runs a spec's curriculum (Adam, masked task loss,
  weight decay, gradient clipping, stop at a target accuracy or a step budget, stop early on a
  non-finite loss); :class:`PhaseLog` keeps the books of one network through one phase.
- :mod:`~dynsim.training.batches`: the mixed training batch of a phase, the fixed evaluation
  batch of a task.
- :mod:`~dynsim.training.deflation`: the INSD penalty of a deflated link.
- :mod:`~dynsim.training.stacked`: :func:`train_stacked`, several seeds at once with stacked
  weights (its own batched forward pass and optimizer step, the loop's :class:`PhaseLog`).
- :mod:`~dynsim.training.record`: :func:`select_checkpoints` picks snapshots at fractions of
  the recorded phase; :func:`record_activity` runs each on the task's fixed test set.
- :mod:`~dynsim.training.checkpoint`: :func:`save_training` / :func:`load_training`, the
  ``.pt`` checkpoint file; :mod:`~dynsim.training.jobs`: the jobs ``dynsim train`` and
  ``dynsim train-seeds`` run.

What a network *is* (:class:`NetworkSpec`, the regimes and curricula) lives in the torch-free
:mod:`dynsim.spec` and :mod:`dynsim.regimes`; those names are re-exported here.

How each regime trains (``master``, ``pretrain_<subset>_(frozen|unfrozen)``, ``multitask``,
``master_gain<g>``, ``insd_<k>``, …) is described in :mod:`dynsim.regimes`.

Only the last phase (the target task) is *recorded*: its snapshots make the checkpoint schedule
(step 0 = the end of pretraining), its status is the network's status, and ``loss`` is its loss
curve; the earlier phases are summarised in ``TrainingResult.phases``.
"""

# What a network is lives in the torch-free spec layer; these names stay importable from here.
from dynsim.regimes import (
    REGIME_PATTERN,
    Phase,
    curriculum,
    insd_position,
    parse_regime,
    regime_gain,
)
from dynsim.spec import (
    DEFAULT_CHECKPOINTS,
    STATUSES,
    InsdConfig,
    NetworkSpec,
    TrainingConfig,
    same_training,
)
from dynsim.training.batches import _eval_batch, _mixed_batch, pad_time
from dynsim.training.checkpoint import CheckpointError, load_training, save_training
from dynsim.training.deflation import _Deflation, _deflation
from dynsim.training.jobs import reuse_training, train_job, train_network, train_seeds
from dynsim.training.loop import (
    PhaseLog,
    _run_phase,
    _state,
    evaluate,
    phase_summary,
    retarget,
    train,
)
from dynsim.training.record import record_activity, select_checkpoints
from dynsim.training.result import TrainingResult
from dynsim.training.stacked import train_stacked

__all__ = [
    "DEFAULT_CHECKPOINTS",
    "REGIME_PATTERN",
    "STATUSES",
    "CheckpointError",
    "InsdConfig",
    "NetworkSpec",
    "Phase",
    "PhaseLog",
    "TrainingConfig",
    "TrainingResult",
    "curriculum",
    "evaluate",
    "insd_position",
    "load_training",
    "pad_time",
    "parse_regime",
    "phase_summary",
    "record_activity",
    "regime_gain",
    "retarget",
    "reuse_training",
    "same_training",
    "save_training",
    "select_checkpoints",
    "train",
    "train_job",
    "train_network",
    "train_seeds",
    "train_stacked",
    "_Deflation",
    "_deflation",
    "_eval_batch",
    "_mixed_batch",
    "_run_phase",
    "_state",
]
