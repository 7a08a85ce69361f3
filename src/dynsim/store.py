"""Activations and similarity matrices on disk: Zarr v3 stores written through xarray.

Every write is atomic: the store is written under a temporary name beside the target and
renamed into place only when complete, so an interrupted job never leaves a store that looks
complete. Reading checks that the store exists and has what it should, and names the file in
every error.

What a network's activation store holds is defined here once: :func:`network_store` (the
recording of :func:`network_dataset`, the attributes of :func:`network_attrs`, the training
curves); ``dynsim record`` is :func:`record_network`.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr
from xarray.backends import BackendArray
from xarray.core import indexing

import dynsim
from dynsim.atomic import atomic_path
from dynsim.grid import variant_name
from dynsim.spec import network_key as network_key_of

if TYPE_CHECKING:  # the store layer reads a TrainingResult's fields; it never imports torch
    from dynsim.training import TrainingResult

HIDDEN_DIMS = ("checkpoint", "trial", "time", "unit")
# Attributes every network store carries, also used as matrix coordinates.
NETWORK_LABELS = ("task", "arch", "regime", "seed")


#: Root attribute of every store dynsim writes: every chunk of every array is on disk (Zarr
#: otherwise skips chunks equal to the fill value, so a deleted chunk would read as NaN data).
ALL_CHUNKS_WRITTEN = "all_chunks_written"

#: Variables whose chunks are checked in activation stores that predate ALL_CHUNKS_WRITTEN:
#: a recording of a network that did not diverge is never all-NaN for a whole checkpoint, so a
#: missing chunk there is lost data, not a skipped fill-value chunk.
_ALWAYS_WRITTEN = ("hidden", "output")


class StoreError(RuntimeError):
    """A store is missing, corrupt or lacks what it should contain."""


def atomic_write_zarr(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write ``dataset`` to the Zarr store ``path`` atomically (temporary name, then rename).

    Every chunk is written, even one that equals the fill value (``write_empty_chunks``), and
    the store says so in its root attribute ``all_chunks_written``: a reader then knows that a
    missing chunk is lost data (see :func:`open_network`), never a skipped NaN chunk.
    """
    path = Path(path)
    # assign_attrs copies: the caller's dataset keeps its attributes.
    dataset = dataset.assign_attrs({ALL_CHUNKS_WRITTEN: True})
    with atomic_path(path) as tmp, warnings.catch_warnings():
        # Consolidated metadata is a zarr-python extension to v3, not in the spec; we write it
        # anyway so that a plain `xarray.open_zarr(path)` opens fast and without a warning,
        # and every reader here also works without it.
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        dataset.to_zarr(tmp, mode="w", consolidated=True, zarr_format=3, write_empty_chunks=True)
    return path


def network_dataset(recording: dict[str, Any], result_info: dict[str, Any]) -> xr.Dataset:
    """Label a recording (see :func:`dynsim.training.record_activity`) as an xarray Dataset.

    ``target`` is (trial, time) for classification tasks (class indices) and
    (trial, time, out) for regression tasks (float values per output).
    """
    batch = recording["batch"]
    targets = batch.targets.numpy()
    target_dims = ("trial", "time") if targets.ndim == 2 else ("trial", "time", "out")
    hidden = recording["hidden"]
    n_checkpoints, n_trials, n_steps, n_units = hidden.shape
    epoch_per_step = batch.epoch_labels()[0]  # the test set has fixed timing
    conditions = {
        name: ("trial", _plain_array(values)) for name, values in batch.conditions.items()
    }
    dataset = xr.Dataset(
        data_vars={
            "hidden": (HIDDEN_DIMS, hidden),
            "output": (("checkpoint", "trial", "time", "out"), recording["output"]),
            "input": (("trial", "time", "in"), batch.inputs.numpy().astype(np.float32)),
            "target": (target_dims, targets),
            "mask": (("trial", "time"), batch.mask.numpy().astype(np.float32)),
            "accuracy": ("checkpoint", recording["accuracy"]),
        },
        coords={
            "checkpoint": np.arange(n_checkpoints),
            "step": ("checkpoint", recording["steps"]),
            "progress": ("checkpoint", recording["progress"]),
            # the fractions of training.checkpoints behind each checkpoint (several when they
            # selected one snapshot, recorded once); absent from recordings made before
            **{
                name: ("checkpoint", recording[name])
                for name in ("fraction_indices", "fractions")
                if name in recording
            },
            "trial": np.arange(n_trials),
            "time": ("time", np.arange(1, n_steps + 1) * batch.dt, {"units": "ms"}),
            "epoch": ("time", epoch_per_step.astype(object)),
            "unit": np.arange(n_units),
            "in": np.array(batch.input_names, dtype=object),
            "out": np.array(batch.output_names, dtype=object),
            **conditions,
        },
        attrs={**result_info, "dynsim_version": dynsim.__version__},
    )
    # One checkpoint of one network is one chunk: the unit of every read.
    for name in ("hidden", "output"):
        dataset[name].encoding["chunks"] = (1, n_trials, n_steps, dataset[name].shape[-1])
    return dataset


