"""The experiment config: defaults, validation against the JSON schema, and the fan-out.

The schema (``workflow/schemas/config.schema.yaml``, shipped inside the package too) is the
one definition of what a config may say. Unknown keys, unknown task/architecture/metric names
and out-of-range values fail before any job starts, with the offending key in the message.
"""

from __future__ import annotations

import copy
import inspect
import itertools
from importlib import resources
from typing import Any

import jsonschema
import yaml

from dynsim import grid as grids
from dynsim.regimes import insd_position, parse_regime, regime_gain
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


class ConfigError(ValueError):
    """The config does not match the schema; the message names the key."""


def schema() -> dict[str, Any]:
    text = resources.files("dynsim").joinpath("schemas/config.schema.yaml").read_text()
    return yaml.safe_load(text)


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """Validate ``config`` against the schema, fill defaults and check registry names."""
    errors = sorted(
        _DefaultFillingValidator(schema()).iter_errors(config), key=lambda e: list(e.path)
    )
    if errors:
        lines = [f"config key '{_path(e)}': {e.message}" for e in errors]
        raise ConfigError("invalid config:\n  " + "\n  ".join(lines))
    from dynsim import metrics, models, tasks

    checks = [
        ("tasks", config.get("tasks", []), tasks.available()),
        ("architectures", config.get("architectures", []), models.available()),
        (
            "compare.metrics",
            list(config.get("compare", {}).get("metrics", {})),
            metrics.available(),
        ),
    ]
    for key, names, known in checks:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(
                f"config key '{key}': unknown name(s) {unknown}; available: {', '.join(known)}"
            )
    _check_metric_params(config)
    _check_regimes(config)
    _check_task_params(config)
    _check_grid(config)
    return config


def _check_grid(config: dict[str, Any]) -> None:
    """Model hyperparameters of the grid (activation, init_gain) must be keyword arguments of
    every architecture of the fan-out, and a grid over init_gain cannot be combined with the
    master_gain<g> regimes (which set the gain themselves)."""
    grid = config.get("grid") or {}
    for name in grid:
        if grids.GRID_PARAMETERS.get(name) != "model":
            continue
        lacking = [
            a
            for a in config.get("architectures", [])
            if name not in architecture_parameters(a)
        ]
        if lacking:
            raise ConfigError(
                f"config key 'grid.{name}': architectures {lacking} have no parameter "
                f"{name!r} (grid it in an experiment without them)"
            )
    if "init_gain" in grid:
        gains = [r for r in config.get("regimes", []) if regime_gain(r) is not None]
        if gains:
            raise ConfigError(
                f"config key 'grid.init_gain': regimes {gains} set the initial gain themselves"
            )


def architecture_parameters(arch: str) -> list[str]:
    """The keyword arguments of architecture ``arch`` (imports the model registry: torch)."""
    from dynsim import models

    return list(inspect.signature(models.ARCHITECTURES[arch]).parameters)


def _check_metric_params(config: dict[str, Any]) -> None:
    """Every metric of ``compare.metrics`` can be built with its parameters (the metric's own
    constructor checks them), so a bad value fails here rather than in a compare job."""
    from dynsim import metrics

    for name, params in (config.get("compare", {}).get("metrics") or {}).items():
        try:
            metrics.get(name, **(params or {}))
        except (TypeError, ValueError) as err:
            raise ConfigError(f"config key 'compare.metrics.{name}': {err}") from None


def _check_task_params(config: dict[str, Any]) -> None:
    """Per-task parameters name known tasks, and every task can be built with its own."""
    from dynsim import tasks

    section = config.get("task", {})
    per_task = section.get("params", {})
    unknown = [name for name in per_task if name not in tasks.available()]
    if unknown:
        raise ConfigError(
            f"config key 'task.params': unknown task(s) {unknown}; "
            f"available: {', '.join(tasks.available())}"
        )
    shared = {k: v for k, v in section.items() if k != "params"}
    for name in config.get("tasks", []):
        params = {**tasks.accepted_params(name, shared), **per_task.get(name, {})}
        try:
            tasks.get(name, **params)
        except (TypeError, ValueError) as err:
            key = f"task.params.{name}" if name in per_task else "task"
            raise ConfigError(f"config key '{key}': task {name!r}: {err}") from None


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


def _check_regimes(config: dict[str, Any]) -> None:
    """Regime names parse, curricula that need a task family get tasks that have one, INSD
    chains are complete and gain controls get an architecture with an initial gain."""
    from dynsim import tasks

    fan_out = regimes(config)
    for regime in fan_out:
        k = insd_position(regime)
        missing = [f"insd_{j}" for j in range(k or 0) if f"insd_{j}" not in fan_out]
        if missing:
            index = config.get("regimes", []).index(regime)
            raise ConfigError(
                f"config key 'regimes.{index}': link {regime} of an INSD chain needs the "
                f"earlier links {missing} in the fan-out (list them or set insd.chain_length)"
            )
    for index, regime in enumerate(config.get("regimes", [])):
        if regime_gain(regime) is not None:
            no_gain = [
                a
                for a in config.get("architectures", [])
                if "init_gain" not in architecture_parameters(a)
            ]
            if no_gain:
                raise ConfigError(
                    f"config key 'regimes.{index}': regime {regime!r} sets the initial gain, "
                    f"which architectures {no_gain} do not have"
                )
    for index, regime in enumerate(config.get("regimes", [])):
        try:
            parse_regime(regime)
        except ValueError as err:
            raise ConfigError(f"config key 'regimes.{index}': {err}") from None
        if regime.startswith("pretrain") or regime == "multitask":
            # multitask also trains the Yang/Driscoll family together; pretraining needs the
            # basic/anti/delay components only compositional families have.
            multi = regime == "multitask"
            orphans = [
                t
                for t in config.get("tasks", [])
                if tasks.family(t) is None and not (multi and t in tasks.YANG_TASKS)
            ]
            if orphans:
                families = ", ".join(sorted(tasks.FAMILIES)) + (", yang" if multi else "")
                raise ConfigError(
                    f"config key 'regimes.{index}': regime {regime!r} needs tasks of a "
                    f"compositional family ({families}); {orphans} belong to none"
                )


def _fill_defaults(validator_class: type) -> type:
    """A validator that sets each missing property's ``default`` before validating it."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):  # noqa: ANN001
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


_DefaultFillingValidator = _fill_defaults(jsonschema.Draft202012Validator)


def _path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "additionalProperties":
        # The offending key is in the message; name it in the path as well.
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        parts += extra[:1]
    return ".".join(parts) or "<root>"


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
        task_params = {**tasks.accepted_params(task, shared), **per_task.get(task, {})}
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


def training_sources(config: dict[str, Any]) -> dict[str, str]:
    """Network key → key of the earlier network of the fan-out whose training it reuses
    (:func:`dynsim.spec.same_training`: the Yang-family ``multitask`` networks of
    different task names are one network, trained once and recorded per task). Networks
    that train themselves are absent."""
    sources: dict[str, str] = {}
    candidates: list[NetworkSpec] = []  # networks trained themselves that another may reuse
    for spec in network_specs(config):
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
