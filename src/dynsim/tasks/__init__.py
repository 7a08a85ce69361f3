"""Seeded, vectorised trial generators; the config refers to them by name.

Compositional families (:data:`FAMILIES`) group four tasks that share one input/output layout:
a *basic* task, its *anti* and *delay* variants, and the *target* that composes both. The
training regimes that pretrain on sub-tasks (see :mod:`dynsim.training`) look them up here.
The INSD tasks (``flipflop``, ``cdi``, ``memorypro_analog``; :mod:`dynsim.tasks.insd`) have
regression targets (trial, time, output) and a masked mean-squared-error loss.
The Yang et al. 2019 / Driscoll et al. 2024 multitask family (:data:`YANG_TASKS`, in rule order;
:mod:`dynsim.tasks.yang`) shares one layout (fixation, two angle modalities, a one-hot rule over
the family) with regression targets (fixation + response angle) and a masked MSE loss.
"""

from __future__ import annotations

from typing import Any

from dynsim.tasks.base import Task, TrialBatch, ms_to_steps
from dynsim.tasks.decision import (
    AntiPerceptualDecisionMaking,
    DelayedAntiPerceptualDecisionMaking,
    DelayedPerceptualDecisionMaking,
    PerceptualDecisionMaking,
)
from dynsim.tasks.gonogo import AntiGoNoGo, DelayedAntiGoNoGo, DelayedGoNoGo, GoNoGoBasic
from dynsim.tasks.insd import ContextDependentIntegration, FlipFlop, InsdTask, MemoryProAnalog
from dynsim.tasks.yang import RULES as YANG_RULES
from dynsim.tasks.yang import (
    ContextIntModality1,
    ContextIntModality2,
    DelayAnti,
    DelayPro,
    IntegrationModality1,
    IntegrationModality2,
    IntegrationMultimodal,
    MemoryAnti,
    MemoryPro,
    ReactAnti,
    ReactCategoryAnti,
    ReactCategoryPro,
    ReactMatch2Sample,
    ReactNonMatch2Sample,
    ReactPro,
    YangTask,
)

TASKS: dict[str, type[Task]] = {
    cls.name: cls
    for cls in (
        PerceptualDecisionMaking,
        AntiPerceptualDecisionMaking,
        DelayedPerceptualDecisionMaking,
        DelayedAntiPerceptualDecisionMaking,
        GoNoGoBasic,
        AntiGoNoGo,
        DelayedGoNoGo,
        DelayedAntiGoNoGo,
        FlipFlop,
        ContextDependentIntegration,
        MemoryProAnalog,
        DelayPro,
        DelayAnti,
        MemoryPro,
        MemoryAnti,
        ReactPro,
        ReactAnti,
        IntegrationModality1,
        IntegrationModality2,
        ContextIntModality1,
        ContextIntModality2,
        IntegrationMultimodal,
        ReactMatch2Sample,
        ReactNonMatch2Sample,
        ReactCategoryPro,
        ReactCategoryAnti,
    )
}

# The Yang et al. 2019 / Driscoll et al. 2024 multitask family, in the order of its one-hot rule
# input (one layout, so that a network can be trained on any subset with the rule telling which).
YANG_TASKS: tuple[str, ...] = YANG_RULES

# family → component → task name. The components basic/anti/delay are what the
# `pretrain_<subset>_…` regimes pretrain on; `target` composes anti and delay.
FAMILIES: dict[str, dict[str, str]] = {
    "pdm": {"basic": "pdm", "anti": "anti_pdm", "delay": "pdm_delay", "target": "anti_pdm_delay"},
    "gonogo": {
        "basic": "gonogo",
        "anti": "anti_gonogo",
        "delay": "gonogo_delay",
        "target": "anti_gonogo_delay",
    },
}
COMPONENTS = ("basic", "anti", "delay")


def available() -> list[str]:
    return sorted(TASKS)


def get(name: str, **params: Any) -> Task:
    """A task by name, constructed with ``params`` (e.g. ``dt``, timings)."""
    try:
        cls = TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(available())}") from None
    return cls(**params)


def accepted_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``params`` that task ``name``'s constructor takes.

    The config's ``task`` section is shared by every task of an experiment; keys that a task
    has no use for (e.g. ``coherences`` for ``flipflop``) are left out for that task.
    """
    import inspect

    try:
        signature = inspect.signature(TASKS[name].__init__)
    except KeyError:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(available())}") from None
    taken = signature.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in taken.values()):
        return dict(params)
    return {k: v for k, v in params.items() if k in taken}


def family(name: str) -> dict[str, str] | None:
    """The compositional family (component → task name) that task ``name`` belongs to."""
    for members in FAMILIES.values():
        if name in members.values():
            return dict(members)
    return None


__all__ = [
    "COMPONENTS",
    "FAMILIES",
    "TASKS",
    "YANG_TASKS",
    "InsdTask",
    "Task",
    "TrialBatch",
    "YangTask",
    "accepted_params",
    "available",
    "family",
    "get",
    "ms_to_steps",
]