def network_attrs(result: TrainingResult) -> dict[str, Any]:
    """The attributes of a network's store, from its training result: its labels (task, arch,
    seed, regime), status and final step, ``config_hash`` and the ``spec`` as JSON,
    ``train_seconds``, the hyperparameters flat (``hidden_size``, ``learning_rate``,
    ``batch_size``, ``weight_decay``; ``model_params`` and ``task_params`` as JSON), with a grid
    the ``variant`` name, its values as JSON (``grid``) and flat, and the curriculum as run
    (``phases``, JSON: per phase its name, tasks, trainable set, status and steps)."""
    spec = result.spec
    return {
        "task": spec.task,
        "arch": spec.arch,
        "seed": spec.seed,
        "regime": spec.regime,
        "status": result.status,
        "final_step": result.final_step,
        "config_hash": spec.config_hash(),
        "spec": json.dumps(spec.to_dict(), sort_keys=True),
        "train_seconds": result.seconds,
        # Hyperparameters, flat, so that networks can be grouped by them without parsing JSON.
        "hidden_size": spec.hidden_size,
        "learning_rate": spec.training.learning_rate,
        "batch_size": spec.training.batch_size,
        "weight_decay": spec.training.weight_decay,
        "model_params": json.dumps(spec.model_params, sort_keys=True),
        "task_params": json.dumps(spec.task_params, sort_keys=True),
        # With a grid: the variant's name and its values ({hyperparameter: value}, also flat
        # above or here), which become the similarity matrices' variant/<hyperparameter>
        # coordinates. Absent without a grid (a network without a grid has no such labels).
        **(
            {"variant": spec.variant_name, "grid": json.dumps(spec.variant), **spec.variant}
            if spec.variant
            else {}
        ),
        "phases": json.dumps(
            [
                {
                    k: v
                    for k, v in phase.items()
                    if k in ("name", "tasks", "trainable", "status", "steps")
                }
                for phase in result.phases
            ]
        ),
    }


def network_store(result: TrainingResult, recording: dict[str, Any]) -> xr.Dataset:
    """A network's whole activation store: its recording (:func:`network_dataset`) with the
    attributes of :func:`network_attrs`, and its training curves:

    - ``loss_curve`` (train_step) float64: the recorded phase's training loss per step
      (``train_step`` = 1, 2, …; NaN last if it diverged);
    - ``eval_accuracy`` (eval_step): the target task's accuracy at each evaluation step;
    - ``penalty_curve`` (train_step), INSD links k ≥ 1 only: the deflation penalty Σ r² per step;
    - ``pretrain_loss_curve`` (pretrain_step), pretraining regimes only: the pretraining loss.

    ``recording`` is :func:`dynsim.training.record_activity` of ``result``.
    """
    dataset = network_dataset(recording, network_attrs(result))
    dataset["loss_curve"] = (("train_step",), np.asarray(result.loss, dtype=np.float64))
    dataset["eval_accuracy"] = (("eval_step",), np.asarray(result.eval_accuracy))
    dataset = dataset.assign_coords(
        eval_step=np.asarray(result.eval_steps, dtype=np.int64),
        train_step=np.arange(1, len(result.loss) + 1),
    )
    penalty = [x for phase in result.phases for x in phase.get("penalty", [])]
    if penalty:
        dataset["penalty_curve"] = (("train_step",), np.asarray(penalty, dtype=np.float64))
    pretrain_loss = [
        x for phase in result.phases if phase["name"] == "pretrain" for x in phase["loss"]
    ]
    if pretrain_loss:
        dataset["pretrain_loss_curve"] = (("pretrain_step",), np.asarray(pretrain_loss))
        dataset = dataset.assign_coords(pretrain_step=np.arange(1, len(pretrain_loss) + 1))
    return dataset


