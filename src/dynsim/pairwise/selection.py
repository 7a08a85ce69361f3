"""Which part of a network's recording is compared: :class:`Selection`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy.interpolate import make_interp_spline


class SelectionError(ValueError):
    """A selection that does not fit an input (or no input at all). ``field`` names the part
    of the selection at fault — ``"checkpoint"``, ``"epoch"``, ``"trials"`` or
    ``"average_over"``, ``"time_normalize"`` — so that a caller can name its own option for it
    (the CLI's ``--checkpoint`` …); the message names the input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Selection:
    """Which part of a network's recording is compared.

    checkpoint : ``"final"`` (default), an integer checkpoint index (negative counts from the
        end), or a float in [0, 1] — the checkpoint nearest to that training progress.
    epoch : name(s) of task epochs to keep (e.g. ``"stimulus"``), or None for all time steps.
    trials : condition label → allowed values (e.g. ``{"coherence": (0.2, 0.4)}``); trials
        whose labels are not all allowed are dropped.
    average_over : condition labels to average within (e.g. ``("coherence", "direction")``):
        trials sharing those labels are averaged into one condition-averaged "trial".
    time_normalize : ``(phase, steps)`` pairs in time order, e.g. ``(("fixation", 5),
        ("stimulus+delay", 20), ("decision", 5))``: each phase — one epoch, or consecutive
        epochs joined by ``+`` (a task need not have all of them) — is resampled to ``steps``
        time steps (:func:`normalize_time`), and time steps outside every phase are dropped,
        so that tasks whose trials differ in length give the same samples. Applied last.
    """

    checkpoint: int | float | str = "final"
    epoch: str | tuple[str, ...] | None = None
    trials: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    average_over: tuple[str, ...] = ()
    time_normalize: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        """Refuse a checkpoint that can select nothing, whatever the input (ValueError naming
        the value): anything but ``"final"``, an int, or a float fraction in [0, 1]."""
        c = self.checkpoint
        if isinstance(c, str):
            if c != "final":
                raise SelectionError(
                    "checkpoint",
                    f"checkpoint must be 'final', an integer index or a progress fraction "
                    f"in [0, 1]; got {c!r}",
                )
        elif isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, float, np.number)):
            raise SelectionError(
                "checkpoint",
                f"checkpoint must be 'final', an integer index or a progress fraction "
                f"in [0, 1]; got {c!r} ({type(c).__name__})",
            )
        elif isinstance(c, (float, np.floating)) and not 0.0 <= float(c) <= 1.0:
            # (NaN fails the comparison too)
            raise SelectionError(
                "checkpoint",
                f"checkpoint {c!r} is not a progress fraction in [0, 1] (an index is an "
                f"integer: 'final', 0, 1, …, -1)",
            )
        check_phases(self.time_normalize)

    @classmethod
    def from_config(cls, compare: dict[str, Any]) -> Selection:
        """From the config's ``compare`` section (lists become tuples;
        ``time_normalize.phases`` becomes :attr:`time_normalize`). Raises ValueError naming
        the value of an invalid ``checkpoint`` or phase (see :meth:`__post_init__`)."""
        epoch = compare.get("epoch")
        phases = (compare.get("time_normalize") or {}).get("phases") or {}
        return cls(
            checkpoint=compare.get("checkpoint", "final"),
            epoch=tuple(epoch) if isinstance(epoch, list) else epoch,
            trials=tuple((k, tuple(v)) for k, v in (compare.get("trials") or {}).items()),
            average_over=tuple(compare.get("average_over") or ()),
            time_normalize=tuple((str(phase), steps) for phase, steps in phases.items()),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (part of the resume plan). ``1`` (an index) and ``1.0`` (a
        progress fraction) stay distinct, as JSON keeps ints and floats apart.
        ``time_normalize`` appears only when set, so that the plans (and resumable partial
        results) of selections without it are unchanged."""
        plain = {
            "checkpoint": _plain(self.checkpoint),
            "epoch": self.epoch
            if self.epoch is None or isinstance(self.epoch, str)
            else list(self.epoch),
            "trials": [[label, [_plain(v) for v in allowed]] for label, allowed in self.trials],
            "average_over": list(self.average_over),
        }
        if self.time_normalize:
            plain["time_normalize"] = [[phase, steps] for phase, steps in self.time_normalize]
        return plain

    @classmethod
    def from_dict(cls, plain: dict[str, Any]) -> Selection:
        """The selection whose :meth:`to_dict` is ``plain`` (a tile's record of its run).
        Raises ValueError as :meth:`__post_init__` for an invalid checkpoint or phase."""
        epoch = plain.get("epoch")
        return cls(
            checkpoint=plain.get("checkpoint", "final"),
            epoch=tuple(epoch) if isinstance(epoch, list) else epoch,
            trials=tuple((str(label), tuple(v)) for label, v in plain.get("trials", [])),
            average_over=tuple(plain.get("average_over", [])),
            time_normalize=tuple((str(p), int(n)) for p, n in plain.get("time_normalize", [])),
        )

    def attrs(self) -> dict[str, str]:
        """The selection as a matrix's provenance attributes (strings, JSON where not one
        value), each written whether set or not, so that a stored matrix says how it was
        computed: ``checkpoint``; ``epoch`` (``null``: every time step); ``trials`` (label →
        allowed values, ``{}``: every trial); ``average_over`` (labels, ``[]``: none);
        ``time_normalize`` (phase → steps, in time order, as the config's
        ``compare.time_normalize.phases``; ``{}``: not applied)."""
        return {
            "checkpoint": str(self.checkpoint),
            "epoch": json.dumps(self.epoch),
            "trials": json.dumps(
                {label: [_plain(v) for v in allowed] for label, allowed in self.trials}
            ),
            "average_over": json.dumps(list(self.average_over)),
            "time_normalize": json.dumps(dict(self.time_normalize)),
        }

    def is_default(self) -> bool:
        """Whether this selects everything of the final checkpoint (the default)."""
        return self == Selection()

    def apply(self, dataset: xr.Dataset, *, source: str | None = None) -> xr.DataArray:
        """The selected activity of a network store's ``hidden`` variable (see
        :meth:`select`; ``source`` names the store in errors)."""
        return self.select(dataset["hidden"], source=source)

    def select(self, hidden: xr.DataArray, *, source: str | None = None) -> xr.DataArray:
        """The selected part of activity ``hidden`` — a dynsim store's ``hidden`` or any
        DataArray, e.g. a variable of a user's own Zarr/NetCDF file.

        hidden : dims (``checkpoint``, ``trial``, ``time``, ``unit``), ``checkpoint`` and
            ``trial`` optional; the selection reads its coordinates: ``progress`` (along
            ``checkpoint``) for a fractional checkpoint, ``epoch`` (along ``time``), trial
            labels (along ``trial``). A scalar ``checkpoint`` coordinate (one checkpoint, its
            label) only matches an integer selection of that label (or ``"final"``).
        source : how errors name the input (a path, a network name).

        Returns a DataArray with the checkpoint dim removed; after ``average_over``, dims
        (``trial``, ``time``, ``unit``) with one "trial" per condition. Raises ValueError
        naming ``source`` and the part of the selection that does not fit it: a checkpoint
        out of range or absent from the input, an epoch or a label it does not have, or a
        selection that matches nothing — never silently another part of the input.
        """
        where = f"{source}: " if source else ""
        hidden = self._select_checkpoint(hidden, where)
        if self.epoch is not None:
            wanted = [self.epoch] if isinstance(self.epoch, str) else list(self.epoch)
            if "epoch" not in hidden.coords or "time" not in hidden.dims:
                raise SelectionError(
                    "epoch",
                    f"{where}no 'epoch' coordinate along 'time' to select epoch(s) {wanted} on",
                )
            keep = np.isin(hidden["epoch"].values, wanted)
            if not keep.any():
                raise SelectionError(
                    "epoch",
                    f"{where}no time step is in epoch(s) {wanted} (epochs: "
                    f"{sorted(set(map(str, hidden['epoch'].values)))})",
                )
            hidden = hidden.isel(time=keep)
        for label, allowed in self.trials:
            if label not in hidden.coords or "trial" not in hidden[label].dims:
                raise SelectionError("trials", f"{where}no trial label {label!r} to select on")
            hidden = hidden.isel(trial=np.isin(hidden[label].values, list(allowed)))
            if hidden.sizes["trial"] == 0:
                raise SelectionError("trials", f"{where}no trial has {label} in {list(allowed)}")
        if self.average_over:
            missing = [label for label in self.average_over if label not in hidden.coords]
            if missing:
                raise SelectionError(
                    "average_over", f"{where}no trial label(s) {missing} to average over"
                )
            keys = [hidden[label].values for label in self.average_over]
            _, group = np.unique(
                np.stack([np.asarray(k, dtype=str) for k in keys]), axis=1, return_inverse=True
            )
            hidden = hidden.assign_coords(condition=("trial", group.ravel()))
            hidden = hidden.groupby("condition").mean("trial").rename(condition="trial")
            hidden = hidden.transpose("trial", "time", "unit")
        if self.time_normalize:
            hidden = normalize_time(hidden, self.time_normalize, source=source)
        return hidden

    def _select_checkpoint(self, hidden: xr.DataArray, where: str) -> xr.DataArray:
        """``hidden`` at the selected checkpoint (see :meth:`select`)."""
        c = self.checkpoint
        if "checkpoint" not in hidden.dims:
            # One checkpoint (a scalar label) or none recorded: only "final" — what the input
            # holds — or that label's own index can be honoured; anything else is refused
            # rather than silently comparing whatever the input holds.
            label = hidden.coords.get("checkpoint")
            if c == "final":
                return hidden
            if label is not None and label.ndim == 0 and isinstance(c, (int, np.integer)):
                if label.item() == c:
                    return hidden.drop_vars("checkpoint")
                raise SelectionError(
                    "checkpoint",
                    f"{where}holds only checkpoint {label.item()!r}, not checkpoint {c!r}",
                )
            held = "one checkpoint" if label is not None else "no 'checkpoint' dimension"
            raise SelectionError(
                "checkpoint",
                f"{where}has {held}, so checkpoint {c!r} cannot be selected (only 'final', "
                f"the activity as it is)",
            )
        n = hidden.sizes["checkpoint"]
        if c == "final":
            return hidden.isel(checkpoint=-1)
        if isinstance(c, (float, np.floating)):
            if "progress" not in hidden.coords or hidden["progress"].dims != ("checkpoint",):
                raise SelectionError(
                    "checkpoint",
                    f"{where}no 'progress' coordinate along 'checkpoint' to pick the "
                    f"checkpoint at progress {c!r} (give an integer index instead)",
                )
            nearest = int(np.argmin(np.abs(hidden["progress"].values - c)))
            return hidden.isel(checkpoint=nearest)
        by_fraction = _fraction_positions(hidden)
        if by_fraction:
            # A dynsim store of a network whose fractions met (one snapshot recorded once,
            # labelled with each): an index counts in training.checkpoints, not in the store.
            m = len(by_fraction)
            if not -m <= int(c) < m:
                raise SelectionError(
                    "checkpoint",
                    f"{where}checkpoint {c!r} is out of range: training.checkpoints had {m} "
                    f"fractions (indices 0..{m - 1}, or -{m}..-1 from the end)",
                )
            return hidden.isel(checkpoint=by_fraction[int(c) % m])
        if not -n <= int(c) < n:
            raise SelectionError(
                "checkpoint",
                f"{where}checkpoint {c!r} is out of range: there are {n} checkpoints "
                f"(indices 0..{n - 1}, or -{n}..-1 from the end)",
            )
        return hidden.isel(checkpoint=int(c))


def check_phases(phases: Sequence[tuple[str, int]]) -> None:
    """Refuse ``time_normalize`` phases that cannot mean anything, whatever the input
    (:class:`SelectionError` with field ``"time_normalize"``): a phase whose name is empty or
    has an empty epoch name (``"a++b"``), a step count that is not an integer ≥ 1, an epoch
    in two phases."""
    seen: dict[str, str] = {}
    for phase, steps in phases:
        names = str(phase).split("+")
        if not phase or any(not name for name in names):
            raise SelectionError(
                "time_normalize",
                f"phase {phase!r}: a phase is an epoch name or epoch names joined by '+'",
            )
        if (
            isinstance(steps, (bool, np.bool_))
            or not isinstance(steps, (int, np.integer))
            or (steps < 1)
        ):
            raise SelectionError(
                "time_normalize",
                f"phase {phase!r}: steps must be an integer ≥ 1, got {steps!r}",
            )
        for name in names:
            if name in seen:
                raise SelectionError(
                    "time_normalize",
                    f"epoch {name!r} is in two phases ({seen[name]!r} and {phase!r})",
                )
            seen[name] = phase


def normalize_time(
    hidden: xr.DataArray, phases: Sequence[tuple[str, int]], *, source: str | None = None
) -> xr.DataArray:
    """Per-phase time normalisation: every phase of ``hidden``'s trials resampled to a fixed
    number of steps, so that trials of different lengths give corresponding samples.

    hidden : dims (…, ``time``, …) with an ``epoch`` coordinate along ``time`` (a trial's
        epochs, the same for every trial, as the tasks' fixed test timings give).
    phases : ``(phase, steps)`` pairs in time order; a phase is one epoch or consecutive
        epochs joined by ``+`` (``"stimulus+delay"``); the input needs at least one of them,
        and the ones it has must be contiguous. Time steps outside every phase are dropped.

    A phase of L steps is resampled to N by linear interpolation between the original steps
    at the centres of N equal bins spanning it, i.e. at positions
    ``(k + 1/2)·L/N − 1/2`` (k = 0 … N−1) in units of the original steps, clipped to
    [0, L − 1] (scipy's ``make_interp_spline`` with k = 1); a phase of one step is repeated.
    This is piecewise-linear time normalisation between task events (epoch boundaries):
    sample k of a phase is the same fraction of that phase in every task.

    Returns ``hidden`` with a new ``time`` dim of ``sum(steps)`` steps (no time values:
    normalised time has none) whose ``epoch`` coordinate is the phase name, and
    ``time_fraction`` the position within the phase ((k + 1/2)/N). Raises
    :class:`SelectionError` (field ``"time_normalize"``) naming ``source`` when the input has
    no epochs, lacks every epoch of a phase, a phase's epochs are not contiguous or the
    phases are out of time order.
    """
    where = f"{source}: " if source else ""
    check_phases(phases)
    if "epoch" not in hidden.coords or hidden["epoch"].dims != ("time",):
        raise SelectionError(
            "time_normalize",
            f"{where}no 'epoch' coordinate along 'time' to normalise time by phases on",
        )
    # (a store's labels read back as NumPy's StringDType, which cannot be cast to str)
    epochs = np.asarray(hidden["epoch"].values).astype(object).astype(str)
    axis = hidden.dims.index("time")
    values = np.asarray(hidden.values, dtype=float)
    pieces, names, fractions = [], [], []
    last_end = -1
    for phase, steps in phases:
        wanted = phase.split("+")
        index = np.flatnonzero(np.isin(epochs, wanted))
        if index.size == 0:
            raise SelectionError(
                "time_normalize",
                f"{where}phase {phase!r}: no time step is in epoch(s) {wanted} "
                f"(epochs: {list(dict.fromkeys(epochs.tolist()))})",
            )
        if np.any(np.diff(index) != 1):
            raise SelectionError(
                "time_normalize",
                f"{where}phase {phase!r}: its epochs are not contiguous in time",
            )
        if index[0] <= last_end:
            raise SelectionError(
                "time_normalize",
                f"{where}phase {phase!r} starts before the end of the previous phase; "
                "list the phases in time order",
            )
        last_end = int(index[-1])
        segment = np.take(values, index, axis=axis)
        length = index.size
        if length == 1:
            pieces.append(np.repeat(segment, steps, axis=axis))
        else:
            at = np.clip((np.arange(steps) + 0.5) * length / steps - 0.5, 0.0, length - 1.0)
            spline = make_interp_spline(np.arange(length, dtype=float), segment, k=1, axis=axis)
            pieces.append(spline(at))
        names += [phase] * steps
        fractions.append((np.arange(steps) + 0.5) / steps)
    coords = {name: coord for name, coord in hidden.coords.items() if "time" not in coord.dims}
    out = xr.DataArray(
        np.concatenate(pieces, axis=axis),
        dims=hidden.dims,
        coords=coords,
        name=hidden.name,
        attrs=hidden.attrs,
    )
    return out.assign_coords(
        epoch=("time", np.asarray(names)), time_fraction=("time", np.concatenate(fractions))
    )


def _plain(value: Any) -> Any:
    """A JSON-able scalar: NumPy scalars become Python ones; anything else its repr."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return repr(value)


def _fraction_positions(hidden: xr.DataArray) -> dict[int, int]:
    """Index into training.checkpoints → position along ``checkpoint``, from a store's
    ``fraction_indices`` coordinate ("0 1" where two fractions selected one snapshot; see
    :func:`dynsim.training.record_activity`); empty when there is none (older stores, an
    untrained network, other inputs), where an index is a position."""
    coord = hidden.coords.get("fraction_indices")
    if coord is None or coord.dims != ("checkpoint",):
        return {}
    return {int(i): k for k, label in enumerate(coord.values) for i in str(label).split()}
