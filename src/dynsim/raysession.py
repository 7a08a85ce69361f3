"""Where Ray lives: whether a job uses Ray (:func:`should_use_ray`), which cluster
(:func:`resolve_address`, the one reader of ``RAY_ADDRESS``), and the session itself.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

MIN_OBJECT_STORE_MB = 80  # Ray refuses less than ~75 MB

# The spellings of a job's Ray setting: `dynsim train --ray` says always/never, `dynsim
# compare --backend` (and `pairwise.compute(backend=)`) says ray/inprocess; both say auto.
_ALWAYS = ("always", "ray")
_NEVER = ("never", "inprocess")


def resolve_address(address: str | None) -> str | None:
    """The Ray cluster to attach to: ``address`` if given, else the ``RAY_ADDRESS``
    environment variable, else None (start a private instance)."""
    return address or os.environ.get("RAY_ADDRESS") or None


def should_use_ray(
    mode: str,
    address: str | None,
    *,
    gpu: bool | Callable[[], bool] = False,
    remaining_s: float | None = None,
    threshold_s: float = 20.0,
    cpus: int = 1,
) -> bool:
    """Whether a job runs its work on Ray — the one place this is decided.

    mode : ``"always"``/``"ray"`` → yes; ``"never"``/``"inprocess"`` → no; ``"auto"`` → yes
        when a cluster is named (``address``, already resolved by :func:`resolve_address`),
        or this machine has a GPU (``gpu``: a flag, or a callable asked only when needed), or
        the in-process estimate of the remaining work ``remaining_s`` (seconds; None = not
        measured yet) exceeds ``threshold_s`` and more than one CPU (``cpus``) is available.
        Otherwise no: a private Ray instance costs seconds to start, more than small work.
    Raises ValueError for another mode.
    """
    if mode in _ALWAYS:
        return True
    if mode in _NEVER:
        return False
    if mode != "auto":
        raise ValueError(f"Ray mode must be auto, always/ray or never/inprocess; got {mode!r}")
    if address:
        return True
    if gpu() if callable(gpu) else gpu:
        return True
    return remaining_s is not None and cpus > 1 and remaining_s > threshold_s


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
    address = resolve_address(address)
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
