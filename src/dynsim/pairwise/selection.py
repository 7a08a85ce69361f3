"""Which part of a network's recording is compared: :class:`Selection`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr


class SelectionError(ValueError):
    """A selection that does not fit an input (or no input at all). ``field`` names the part
    of the selection at fault — ``"checkpoint"``, ``"epoch"``, ``"trials"`` or
    ``"average_over"`` — so that a caller can name its own option for it (the CLI's
    ``--checkpoint`` …); the message names the input."""

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
    """

    checkpoint: int | float | str = "final"
    epoch: str | tuple[str, ...] | None = None
    trials: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    average_over: tuple[str, ...] = ()

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

    @classmethod
    def from_config(cls, compare: dict[str, Any]) -> Selection:
        """From the config's ``compare`` section (lists become tuples). Raises ValueError
        naming the value of an invalid ``checkpoint`` (see :meth:`__post_init__`)."""
        epoch = compare.get("epoch")
        return cls(
            checkpoint=compare.get("checkpoint", "final"),
            epoch=tuple(epoch) if isinstance(epoch, list) else epoch,
            trials=tuple((k, tuple(v)) for k, v in (compare.get("trials") or {}).items()),
            average_over=tuple(compare.get("average_over") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (part of the resume plan). ``1`` (an index) and ``1.0`` (a
        progress fraction) stay distinct, as JSON keeps ints and floats apart."""
        return {
            "checkpoint": _plain(self.checkpoint),
            "epoch": self.epoch
            if self.epoch is None or isinstance(self.epoch, str)
            else list(self.epoch),
            "trials": [[label, [_plain(v) for v in allowed]] for label, allowed in self.trials],
            "average_over": list(self.average_over),
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
        if not -n <= int(c) < n:
            raise SelectionError(
                "checkpoint",
                f"{where}checkpoint {c!r} is out of range: there are {n} checkpoints "
                f"(indices 0..{n - 1}, or -{n}..-1 from the end)",
            )
        return hidden.isel(checkpoint=int(c))


def _plain(value: Any) -> Any:
    """A JSON-able scalar: NumPy scalars become Python ones; anything else its repr."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return repr(value)
