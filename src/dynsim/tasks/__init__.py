"""Seeded, vectorised trial generators; the config refers to them by name.

Compositional families (:data:`FAMILIES`) group four tasks that share one input/output layout:
a *basic* task, its *anti* and *delay* variants, and the *target* that composes both. The
training regimes that pretrain on sub-tasks (see :mod:`dynsim.training`) look them up here.
The INSD tasks (``flipflop``, ``cdi``, ``memorypro_analog``; :mod:`dynsim.tasks.insd`) have
regression targets (trial, time, output) and a masked mean-squared-error loss.
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
    )
}

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
    "InsdTask",
    "Task",
    "TrialBatch",
    "accepted_params",
    "available",
    "family",
    "get",
    "ms_to_steps",
]
