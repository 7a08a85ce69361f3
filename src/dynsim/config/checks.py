"""Validation of a config: the JSON schema (which fills defaults), then every nested key the
schema cannot judge alone — registry names, metric, model and task parameters, the compare
selection against what is recorded, regimes, grids, checkpoints, NaN/inf — each error naming
the key, before any job starts."""

from __future__ import annotations

import copy
import difflib
import inspect
import itertools
import math
from dataclasses import replace
from importlib import resources
from typing import Any

import jsonschema
import numpy as np
import xarray as xr
import yaml

from dynsim import grid as grids

# The task, model and metric registries are imported inside the functions that use them, so
# that importing this module (the workflow's parse, check-config) loads none of them.
from dynsim.config.fanout import insd_enabled, network_specs, regimes
from dynsim.regimes import insd_position, parse_regime, regime_gain


class ConfigError(ValueError):
    """The config does not match the schema; the message names the key (or the file)."""


#: The workflow's default config, next to the Snakefile; ``--configfile`` overlays merge over it.
DEFAULT_CONFIG = "config.yaml"
#: Seeds must fit every RNG they reach (NumPy's legacy RandomState takes < 2**32).
MAX_SEED = 2**32 - 1


def schema() -> dict[str, Any]:
    text = resources.files("dynsim").joinpath("schemas/config.schema.yaml").read_text()
    return yaml.safe_load(text)


