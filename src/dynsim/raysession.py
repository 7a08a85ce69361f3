"""Where Ray lives: one helper used by every job that runs Ray tasks.

* If ``address`` is given (config ``ray.address``) or ``RAY_ADDRESS`` is set, attach to that
  cluster — work then runs wherever the cluster has room, GPUs included.
* Otherwise start a **private** local instance (``address="local"``: never silently attach to
  another user's cluster on the node) sized to the job's threads, with a bounded object store,
  no dashboard, and shut it down when the job ends.

GPUs are requested by tasks only when the session has them (:func:`gpus_available`).
Measured cost of a private instance is in README.md (performance notes).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MIN_OBJECT_STORE_MB = 80  # Ray refuses less than ~75 MB


@contextmanager
def ray_session(
    num_cpus: int | None = None,
    address: str | None = None,
    object_store_mb: int = 256,
) -> Iterator[Any]:
    """A Ray session for the duration of a ``with`` block; yields the ``ray`` module."""
    import ray

    if ray.is_initialized():  # nested use inside a job that already has a session
        yield ray
        return
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    else:
        ray.init(
            address="local",
            num_cpus=num_cpus or os.cpu_count() or 1,
            object_store_memory=max(object_store_mb, MIN_OBJECT_STORE_MB) * 1024**2,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
            # Workers import dynsim from the same interpreter; nothing to ship.
        )
    try:
        yield ray
    finally:
        ray.shutdown()


def gpus_available() -> float:
    """GPUs the current Ray session offers (0 when none or when Ray is not running)."""
    import ray

    if not ray.is_initialized():
        return 0.0
    return float(ray.cluster_resources().get("GPU", 0.0))


def task_options(num_cpus: int = 1) -> dict[str, Any]:
    """Ray ``.options(...)`` for one job's main task: one GPU when the session has any."""
    return {"num_cpus": num_cpus, "num_gpus": 1 if gpus_available() >= 1 else 0}
