"""Seeded, vectorised trial generators; the config refers to them by name."""

from __future__ import annotations

from typing import Any

from dynsim.tasks.base import Task, TrialBatch, ms_to_steps
from dynsim.tasks.decision import (
    AntiPerceptualDecisionMaking,
    DelayedAntiPerceptualDecisionMaking,
    DelayedPerceptualDecisionMaking,
    PerceptualDecisionMaking,
)

TASKS: dict[str, type[Task]] = {
    cls.name: cls
    for cls in (
        PerceptualDecisionMaking,
        AntiPerceptualDecisionMaking,
        DelayedPerceptualDecisionMaking,
        DelayedAntiPerceptualDecisionMaking,
    )
}


def available() -> list[str]:
    return sorted(TASKS)


def get(name: str, **params: Any) -> Task:
    """A task by name, constructed with ``params`` (e.g. ``dt``, timings)."""
    try:
        cls = TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; available: {', '.join(available())}") from None
    return cls(**params)


__all__ = ["TASKS", "Task", "TrialBatch", "available", "get", "ms_to_steps"]