def validate(config: dict[str, Any]) -> dict[str, Any]:
    """Validate ``config`` (the merged config, see :func:`load`) in place and return it:
    no NaN or infinite number anywhere, the JSON schema (which fills defaults), the
    registries' names, then every nested section by building what it configures (metrics,
    models, tasks and their test sets, the compare selection).

    Raises ConfigError whose first line is ``config key '<dotted.path>': <what is wrong>``
    (further schema errors on the following lines)."""
    if not isinstance(config, dict):
        raise ConfigError(f"config: the top level must be a mapping, got {type(config).__name__}")
    _check_finite(config, "")
    errors = sorted(
        _DefaultFillingValidator(schema()).iter_errors(config),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        lines = [f"config key '{_path(e)}': {_message(e)}" for e in errors]
        more = f"\n  ({len(lines) - 1} more:)\n  " + "\n  ".join(lines[1:]) if lines[1:] else ""
        raise ConfigError(lines[0] + more)
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
    _check_checkpoints(config)
    _check_metric_params(config)
    _check_regimes(config)
    _check_task_params(config)
    _check_grid(config)
    _check_models(config)
    # Each task's test trials, built at most once for the checks that need them.
    test_sets: dict[str, Any] = {}
    _check_selection(config, test_sets)
    _check_time_normalize(config, test_sets)
    _check_dsa_embedding(config, test_sets)
    _check_cluster(config)
    _check_guilhot(config)
    return config


def _check_cluster(config: dict[str, Any]) -> None:
    """GPU training in groups needs the node's CPU count: a grouped job runs one GPU training
    at a time only when a training takes the whole node's CPUs (workflow/rules/common.smk),
    else Snakemake would ask SLURM for train_gpus × group_size GPUs."""
    cluster = config["cluster"]
    if cluster["train_gpus"] and cluster["group_size"] > 1 and cluster["cpus_per_node"] is None:
        raise ConfigError(
            "config key 'cluster.cpus_per_node': required with cluster.train_gpus > 0 and "
            "cluster.group_size > 1 (a grouped job trains one network at a time on its GPUs, "
            "using the node's CPUs); set it, or group_size: 1"
        )


def _check_guilhot(config: dict[str, Any]) -> None:
    """The Guilhot et al. 2024 reproduction compares every group with ``master`` of its
    configuration, so the regimes must include it; its progress points must be strictly
    increasing (one curve point each)."""
    section = config.get("guilhot")
    if section is None:
        return
    if "master" not in config.get("regimes", []):
        raise ConfigError(
            "config key 'guilhot': the reproduction compares each group with master, "
            "which 'regimes' lacks"
        )
    points = section.get("progress") or []
    if any(b <= a for a, b in zip(points, points[1:], strict=False)):
        raise ConfigError(f"config key 'guilhot.progress': {points} is not strictly increasing")
    # The activation filter keeps configurations whose activation it lists; one that names an
    # activation the grid never trains is a typo, and would drop those configurations after
    # every network has been trained.
    kept = section.get("activations")
    grid_values = (config.get("grid") or {}).get("activation")
    if kept is not None and grid_values:
        unknown = [a for a in kept if a not in grid_values]
        if unknown:
            raise ConfigError(
                f"config key 'guilhot.activations': {unknown} not among the activations the "
                f"grid trains (grid.activation: {list(grid_values)}); the filter would keep "
                "no configuration of them"
            )


def _check_finite(value: Any, path: str) -> None:
    """No NaN or ±inf anywhere (YAML ``.nan``, ``.inf``): the schema's bounds do not catch
    them (every comparison with NaN is false), and inf learning rates or taus run to exit 0
    with every network diverged."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"config key '{path or '<root>'}': {value} is not a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_finite(item, f"{path}.{index}" if path else str(index))


def _check_checkpoints(config: dict[str, Any]) -> None:
    """training.checkpoints must be strictly increasing: the last one is "final" and an
    index counts in this order, so an unsorted list would make "final" the untrained
    network. Rejected rather than sorted, so that indices mean what the user wrote.

    Every ``compare.learning`` fraction must be one of them: an over-learning matrix at
    progress p compares each network's checkpoint nearest to p, so a fraction between two
    recorded ones (0.25 between 0.2 and 0.3) would be labelled 0.25 while showing 0.2."""
    fractions = config["training"]["checkpoints"]
    for index, (a, b) in enumerate(itertools.pairwise(fractions)):
        if not a < b:
            raise ConfigError(
                f"config key 'training.checkpoints.{index + 1}': {b} after {a}; the "
                f"checkpoints must be strictly increasing (got {fractions})"
            )
    for index, point in enumerate(config["compare"]["learning"]):
        if not any(math.isclose(point, f, abs_tol=1e-12) for f in fractions):
            raise ConfigError(
                f"config key 'compare.learning.{index}': progress {point} is not a recorded "
                f"checkpoint; training.checkpoints records {fractions} (add {point} there or "
                f"pick one of those)"
            )


def _check_grid(config: dict[str, Any]) -> None:
    """Model hyperparameters of the grid (activation, init_gain) must be keyword arguments of
    every architecture of the fan-out, and a grid over init_gain cannot be combined with the
    master_gain<g> regimes (which set the gain themselves)."""
    grid = config.get("grid") or {}
    for name in grid:
        if grids.GRID_PARAMETERS.get(name) != "model":
            continue
        lacking = [
            a for a in config.get("architectures", []) if name not in architecture_parameters(a)
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


def _check_models(config: dict[str, Any]) -> None:
    """Every network's time constant is at least its task's time step (the models' own
    requirement 0 < dt ≤ tau, named here with its key). The keywords and values of
    ``model.params.<arch>`` are checked by the schema, whose per-architecture lists are
    tested against the classes' signatures: the check needs no torch, so the workflow's
    parse stays light."""
    per_arch = config["model"].get("params") or {}
    for spec in network_specs(config):
        dt = float(spec.task_params.get("dt", config["task"]["dt"]))
        tau = spec.model_params.get("tau")
        if isinstance(tau, (int, float)) and tau < dt:
            own = "tau" in (per_arch.get(spec.arch) or {})
            key = f"model.params.{spec.arch}.tau" if own else "model.tau_ms"
            raise ConfigError(
                f"config key '{key}': tau = {tau} ms is shorter than the time step of task "
                f"{spec.task!r} (dt = {dt} ms); a leaky network needs dt ≤ tau"
            )


def _test_set(config: dict[str, Any], name: str, built: dict[str, Any]) -> Any:
    """Task ``name``'s test trials (a :class:`dynsim.tasks.TrialBatch`) exactly as the record
    jobs build them (``record.n_repeats``, ``record.seed``, the task's shared and own
    parameters), built once per validation: ``built`` keeps them by task name."""
    if name not in built:
        from dynsim import tasks

        shared = {k: v for k, v in config["task"].items() if k != "params"}
        own = config["task"].get("params", {}).get(name, {})
        params = {**tasks.accepted_params(name, shared), **own}
        record = config["record"]
        built[name] = tasks.get(name, **params).test_batch(
            n_repeats=int(record["n_repeats"]), seed=int(record["seed"])
        )
    return built[name]


def _check_selection(config: dict[str, Any], test_sets: dict[str, Any] | None = None) -> None:
    """What ``compare`` selects exists in what the workflow records: ``checkpoint`` is
    "final", an index into ``training.checkpoints`` (negative counts from the end) or one of
    its fractions; ``epoch`` (and ``insd.window``) name epochs of every task's test trials;
    ``trials`` and ``average_over`` name condition labels every task records, and each task
    keeps at least one trial. The test sets are built exactly as the record jobs build them
    (``record.n_repeats``, ``record.seed``)."""
    from dynsim import tasks

    compare = config["compare"]
    fractions = config["training"]["checkpoints"]
    checkpoint = compare["checkpoint"]
    n = len(fractions)
    if isinstance(checkpoint, bool):
        raise ConfigError(f"config key 'compare.checkpoint': {checkpoint} is not a checkpoint")
    if isinstance(checkpoint, int) and not -n <= checkpoint < n:
        raise ConfigError(
            f"config key 'compare.checkpoint': index {checkpoint} is out of range for the "
            f"{n} checkpoints of training.checkpoints {fractions} (valid: {-n}..{n - 1}, "
            "or 'final', or one of the fractions)"
        )
    if isinstance(checkpoint, float) and not any(abs(checkpoint - f) < 1e-9 for f in fractions):
        raise ConfigError(
            f"config key 'compare.checkpoint': fraction {checkpoint} is not one of "
            f"training.checkpoints {fractions} (an integer is an index)"
        )

    windows = [("compare.epoch", compare.get("epoch"))]
    if insd_enabled(config):
        windows.append(("insd.window", (config.get("insd") or {}).get("window")))
    if not (
        any(epoch for _, epoch in windows) or compare.get("trials") or compare.get("average_over")
    ):
        return  # nothing selected by name: no test set to build (generating one needs torch)

    test_sets = {} if test_sets is None else test_sets
    shared = {k: v for k, v in config["task"].items() if k != "params"}
    per_task = config["task"].get("params", {})
    by_label = bool(compare.get("trials") or compare.get("average_over"))
    recorded: dict[str, tuple[set[str], dict[str, Any]]] = {}
    for name in config["tasks"]:
        params = {**tasks.accepted_params(name, shared), **per_task.get(name, {})}
        task = tasks.get(name, **params)
        names = getattr(task, "epoch_names", None)
        if names is not None and not by_label:
            # Only epochs asked for: an epoch task's test trials run through every one of its
            # epoch_names (each test duration is at least one step, checked when the task is
            # built), so the names answer without generating trials, which needs torch.
            recorded[name] = ({str(e) for e in names}, {})
            continue
        batch = _test_set(config, name, test_sets)
        epochs = {str(e) for e in batch.epoch_labels()[0] if e}
        recorded[name] = (epochs, {k: np.asarray(v) for k, v in batch.conditions.items()})

    for key, epoch in windows:
        wanted = [epoch] if isinstance(epoch, str) else list(epoch or [])
        for name, (epochs, _) in recorded.items():
            missing = [e for e in wanted if e not in epochs]
            if missing:
                raise ConfigError(
                    f"config key '{key}': task {name!r} has no epoch(s) {missing}; its "
                    f"epochs: {', '.join(sorted(epochs))}"
                )

    for key, labels in [
        ("compare.trials", list(compare.get("trials") or {})),
        ("compare.average_over", list(compare.get("average_over") or [])),
    ]:
        for name, (_, conditions) in recorded.items():
            missing = [label for label in labels if label not in conditions]
            if missing:
                raise ConfigError(
                    f"config key '{key}': task {name!r} records no condition label(s) "
                    f"{missing}; its labels: {', '.join(sorted(conditions))}"
                )
    for label, allowed in (compare.get("trials") or {}).items():
        key = f"compare.trials.{label}"
        values = list(allowed)
        matched = [
            v
            for v in values
            if any(np.isin(conds[label], [v]).any() for _, conds in recorded.values())
        ]
        unmatched = [v for v in values if v not in matched]
        if unmatched:
            present = sorted(
                {_plain(x) for _, conds in recorded.values() for x in conds[label]}, key=str
            )
            raise ConfigError(
                f"config key '{key}': no recorded trial has {label} = {unmatched}; "
                f"recorded values: {present[:20]}{' ...' if len(present) > 20 else ''}"
            )
    for name, (_, conditions) in recorded.items():
        keep = np.ones(len(next(iter(conditions.values()), [])), dtype=bool)
        for label, allowed in (compare.get("trials") or {}).items():
            keep &= np.isin(conditions[label], list(allowed))
        if conditions and compare.get("trials") and not keep.any():
            raise ConfigError(
                f"config key 'compare.trials': no trial of task {name!r} has every selected "
                f"value ({dict(compare['trials'])})"
            )


def _check_time_normalize(config: dict[str, Any], test_sets: dict[str, Any] | None = None) -> None:
    """``compare.time_normalize`` fits what is recorded: its metrics are among
    ``compare.metrics``; its phases are well formed and, on every task's test trials (built as
    the record jobs build them), each phase has an epoch, its epochs are contiguous and the
    phases are in time order; and after ``trials`` and ``average_over`` every task gives the
    same number of trials, since samples must correspond for the option to make sense."""
    options = config["compare"].get("time_normalize")
    if not options:
        return
    from dynsim.pairwise.selection import Selection, SelectionError, normalize_time

    chosen = options.get("metrics")
    unknown = [m for m in chosen or [] if m not in config["compare"]["metrics"]]
    if unknown:
        raise ConfigError(
            f"config key 'compare.time_normalize.metrics': {unknown} not in compare.metrics "
            f"({', '.join(config['compare']['metrics'])})"
        )
    try:
        selection = Selection.from_config(
            {k: v for k, v in config["compare"].items() if k != "checkpoint"}
        )
    except SelectionError as err:
        raise ConfigError(f"config key 'compare.time_normalize.phases': {err}") from None

    test_sets = {} if test_sets is None else test_sets
    counts: dict[str, int] = {}
    for name in config["tasks"]:
        batch = _test_set(config, name, test_sets)
        epochs = np.asarray(batch.epoch_labels()[0]).astype(str)
        conditions = {k: ("trial", np.asarray(v)) for k, v in batch.conditions.items()}
        # The selection on a stand-in for the recorded activity: one unit of zeros with the
        # test trials' epochs and labels (what a store holds), so every check is the real one.
        stand_in = xr.DataArray(
            np.zeros((len(next(iter(batch.conditions.values()))), epochs.size, 1)),
            dims=("trial", "time", "unit"),
            coords={"epoch": ("time", epochs), **conditions},
        )
        try:
            selected = replace(selection, time_normalize=()).select(stand_in)
            normalize_time(selected, selection.time_normalize, source=f"task {name!r}")
        except SelectionError as err:
            if err.field != "time_normalize":
                continue  # the other selection checks name their own keys
            raise ConfigError(f"config key 'compare.time_normalize.phases': {err}") from None
        counts[name] = int(selected.sizes.get("trial", 1))
    if len(set(counts.values())) > 1:
        raise ConfigError(
            "config key 'compare.time_normalize': the tasks give different numbers of trials "
            f"({', '.join(f'{k}: {v}' for k, v in counts.items())}), so their samples cannot "
            "correspond; select (compare.trials) or average (compare.average_over) them to "
            "the same conditions"
        )


def _check_dsa_embedding(config: dict[str, Any], test_sets: dict[str, Any]) -> None:
    """DSA's delay embedding fits the compared epoch: (n_delays − 1) · delay_interval must be
    shorter than the epoch's time steps on every task's test trials, else every network's
    DSA preparation fails (a matrix of NaN after all the training). Checked when
    ``compare.epoch`` selects an epoch (whole trials are rarely that short) and time
    normalisation does not set DSA's lengths. A task with fixed test timings answers from
    them (no trials generated: that needs torch); any other task's test trials are built."""
    params = config["compare"]["metrics"].get("dsa")
    epoch = config["compare"].get("epoch")
    if params is None or not epoch:
        return
    normalize = config["compare"].get("time_normalize") or {}
    if normalize and "dsa" in (normalize.get("metrics") or config["compare"]["metrics"]):
        return
    from dynsim import tasks
    from dynsim.metrics import get
    from dynsim.tasks.base import ms_to_steps

    dsa = get("dsa", **params)
    span = (dsa.n_delays - 1) * dsa.delay_interval
    wanted = {epoch} if isinstance(epoch, str) else set(epoch)
    shared = {k: v for k, v in config["task"].items() if k != "params"}
    for name in config["tasks"]:
        params = {
            **tasks.accepted_params(name, shared),
            **config["task"].get("params", {}).get(name, {}),
        }
        task = tasks.get(name, **params)
        timing = getattr(task, "test_timing", None)
        if timing is not None and getattr(task, "epoch_names", None) is not None:
            steps = sum(ms_to_steps(timing[e], task.dt) for e in wanted if e in timing)
        else:
            labels = _test_set(config, name, test_sets).epoch_labels()[0]
            steps = int(np.isin(labels, list(wanted)).sum())
        if span >= steps:
            raise ConfigError(
                f"config key 'compare.metrics.dsa.n_delays': n_delays {dsa.n_delays} × "
                f"delay_interval {dsa.delay_interval} spans {span} steps, but the compared "
                f"epoch ({', '.join(sorted(wanted))}) of task {name!r} has {steps} time steps "
                "on the test trials; use fewer delays or a shorter interval"
            )


