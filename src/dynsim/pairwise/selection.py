"""Which part of a network's recording is compared: :class:`Selection`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr


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

    @classmethod
    def from_config(cls, compare: dict[str, Any]) -> Selection:
        """From the config's ``compare`` section (lists become tuples)."""
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

    def apply(self, dataset: xr.Dataset) -> xr.DataArray:
        """The selected activity of a network store's ``hidden`` variable.

        Returns a DataArray with dims (``trial``, ``time``, ``unit``) — the checkpoint dim
        removed; after ``average_over``, one "trial" per condition. Raises ValueError naming
        the epoch or label when the selection matches nothing or names an unknown label.
        """
        hidden = dataset["hidden"]
        if self.checkpoint == "final":
            hidden = hidden.isel(checkpoint=-1)
        elif isinstance(self.checkpoint, float):
            nearest = int(np.argmin(np.abs(dataset["progress"].values - self.checkpoint)))
            hidden = hidden.isel(checkpoint=nearest)
        elif isinstance(self.checkpoint, int):
            hidden = hidden.isel(checkpoint=self.checkpoint)
        else:
            raise ValueError(
                f"checkpoint must be 'final', an int or a float; got {self.checkpoint!r}"
            )
        if self.epoch is not None:
            wanted = [self.epoch] if isinstance(self.epoch, str) else list(self.epoch)
            keep = np.isin(dataset["epoch"].values, wanted)
            if not keep.any():
                raise ValueError(f"no time step is in epoch(s) {wanted}")
            hidden = hidden.isel(time=keep)
        for label, allowed in self.trials:
            if label not in hidden.coords:
                raise ValueError(f"no trial label {label!r} to select on")
            hidden = hidden.isel(trial=np.isin(hidden[label].values, list(allowed)))
            if hidden.sizes["trial"] == 0:
                raise ValueError(f"no trial has {label} in {list(allowed)}")
        if self.average_over:
            missing = [label for label in self.average_over if label not in hidden.coords]
            if missing:
                raise ValueError(f"no trial label(s) {missing} to average over")
            keys = [hidden[label].values for label in self.average_over]
            _, group = np.unique(
                np.stack([np.asarray(k, dtype=str) for k in keys]), axis=1, return_inverse=True
            )
            hidden = hidden.assign_coords(condition=("trial", group.ravel()))
            hidden = hidden.groupby("condition").mean("trial").rename(condition="trial")
            hidden = hidden.transpose("trial", "time", "unit")
        return hidden


def _plain(value: Any) -> Any:
    """A JSON-able scalar: NumPy scalars become Python ones; anything else its repr."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return repr(value)
