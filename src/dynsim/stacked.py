"""Deprecated alias of :mod:`dynsim.training.stacked` (remove after 0.2)."""

from dynsim.training.stacked import (  # noqa: F401
    ARCHITECTURES,
    Params,
    Step,
    batched_forward,
    batched_step,
    can_stack,
    check_stackable,
    train_stacked,
)
