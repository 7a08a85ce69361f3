"""What a network is: its spec (task, architecture, seed, regime, sizes, training and INSD
settings, grid variant), its key and path, and which networks train alike.

Everything here is plain data and imports no torch, so that the workflow's parse, ``dynsim
check-config``, the store readers and the pairwise engine can name and group networks cheaply;
:meth:`NetworkSpec.build_task` and :meth:`NetworkSpec.build_model` import the task and model
registries only when called. The regime names and curricula are in :mod:`dynsim.regimes`, the
grid's variants and their names in :mod:`dynsim.grid`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

from dynsim.grid import GRID_PARAMETERS, variant_name
from dynsim.regimes import regime_gain

if TYPE_CHECKING:
    from dynsim import models, tasks

DEFAULT_CHECKPOINTS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
STATUSES = ("converged", "budget_exhausted", "diverged", "untrained")
# Architectures whose seeds can train together with stacked weights (dynsim.training.stacked).
STACKABLE_ARCHITECTURES = ("leaky_rnn", "gru")


@dataclass(frozen=True)
class TrainingConfig:
    max_steps: int = 2000
    batch_size: int = 64
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    grad_clip: float = 1.0
    target_accuracy: float = 0.9
    eval_every: int = 25
    eval_trials: int = 256
    snapshot_every: int = 5
    checkpoints: tuple[float, ...] = DEFAULT_CHECKPOINTS
    pretrain_steps: int | None = None  # step budget of a pretraining phase; None: max_steps
    pretrain_target_accuracy: float | None = None  # None: target_accuracy

    def __post_init__(self) -> None:
        """Raises ValueError naming the field: counts < 1, a NaN/inf or out-of-range rate,
        checkpoints outside [0, 1] or not strictly increasing (the last one is "final")."""
        if self.max_steps < 1 or self.batch_size < 1 or self.eval_every < 1:
            raise ValueError("max_steps, batch_size and eval_every must be ≥ 1")
        if self.pretrain_steps is not None and self.pretrain_steps < 1:
            raise ValueError(f"pretrain_steps must be ≥ 1, got {self.pretrain_steps}")
        # `not x > 0` rather than `x <= 0`: NaN fails every comparison and must fail here too.
        positive = {"learning_rate": self.learning_rate, "grad_clip": self.grad_clip}
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be a finite number ≥ 0, got {self.weight_decay}")
        for name in ("target_accuracy", "pretrain_target_accuracy"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value}")
        if not all(0.0 <= f <= 1.0 for f in self.checkpoints):
            raise ValueError(f"checkpoint fractions must lie in [0, 1]: {self.checkpoints}")
        if any(not a < b for a, b in itertools.pairwise(self.checkpoints)):
            raise ValueError(
                f"checkpoint fractions must be strictly increasing: {self.checkpoints}"
            )


@dataclass(frozen=True)
class InsdConfig:
    """The deflation penalty of an ``insd_<k>`` link (see :mod:`dynsim.insd`).

    lam : λ, the weight of Σ_{i<k} r²(R_k⊥ → R_i⊥) in the loss (≥ 0; 0 = plain training).
    ridge : ρ, relative to the mean eigenvalue of the new network's null-space Gram matrix.
    window : epoch name(s) whose time steps enter the penalty; None = every step in the mask.
    center : centre the activity (over samples) before the regression.
    noise_free : compute the new network's activity for the penalty in a second, noise-free
        pass (eval mode) rather than from the noisy training pass. The earlier links always
        run noise-free; penalising the noisy pass lets a network lower r² by amplifying its
        own private noise in the null space instead of changing its dynamics.
    """

    lam: float = 1.0
    ridge: float = 1e-3
    window: tuple[str, ...] | None = None
    center: bool = True
    noise_free: bool = True

    def __post_init__(self) -> None:
        """Raises ValueError unless lam is finite ≥ 0 and ridge finite > 0 (NaN included)."""
        if not (math.isfinite(self.lam) and self.lam >= 0):
            raise ValueError(f"need a finite lam ≥ 0, got {self.lam}")
        if not (math.isfinite(self.ridge) and self.ridge > 0):
            raise ValueError(f"need a finite ridge > 0, got {self.ridge}")


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that determines one trained network (and nothing else)."""

    task: str
    arch: str
    seed: int
    regime: str = "master"
    hidden_size: int = 32
    task_params: dict[str, Any] = field(default_factory=dict)
    model_params: dict[str, Any] = field(default_factory=dict)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    insd: InsdConfig | None = None  # the penalty of insd_<k> regimes (None: the defaults)
    # The grid hyperparameters of this network's variant (see dynsim.grid), already applied to
    # hidden_size / training / model_params by :meth:`with_variant`; empty without a grid.
    variant: dict[str, Any] = field(default_factory=dict)

    @property
    def variant_name(self) -> str:
        """The variant's name (e.g. ``hidden_size64-learning_rate0.001``); ``""`` for none."""
        return variant_name(self.variant)

    @property
    def key(self) -> str:
        """``task/arch/regime/seed<k>``, or ``task/arch/regime/<variant>/seed<k>``."""
        return network_key(self.task, self.arch, self.regime, self.seed, self.variant_name)

    def with_variant(self, variant: dict[str, Any]) -> NetworkSpec:
        """This spec with the grid hyperparameters ``variant`` applied: ``hidden_size``, the
        training fields (learning_rate, batch_size, weight_decay) and the architecture's keyword
        arguments (activation, init_gain) take the variant's values, whatever they were."""
        changes: dict[str, Any] = {}
        training: dict[str, Any] = {}
        model_params = dict(self.model_params)
        applied: dict[str, Any] = {}  # the values as used (64.0 → 64 for an int field)
        for name, value in variant.items():
            where = GRID_PARAMETERS.get(name)
            if where == "spec":
                changes[name] = applied[name] = int(value)
            elif where == "training":
                training[name] = applied[name] = type(getattr(self.training, name))(value)
            elif where == "model":
                model_params[name] = applied[name] = value
            else:
                raise ValueError(f"unknown grid hyperparameter {name!r}")
        return replace(
            self,
            **changes,
            training=replace(self.training, **training),
            model_params=model_params,
            variant=applied,
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["training"]["checkpoints"] = list(self.training.checkpoints)
        if self.insd is None:
            del out["insd"]  # specs without a penalty keep their earlier form (and hash)
        elif self.insd.window is not None:
            out["insd"]["window"] = list(self.insd.window)
        if not self.variant:
            del out["variant"]  # likewise specs outside a grid
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetworkSpec:
        data = dict(data)
        training = dict(data.pop("training", {}))
        if "checkpoints" in training:
            training["checkpoints"] = tuple(float(f) for f in training["checkpoints"])
        insd = data.pop("insd", None)
        if insd is not None:
            insd = dict(insd)
            if insd.get("window") is not None:
                insd["window"] = tuple(insd["window"])
            insd = InsdConfig(**insd)
        return cls(**data, training=TrainingConfig(**training), insd=insd)

    def config_hash(self) -> str:
        """A short hash of the spec, stored with every output made from it."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def build_task(self) -> tasks.Task:
        """The task this network trains on (its target task), with the spec's parameters."""
        from dynsim import tasks

        return tasks.get(self.task, **self.task_params)

    def build_model(self) -> models.RecurrentNetwork:
        """The untrained network (imports torch); the ``master_gain<g>`` regimes set its gain."""
        from dynsim import models

        task = self.build_task()
        params = {"dt": task.dt, **self.model_params}
        gain = regime_gain(self.regime)
        if gain is not None:
            params["init_gain"] = gain
        return models.build(self.arch, task.n_inputs, self.hidden_size, task.n_outputs, **params)


def network_key(task: str, arch: str, regime: str, seed: int | str, variant: str = "") -> str:
    """A network's key (its path under checkpoints/ and activations/, without the suffix):
    ``task/arch/regime/seed<k>``, or ``task/arch/regime/<variant>/seed<k>`` with a variant."""
    level = f"{variant}/" if variant else ""
    return f"{task}/{arch}/{regime}/{level}seed{seed}"


def path_pattern(with_variant: bool) -> str:
    """The workflow's network path with wildcards, matching :func:`network_key`."""
    return network_key(
        "{task}", "{arch}", "{regime}", "{seed}", "{variant}" if with_variant else ""
    )


def group_key(spec: NetworkSpec) -> str:
    """The key of ``spec`` without its seed level: the networks that differ only in their seed
    share it (``task/arch/regime`` or ``task/arch/regime/<variant>``)."""
    return spec.key.rsplit("/", 1)[0]


def group_path_pattern(with_variant: bool) -> str:
    """The workflow's path of a seed group with wildcards, matching :func:`group_key`."""
    return path_pattern(with_variant).rsplit("/", 1)[0]


def same_training(a: NetworkSpec, b: NetworkSpec) -> bool:
    """Whether ``a`` and ``b`` train the very same network and differ only in the task it is
    recorded on: ``multitask`` networks of two Yang-family task names (the curriculum trains
    the whole family either way; :func:`curriculum`) with every other field equal — the task
    parameters included, so a task-specific ``task.params`` entry keeps them apart."""
    from dynsim.tasks import YANG_TASKS  # the Yang rule order lives with the tasks

    return (
        a.regime == b.regime == "multitask"
        and a.task in YANG_TASKS
        and b.task in YANG_TASKS
        and replace(a, task=b.task) == b
    )


def check_stackable(specs: list[NetworkSpec]) -> None:
    """Raise ``ValueError`` unless ``specs`` can train together with stacked weights: at least
    one spec, differing only in distinct seeds, of an architecture in
    :data:`STACKABLE_ARCHITECTURES`, in the regime ``master`` or ``master_gain<g>``."""
    if not specs:
        raise ValueError("train_stacked needs at least one spec")
    first = specs[0].to_dict()
    del first["seed"]
    for spec in specs[1:]:
        other = spec.to_dict()
        del other["seed"]
        if other != first:
            raise ValueError(f"{spec.key} differs from {specs[0].key} in more than its seed")
    seeds = [s.seed for s in specs]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds repeat: {seeds}")
    spec = specs[0]
    if spec.arch not in STACKABLE_ARCHITECTURES:
        raise ValueError(f"train_stacked supports {STACKABLE_ARCHITECTURES}, not {spec.arch!r}")
    if spec.regime != "master" and regime_gain(spec.regime) is None:
        raise ValueError(f"train_stacked supports master and master_gain<g>, not {spec.regime!r}")


def can_stack(specs: list[NetworkSpec]) -> bool:
    """Whether the seeds ``specs`` can train together (:func:`check_stackable` accepts them)."""
    try:
        check_stackable(specs)
    except ValueError:
        return False
    return True