def record_network(
    checkpoint: str | os.PathLike[str],
    out: str | os.PathLike[str],
    n_repeats: int = 4,
    seed: int = 0,
) -> xr.Dataset:
    """Record the network of a checkpoint file (``dynsim train``) on its task's test set, with
    ``n_repeats`` repeats of each condition and trial noise seeded by ``seed``, and write its
    store (:func:`network_store`) to ``out`` atomically; returns the dataset written.

    Raises FileNotFoundError / :class:`dynsim.training.CheckpointError` naming the checkpoint
    if it is missing or unreadable. Imports torch (the recording runs the network).
    """
    from dynsim.training import load_training, record_activity  # torch: only when recording

    result = load_training(checkpoint)
    dataset = network_store(result, record_activity(result, n_repeats=n_repeats, seed=seed))
    atomic_write_zarr(dataset, out)
    return dataset


def open_network(path: str | os.PathLike[str]) -> xr.Dataset:
    """Open a network's activation store lazily, with a clear error if it is unusable.

    Raises :class:`StoreError` naming the store when it is missing or unreadable, lacks
    ``hidden``/``accuracy``, has a ``hidden`` of other dims than (checkpoint, trial, time,
    unit), or misses a chunk (naming the variable and the chunk: a deleted chunk would
    otherwise read as NaN, indistinguishable from a diverged network). Data are read lazily;
    a chunk that turns out truncated or corrupt when read raises :class:`StoreError` naming
    the store, the variable and the chunk (instead of the codec's bare message).
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"activation store not found: {path}")
    dataset = _open_zarr(path, "activation store")
    missing = [v for v in ("hidden", "accuracy") if v not in dataset]
    if missing:
        raise StoreError(f"activation store {path} lacks variables {missing}")
    if tuple(dataset["hidden"].dims) != HIDDEN_DIMS:
        raise StoreError(f"{path}: 'hidden' has dims {dataset['hidden'].dims}, not {HIDDEN_DIMS}")
    complete = bool(dataset.attrs.get(ALL_CHUNKS_WRITTEN, False))
    if complete:
        names = None  # every array
    elif dataset.attrs.get("status") == "diverged":
        names = ()  # an old store of a diverged network may skip an all-NaN checkpoint
    else:
        names = _ALWAYS_WRITTEN
    _check_chunks(path, "activation store", names)
    return _checked_reads(_without_marker(dataset), path, "activation store")


def open_zarr_dataset(path: str | os.PathLike[str], kind: str = "Zarr store") -> xr.Dataset:
    """Any Zarr store (e.g. a user's own activity, not written by dynsim), opened lazily with
    the same guarantees as :func:`open_network` where they apply: StoreError naming the store
    (``kind`` says what it is in messages) when it is missing or unreadable, naming the variable
    and chunk when a chunk read later is truncated or corrupt, and — for a store written by
    dynsim (``all_chunks_written``) — when a chunk is missing. A store of another writer may
    legitimately omit chunks equal to its fill value (Zarr's default), so there a missing chunk
    reads as the fill value, as the Zarr specification says."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{kind} not found: {path}")
    dataset = _open_zarr(path, kind)
    if dataset.attrs.get(ALL_CHUNKS_WRITTEN, False):
        _check_chunks(path, kind, None)
    return _checked_reads(_without_marker(dataset), path, kind)


def _open_zarr(path: Path, kind: str) -> xr.Dataset:
    """``xr.open_zarr(path)``, its errors as StoreError naming the store (and the chunk, for a
    coordinate that is read at opening and is unreadable)."""
    try:
        with warnings.catch_warnings():
            # Snakemake leaves a `.snakemake_timestamp` file inside directory outputs.
            warnings.filterwarnings("ignore", message=".*snakemake_timestamp")
            # Stores from other tools may lack consolidated metadata; that is fine here.
            warnings.filterwarnings("ignore", message="Failed to open Zarr store with consol")
            return xr.open_zarr(path)
    except Exception as err:  # zarr raises many types for a damaged store
        where = _first_unreadable_chunk(path)
        detail = f" ({where[0]!r} chunk {where[1]!r})" if where else ""
        raise StoreError(f"cannot read {kind} {path}{detail}: {err}") from err


def _without_marker(dataset: xr.Dataset) -> xr.Dataset:
    """The dataset without the storage marker: what was written is what is read."""
    if ALL_CHUNKS_WRITTEN in dataset.attrs:
        attrs = {k: v for k, v in dataset.attrs.items() if k != ALL_CHUNKS_WRITTEN}
        dataset = dataset.copy()
        dataset.attrs = attrs
    return dataset


def _arrays(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, zarr.json metadata) of every array at the root of a Zarr v3 store; arrays of
    other formats (no zarr.json) are skipped (zarr checks them when reading)."""
    for meta_path in sorted(path.glob("*/zarr.json")):
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise StoreError(f"cannot read {meta_path}: {err}") from err
        if meta.get("node_type") == "array":
            yield meta_path.parent.name, meta


def _chunk_keys(meta: dict[str, Any]) -> Iterator[str]:
    """Every chunk key of a Zarr v3 array (regular grid; default or v2 key encoding), in C
    order, relative to the array's directory."""
    shape = meta["shape"]
    chunk_shape = meta["chunk_grid"]["configuration"]["chunk_shape"]
    encoding = meta.get("chunk_key_encoding", {"name": "default"})
    separator = encoding.get("configuration", {}).get(
        "separator", "/" if encoding["name"] == "default" else "."
    )
    grid = [math.ceil(n / c) if c else 0 for n, c in zip(shape, chunk_shape, strict=True)]
    for index in itertools.product(*(range(n) for n in grid)):
        parts = [str(i) for i in index]
        if encoding["name"] == "default":
            yield separator.join(["c", *parts])
        else:  # "v2": no prefix, "0" for a 0-d array
            yield separator.join(parts) or "0"


def _check_chunks(path: Path, kind: str, names: Sequence[str] | None) -> None:
    """Raise StoreError naming the store, the variable and the chunk if a chunk file of one of
    the arrays ``names`` (None: all) is missing. One ``stat`` per chunk; nothing is read."""
    for name, meta in _arrays(path):
        if names is not None and name not in names:
            continue
        if meta.get("chunk_grid", {}).get("name") != "regular":
            continue  # not written by dynsim; zarr reads it as it is
        absent = [key for key in _chunk_keys(meta) if not (path / name / key).exists()]
        if absent:
            more = f" (and {len(absent) - 1} more)" if len(absent) > 1 else ""
            raise StoreError(
                f"{kind} {path}: variable {name!r} is missing chunk {name}/{absent[0]}{more}"
                " — deleted or lost data, not NaN; rebuild the store (delete it and rerun the"
                " job that wrote it)"
            )


def _first_unreadable_chunk(
    path: Path, names: Sequence[str] | None = None
) -> tuple[str, str] | None:
    """(variable, chunk key) of the first chunk of the arrays ``names`` (None: all) that zarr
    cannot decode (truncated, corrupt), or None. Reads chunk by chunk: only on an error path."""
    import zarr

    try:
        group = zarr.open_group(str(path), mode="r")
    except Exception:
        return None
    for name, meta in _arrays(path):
        if names is not None and name not in names:
            continue
        try:
            array = group[name]
            for index in itertools.product(*(range(n) for n in array.cdata_shape)):
                try:
                    array.get_block_selection(index)
                except Exception:
                    key = next(
                        itertools.islice(_chunk_keys(meta), _flat(index, array.cdata_shape), None)
                    )
                    return name, f"{name}/{key}"
        except Exception:
            continue
    return None


def _flat(index: tuple[int, ...], grid: tuple[int, ...]) -> int:
    """C-order position of a chunk index in its grid."""
    return int(np.ravel_multi_index(index, grid)) if grid else 0


class _CheckedArray(BackendArray):
    """A lazily read variable of a store whose read errors (a truncated or corrupt chunk: the
    codec's bare "Zstd decompression error" and the like) become StoreError naming the store,
    the variable and the chunk. Values and dtype are exactly the wrapped variable's."""

    def __init__(self, variable: xr.Variable, path: Path, name: str, kind: str) -> None:
        self._variable = variable
        self._path, self._name, self._kind = path, name, kind
        self.shape = variable.shape
        self.dtype = variable.dtype

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._read
        )

    def _read(self, key: tuple[Any, ...]) -> np.ndarray:
        try:
            # A tuple of ints, slices and 1-D integer arrays indexes a Variable orthogonally.
            return np.asarray(self._variable[key].values)
        except Exception as err:
            where = _first_unreadable_chunk(self._path, [self._name])
            chunk = f" chunk {where[1]!r}" if where else ""
            raise StoreError(
                f"cannot read {self._kind} {self._path}: variable {self._name!r}{chunk} is"
                f" truncated or corrupt ({type(err).__name__}: {err}); rebuild the store"
                " (delete it and rerun the job that wrote it)"
            ) from err