def _plain(value: Any) -> Any:
    """A NumPy scalar as the plain Python value (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def architecture_parameters(arch: str) -> list[str]:
    """The keyword arguments of architecture ``arch`` that a config may set, as the schema's
    ``model.params.<arch>`` lists them — kept equal to the classes' signatures by
    tests/test_config.py — so that checking them imports no model code (torch)."""
    params = schema()["properties"]["model"]["properties"]["params"]["properties"]
    return list(params[arch]["properties"])


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
    for name, own in per_task.items():
        # A constructor that takes **params (the go/no-go family's, through its base class)
        # would swallow a typo; its keywords are the named ones along its class hierarchy.
        known = _task_keywords(tasks.TASKS[name])
        typos = [key for key in own if key not in known]
        if typos:
            raise ConfigError(
                f"config key 'task.params.{name}.{typos[0]}': task {name!r} has no parameter "
                f"{typos[0]!r}; its parameters: {', '.join(sorted(known))}"
            )
    shared = {k: v for k, v in section.items() if k != "params"}
    for name in sorted(set(config.get("tasks", [])) | set(per_task)):
        params = {**tasks.accepted_params(name, shared), **per_task.get(name, {})}
        try:
            tasks.get(name, **params)
        except (TypeError, ValueError) as err:
            key = f"task.params.{name}" if name in per_task else "task"
            parameter = getattr(err, "parameter", None)  # a TaskParameterError names it
            if parameter is not None:
                own = parameter in per_task.get(name, {})
                key = f"task.params.{name}.{parameter}" if own else f"task.{parameter}"
            raise ConfigError(f"config key '{key}': task {name!r}: {err}") from None


def _task_keywords(cls: type) -> set[str]:
    """The named keyword parameters of task class ``cls``'s constructor, following ``**params``
    up the class hierarchy (a subclass's ``**params`` reach its base's ``__init__``)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameters = inspect.signature(init).parameters
        names |= {
            n
            for n, p in parameters.items()
            if n != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
        if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
            break
    return names


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


def _extra_keys(error: jsonschema.ValidationError) -> list[str]:
    return [str(k) for k in error.instance if k not in error.schema.get("properties", {})]


def _path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "additionalProperties" and error.schema.get("properties"):
        # The offending key is in the message; name it in the path as well.
        parts += _extra_keys(error)[:1]
    return ".".join(parts) or "<root>"


def _message(error: jsonschema.ValidationError) -> str:
    """The schema's message, one line; for an unknown key the known ones (closest first)."""
    if error.validator == "additionalProperties" and error.schema.get("properties"):
        known = list(error.schema["properties"])
        extra = _extra_keys(error)[0]
        close = difflib.get_close_matches(extra, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key {extra!r}; {hint}known keys: {', '.join(known)}"
    message = error.message.splitlines()[0]
    return message if len(message) <= 300 else message[:300] + " ..."
