"""Seeded, vectorised trial generators; the config refers to them by name.

Compositional families (:data:`FAMILIES`) group four tasks that share one input/output layout:
a *basic* task, its *anti* and *delay* variants, and the *target* that composes both. The
training regimes that pretrain on sub-tasks (see :mod:`dynsim.training`) look them up here.
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
    "Task",
    "TrialBatch",
    "available",
    "family",
    "get",
    "ms_to_steps",
]