def _checked_reads(dataset: xr.Dataset, path: Path, kind: str) -> xr.Dataset:
    """``dataset`` with every lazily read variable (not the indexes, read at opening) wrapped
    in :class:`_CheckedArray`: the same values, and read errors that name the file."""
    wrapped = {
        name: xr.Variable(
            variable.dims,
            indexing.LazilyIndexedArray(_CheckedArray(variable, path, str(name), kind)),
            variable.attrs,
            variable.encoding,
        )
        for name, variable in dataset.variables.items()
        if name not in dataset.indexes
    }
    data_vars = {k: v for k, v in wrapped.items() if k in dataset.data_vars}
    coords = {k: v for k, v in wrapped.items() if k not in dataset.data_vars}
    return dataset.assign_coords(coords).assign(data_vars)


def network_labels(dataset: xr.Dataset) -> dict[str, Any]:
    """A network's labels from its store: task, arch, regime, seed and, for a network of a
    hyperparameter grid, ``variant`` (its name) and one label per grid hyperparameter."""
    labels = {name: dataset.attrs.get(name, "") for name in NETWORK_LABELS}
    variant = dataset.attrs.get("variant", "")
    if variant:
        labels["variant"] = variant
        labels.update(json.loads(dataset.attrs.get("grid", "{}")))
    return labels


