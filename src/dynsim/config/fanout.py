"""The fan-out of a validated config: every network it trains (task × architecture × grid
variant × seed × regime), their paths, which reuse another's training and which train
stacked."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from dynsim import grid as grids
from dynsim.regimes import insd_position
from dynsim.spec import (
    InsdConfig,
    NetworkSpec,
    TrainingConfig,
    can_stack,
    group_key,
    path_pattern,
    same_training,
)

# The task, model and metric registries are imported inside the functions that use them, so
# that importing this module (the workflow's parse, check-config) loads none of them.


def regimes(config: dict[str, Any]) -> list[str]:
    """The fan-out's regimes: ``regimes`` then, when ``insd.chain_length`` = K is set, the
    links insd_0..insd_{K−1} not already listed."""
    listed = list(config.get("regimes", ["master"]))
    length = (config.get("insd") or {}).get("chain_length")
    return listed + [f"insd_{k}" for k in range(length or 0) if f"insd_{k}" not in listed]


def insd_enabled(config: dict[str, Any]) -> bool:
    """Whether the INSD analysis battery is part of the workflow: ``insd.enabled`` or any
    ``insd_<k>`` regime in the fan-out."""
    if (config.get("insd") or {}).get("enabled"):
        return True
    return any(insd_position(r) is not None for r in regimes(config))


def has_grid(config: dict[str, Any]) -> bool:
    """Whether the config has a (non-empty) hyperparameter grid."""
    return bool(config.get("grid"))


def network_path(config: dict[str, Any]) -> str:
    """The workflow's network path with wildcards: ``{task}/{arch}/{regime}/seed{seed}``, with a
    ``{variant}`` level before the seed when the config has a grid."""
    return path_pattern(has_grid(config))


def network_specs(config: dict[str, Any]) -> list[NetworkSpec]:
    """Every network of the fan-out: task × architecture × variant × seed × regime.

    The variants are the combinations of the ``grid`` section (one, empty, without a grid);
    a grid value overrides the same hyperparameter set elsewhere (``model.hidden_size``,
    ``training.*``, ``model.params.<arch>.*``)."""
    from dynsim import tasks

    # stack_seeds says how the workflow schedules training, not what a network is.
    training = TrainingConfig(
        **{
            k: tuple(v) if isinstance(v, list) else v
            for k, v in config["training"].items()
            if k != "stack_seeds"
        }
    )
    shared = {k: v for k, v in config["task"].items() if k != "params"}
    per_task = config["task"].get("params", {})
    penalty = config.get("insd") or {}
    window = penalty.get("window")
    insd = InsdConfig(
        lam=float(penalty.get("lambda", InsdConfig.lam)),
        ridge=float(penalty.get("ridge", InsdConfig.ridge)),
        window=(window,) if isinstance(window, str) else (tuple(window) if window else None),
        center=bool(penalty.get("center", InsdConfig.center)),
        noise_free=bool(penalty.get("noise_free", InsdConfig.noise_free)),
    )
    # The shared task keys each task takes, once per task (not per network: the signature
    # lookup is most of the time of building 10,000 specs).
    accepted = {task: tasks.accepted_params(task, shared) for task in config["tasks"]}
    specs = []
    for task, arch, variant, seed, regime in itertools.product(
        config["tasks"],
        config["architectures"],
        grids.variants(config.get("grid")),
        config["seeds"],
        regimes(config),
    ):
        model_params = dict(config["model"].get("params", {}).get(arch, {}))
        model_params.setdefault("tau", config["model"]["tau_ms"])
        # The shared task keys a task takes (all of them for the decision families), then the
        # task's own parameters from task.params.<name>.
        task_params = {**accepted[task], **per_task.get(task, {})}
        spec = NetworkSpec(
            task=task,
            arch=arch,
            seed=int(seed),
            regime=regime,
            hidden_size=int(config["model"]["hidden_size"]),
            task_params=task_params,
            model_params=model_params,
            training=training,
            insd=insd if (insd_position(regime) or 0) > 0 else None,  # link 0 = master
        )
        specs.append(spec.with_variant(variant) if variant else spec)
    return specs


def previous_links(config: dict[str, Any], wildcards: Mapping[str, Any]) -> list[str]:
    """The network keys an INSD link trains against: for regime ``insd_<k>``, links
    ``insd_0`` … ``insd_<k−1>`` of the same task, architecture, grid variant and seed, in
    chain order; ``[]`` for any other regime and for link 0. ``wildcards``: the network's
    path fields (task, arch, regime, seed, and variant with a grid), as the workflow's train
    rule has them. The workflow's ``previous_links`` input function maps these to
    checkpoint files."""
    k = insd_position(str(wildcards["regime"])) or 0
    pattern = network_path(config)
    return [pattern.format(**{**wildcards, "regime": f"insd_{j}"}) for j in range(k)]


def training_sources(
    config: dict[str, Any], specs: Iterable[NetworkSpec] | None = None
) -> dict[str, str]:
    """Network key → key of the earlier network of the fan-out whose training it reuses
    (:func:`dynsim.spec.same_training`: the Yang-family ``multitask`` networks of
    different task names are one network, trained once and recorded per task). Networks
    that train themselves are absent. ``specs``: the fan-out's specs in order, when the
    caller has them (``network_specs(config)`` otherwise)."""
    sources: dict[str, str] = {}
    candidates: list[NetworkSpec] = []  # networks trained themselves that another may reuse
    for spec in network_specs(config) if specs is None else specs:
        if spec.regime != "multitask":
            continue
        source = next((t for t in candidates if same_training(t, spec)), None)
        if source is None:
            candidates.append(spec)
        else:
            sources[spec.key] = source.key
    return sources


def stacked_groups(config: dict[str, Any]) -> dict[str, list[NetworkSpec]]:
    """With ``training.stack_seeds``: the networks trained together, by group path (the network
    path without its seed level) → their specs in seed order. Only groups
    :func:`dynsim.spec.can_stack` accepts with two or more seeds; the others train alone.
    Empty when ``stack_seeds`` is off."""
    if not config["training"].get("stack_seeds"):
        return {}
    groups: dict[str, list[NetworkSpec]] = {}
    for spec in network_specs(config):
        groups.setdefault(group_key(spec), []).append(spec)
    return {
        key: sorted(specs, key=lambda s: s.seed)
        for key, specs in groups.items()
        if len(specs) >= 2 and can_stack(specs)
    }
