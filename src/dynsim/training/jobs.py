"""Training jobs as the workflow runs them (``dynsim train`` / ``train-seeds``): specs and
checkpoint files in, checkpoint files out. Each trains on the GPU when there is one (the one
Ray assigned, inside a Ray worker), else on the CPU with ``threads`` threads."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from dynsim.spec import NetworkSpec
from dynsim.training.checkpoint import load_training, save_training
from dynsim.training.loop import retarget, train
from dynsim.training.result import TrainingResult
from dynsim.training.stacked import train_stacked


def _device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def train_job(
    spec: NetworkSpec | dict[str, Any],
    threads: int = 1,
    previous: Sequence[TrainingResult] = (),
) -> TrainingResult:
    """:func:`dynsim.training.train` of ``spec`` (or its dict, as it crosses a process
    boundary into a Ray worker) on this process's device; ``previous`` as for ``train``."""
    if isinstance(spec, dict):
        spec = NetworkSpec.from_dict(spec)
    torch.set_num_threads(threads)
    return train(spec, device=_device(), previous=list(previous))


def train_network(
    spec: NetworkSpec,
    out: str | os.PathLike[str],
    *,
    threads: int = 1,
    previous: Sequence[str | os.PathLike[str]] = (),
    ray_mode: str = "auto",
    ray_address: str | None = None,
    object_store_mb: int = 256,
) -> tuple[TrainingResult, bool]:
    """The ``dynsim train`` job: train ``spec`` and save its checkpoint file ``out``.

    ``previous``: the checkpoint files of links 0..k−1 for an ``insd_<k>`` link. Training runs
    as a Ray task when :func:`dynsim.raysession.should_use_ray` says so for ``ray_mode``
    (``auto``: a cluster is named, here or in ``RAY_ADDRESS``, or this machine has a GPU;
    ``always``; ``never``), else in this process. Returns the result and whether Ray ran it.
    Raises the errors of :func:`load_training` for unreadable ``previous`` files.
    """
    from dynsim.raysession import ray_session, resolve_address, should_use_ray, task_options

    earlier = [load_training(path) for path in previous]
    address = resolve_address(ray_address)
    on_ray = should_use_ray(ray_mode, address, gpu=torch.cuda.is_available)
    if on_ray:
        with ray_session(threads, address, object_store_mb) as ray:
            remote = ray.remote(train_job).options(**task_options(threads))
            result = ray.get(remote.remote(spec.to_dict(), threads, earlier))
    else:
        result = train_job(spec, threads, earlier)
    save_training(result, out)
    return result, on_ray


def reuse_training(
    spec: NetworkSpec, source: str | os.PathLike[str], out: str | os.PathLike[str]
) -> tuple[TrainingResult, TrainingResult]:
    """Save the checkpoint of ``source``, a network that trains identically to ``spec``
    (:func:`dynsim.spec.same_training`), as the checkpoint ``out`` of ``spec`` without
    training (:func:`dynsim.training.retarget`). Returns (source's result, ``spec``'s).

    Raises ValueError naming ``source`` if the two are not the same training; the errors of
    :func:`load_training` if it cannot be read.
    """
    original = load_training(source)
    try:
        result = retarget(original, spec)
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None
    save_training(result, out)
    return original, result


def train_seeds(
    specs: Sequence[NetworkSpec], outs: Sequence[str | os.PathLike[str]], threads: int = 1
) -> list[TrainingResult]:
    """Train ``specs`` (differing only in seed) together with stacked weights
    (:func:`dynsim.training.train_stacked`) and save each to its checkpoint file in ``outs``.
    ValueError if the counts differ or the specs cannot stack."""
    if len(specs) != len(outs):
        raise ValueError(f"{len(specs)} specs but {len(outs)} output files")
    torch.set_num_threads(threads)
    results = train_stacked(list(specs), device=_device())
    for result, path in zip(results, outs, strict=True):
        save_training(result, Path(path))
    return results