def network_key(dataset: xr.Dataset) -> str | None:
    """A network's key (``task/arch/regime[/variant]/seed<k>``, its path in the workflow) from
    its store's metadata: the spec it was trained from, else its task/arch/regime/seed
    attributes; None for a store that has neither (not written by ``dynsim record``)."""
    attrs = dataset.attrs
    spec = attrs.get("spec")
    if spec:
        try:
            data = json.loads(spec)
            return network_key_of(
                data["task"],
                data["arch"],
                data.get("regime", "master"),
                data["seed"],
                variant_name(data.get("variant") or {}),
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            pass  # fall back to the flat attributes
    if all(attrs.get(name, "") != "" for name in NETWORK_LABELS):
        return network_key_of(
            attrs["task"], attrs["arch"], attrs["regime"], attrs["seed"], attrs.get("variant", "")
        )
    return None


def write_matrix(dataset: xr.Dataset, path: str | os.PathLike[str]) -> Path:
    """Write a similarity store atomically (see :func:`atomic_write_zarr`)."""
    return atomic_write_zarr(dataset, path)


def open_matrix(path: str | os.PathLike[str]) -> xr.Dataset:
    """A similarity store (or any small Zarr dataset), loaded into memory.

    Raises :class:`StoreError` naming the store when it is missing or unreadable, and naming
    the variable and chunk when a chunk is missing (stores written by dynsim write every
    chunk, see :func:`atomic_write_zarr`; older ones legitimately skip fill-value chunks and
    are not checked) or truncated/corrupt.
    """
    matrix = open_zarr_dataset(path, "similarity store").load()
    return _object_strings(matrix)


def _object_strings(dataset: xr.Dataset) -> xr.Dataset:
    """Variable-length strings read back as NumPy's StringDType become plain object arrays,
    which every NumPy/pandas/matplotlib routine accepts (StringDType cannot be cast to str)."""

    def convert(array: xr.DataArray) -> xr.DataArray:
        if array.dtype.kind == "T":
            return array.copy(data=array.values.astype(object))
        return array

    dataset = dataset.map(convert)
    return dataset.assign_coords({name: convert(dataset[name]) for name in dataset.coords})


def open_matrices(paths: Sequence[str | os.PathLike[str]]) -> dict[str, xr.Dataset]:
    """All similarity stores of an experiment, keyed by their metric name."""
    out = {}
    for path in paths:
        dataset = open_matrix(path)
        out[str(dataset.attrs.get("metric", Path(path).stem))] = dataset
    return out


def open_experiment(results_dir: str | os.PathLike[str]) -> xr.Dataset:
    """Every similarity matrix of an experiment as one labelled Dataset.

    ``results_dir`` is ``results/<experiment>``. Each ``similarity/<name>.zarr`` becomes the
    variable ``<name>`` (distances) and ``<name>_status``; over-learning matrices keep their
    ``progress`` dimension. The networks' labels (task_a, arch_b, …; with a hyperparameter
    grid also variant_a/variant_b and one pair per grid hyperparameter, e.g. hidden_size_a)
    are shared coordinates, so ``ds["cka"].where(ds.task_a == ds.task_b)`` and the like
    select by name.
    """
    root = Path(results_dir) / "similarity"
    paths = sorted(p for p in root.glob("*.zarr") if not p.name.startswith("."))
    if not paths:
        raise StoreError(f"no similarity stores in {root}")
    variables = {}
    for path in paths:
        matrix = open_matrix(path)
        variables[path.stem] = matrix["distance"].assign_attrs(matrix.attrs)
        variables[f"{path.stem}_status"] = matrix["status"]
    return xr.Dataset(variables)


def _plain_array(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind in "OUS":
        return values.astype(object)  # variable-length UTF-8 strings in Zarr
    return values


def dumps(value: Any) -> str:
    """JSON for attributes that are nested (Zarr attributes must be JSON anyway)."""
    return json.dumps(value, sort_keys=True)
