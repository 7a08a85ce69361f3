"""Training regimes: the names, their grammar, and the curriculum each one trains.

This module imports no torch: the workflow's parse and ``dynsim check-config`` use it.

Regimes (the compositional groups of Guilhot et al. 2024; ``task`` is the target task and its
family's components — basic, anti, delay — are looked up with :func:`dynsim.tasks.family`):

- ``untrained``: never trained; one snapshot, at step 0; status ``untrained``.
- ``master``: the target task only, every parameter trained.
- ``master_frozen``: the target task only, only the input weights trained.
- ``multitask``: all four tasks of the family interleaved (mixed in every batch),
  every parameter trained, until every task reaches the criterion. For a task of the Yang
  2019 / Driscoll 2024 family (:data:`dynsim.tasks.YANG_TASKS`): all 15 tasks of that family
  interleaved, as Yang et al. train; the network of each task name is then the same network
  (same seed, same batches), recorded on that task's test set — the workflow trains it once
  and gives the other task names its checkpoint (:func:`same_training`, :func:`retarget`).
- ``pretrain_<subset>_frozen`` / ``pretrain_<subset>_unfrozen``, with ``<subset>`` one or more
  of ``basic``, ``anti``, ``delay`` in that order joined by ``_`` (absent = all three, as in
  ``pretrain_frozen``): pretrain on those sub-tasks interleaved (every parameter trained, until
  each reaches ``pretrain_target_accuracy`` or ``pretrain_steps`` run out), then train the
  target task with only the input weights (``model.input_parameters()``) trainable (frozen)
  or with everything trainable (unfrozen).
- ``master_gain<g>``: ``master`` with the recurrent weights initialised at gain g (``p`` for the
  decimal point: ``master_gain0p5`` is gain 0.5); the control networks of the INSD study.
  Needs an architecture with an ``init_gain`` parameter (``leaky_rnn``).
- ``insd_<k>``: link k of an Iterative Neural Similarity Deflation chain (Qian & Pehlevan
  2025; :mod:`dynsim.insd`). Link 0 is ``master``; link k > 0 is trained on
  L_task + λ Σ_{i<k} r²(R_k⊥ → R_i⊥), the earlier links (passed to :func:`train` as
  ``previous``) run in eval mode without gradient on the same input batch at every step.

Only the last phase of a curriculum (the target task) is *recorded*: its snapshots make the
checkpoint schedule (step 0 = the end of pretraining) and its status is the network's status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dynsim.spec import NetworkSpec

# Every valid regime name (see the module docstring); the config schema uses the same pattern.
REGIME_PATTERN = (
    r"^(untrained|master|master_frozen|multitask|master_gain[0-9]+(p[0-9]+)?|insd_(0|[1-9][0-9]*)"
    r"|pretrain(_basic)?(_anti)?(_delay)?_(frozen|unfrozen))$"
)


@dataclass(frozen=True)
class Phase:
    """One stage of a curriculum.

    ``tasks`` are trained interleaved (every batch mixes trials of all of them); ``trainable`` is
    ``"all"`` or ``"input"`` (only ``model.input_parameters()``); the phase stops when every
    task's accuracy on its evaluation batch reaches ``target_accuracy`` or after ``max_steps``.
    Only a ``recorded`` phase keeps snapshots for the checkpoint schedule.
    """

    name: str
    tasks: tuple[str, ...]
    trainable: str
    max_steps: int
    target_accuracy: float
    recorded: bool


def parse_regime(regime: str) -> dict[str, Any]:
    """The parts of a regime name: ``pretrain`` (components, in order), ``frozen`` (bool).

    Raises ``ValueError`` for a name that is not a regime (see :data:`REGIME_PATTERN`).
    """
    if not re.match(REGIME_PATTERN, regime):
        raise ValueError(
            f"unknown regime {regime!r}: expected untrained, master, master_frozen, multitask, "
            "or pretrain[_basic][_anti][_delay]_(frozen|unfrozen)"
        )
    if not regime.startswith("pretrain"):
        return {"pretrain": (), "frozen": regime == "master_frozen"}
    from dynsim import tasks  # the task registry, only for the curricula that need a family

    parts = regime.split("_")[1:-1]
    return {"pretrain": tuple(parts) or tasks.COMPONENTS, "frozen": regime.endswith("_frozen")}


def insd_position(regime: str) -> int | None:
    """k for the regime ``insd_<k>`` (link k of a deflation chain), else None."""
    match = re.fullmatch(r"insd_(0|[1-9][0-9]*)", regime)
    return int(match.group(1)) if match else None


def regime_gain(regime: str) -> float | None:
    """g for the control regime ``master_gain<g>`` (``p`` = decimal point), else None."""
    match = re.fullmatch(r"master_gain([0-9]+)(?:p([0-9]+))?", regime)
    if match is None:
        return None
    return float(f"{match.group(1)}.{match.group(2) or 0}")


def curriculum(spec: NetworkSpec) -> list[Phase]:
    """The phases that train ``spec`` (empty for ``untrained``); the last one is recorded."""
    from dynsim import tasks  # the families and the Yang rule order live with the tasks

    cfg = spec.training
    regime = parse_regime(spec.regime)
    target = Phase(
        name="target",
        tasks=(spec.task,),
        trainable="input" if regime["frozen"] else "all",
        max_steps=cfg.max_steps,
        target_accuracy=cfg.target_accuracy,
        recorded=True,
    )
    if spec.regime == "untrained":
        return []
    if spec.regime in ("master", "master_frozen"):
        return [target]
    if insd_position(spec.regime) is not None or regime_gain(spec.regime) is not None:
        return [target]
    if spec.regime == "multitask" and spec.task in tasks.YANG_TASKS:
        members = tuple(tasks.YANG_TASKS)
        return [Phase("multitask", members, "all", cfg.max_steps, cfg.target_accuracy, True)]
    family = tasks.family(spec.task)
    if family is None:
        raise ValueError(
            f"regime {spec.regime!r} needs a task of a compositional family "
            f"({', '.join(sorted(tasks.FAMILIES))}); {spec.task!r} is in none"
        )
    if spec.regime == "multitask":
        members = tuple(family[c] for c in (*tasks.COMPONENTS, "target"))
        return [Phase("multitask", members, "all", cfg.max_steps, cfg.target_accuracy, True)]
    pretrain = Phase(
        name="pretrain",
        tasks=tuple(family[c] for c in regime["pretrain"]),
        trainable="all",
        max_steps=cfg.pretrain_steps or cfg.max_steps,
        target_accuracy=(
            cfg.target_accuracy
            if cfg.pretrain_target_accuracy is None
            else cfg.pretrain_target_accuracy
        ),
        recorded=False,
    )
    return [pretrain, target]


def regime_role(regime: str) -> str:
    """``standard`` (task loss only: master, insd_0, master_gain<g>), ``alternative`` (INSD
    link k ≥ 1) or ``other`` (curricula, untrained) — the roles the INSD battery compares."""
    k = insd_position(regime)
    if k is not None:
        return "standard" if k == 0 else "alternative"
    if regime == "master" or regime_gain(regime) is not None:
        return "standard"
    return "other"
