"""Resumable runs: the :class:`Plan` that determines every value, and finished batches on disk.

A partial directory holds ``plan.json`` (the plan, readable), ``plan.sha256`` (its hash) and
one ``batch<k>.npz`` per finished batch. A run reuses the batches only when its plan hashes
the same; otherwise the old batches are deleted with a one-line notice — a resumed matrix
must always equal a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import dynsim
from dynsim.metrics.base import Metric
from dynsim.pairwise.selection import Selection
from dynsim.pairwise.sources import Network

log = logging.getLogger(__name__)

# 2: reasons name the failed network or pair (issue 13), not the side ("model_b: …").
ENGINE_REVISION = 2


@dataclass(frozen=True)
class Plan:
    """Everything that determines the values of a pairwise run, hashed as a whole.

    metric : the metric's class (``module.QualName``) and parameters (:meth:`Metric.attrs`).
    selection, other_selection : :meth:`Selection.to_dict` of each set (None: one set).
    networks, other_networks : per network, its name and input identity — for a store its
        absolute path, a digest of its files (:func:`~dynsim.pairwise.sources.store_identity`)
        and of the selected activity; for in-memory activity a digest of its bytes.
    n_pairs, batch_size, order : the pair plan (batch k is pairs[k·batch_size : …] in this
        order: ``"tiled"`` or ``"row-major"``).
    version : dynsim's version (the code that computed the values).
    engine : :data:`ENGINE_REVISION`, bumped whenever what a batch records changes within a
        version (e.g. the form of its reasons), so older batches are not reused.
    """

    metric: dict[str, Any]
    selection: dict[str, Any]
    other_selection: dict[str, Any] | None
    networks: tuple[dict[str, Any], ...]
    other_networks: tuple[dict[str, Any], ...] | None
    n_pairs: int
    batch_size: int
    order: str
    version: str
    engine: int

    @classmethod
    def of(
        cls,
        metric: Metric,
        nets_a: list[Network],
        nets_b: list[Network] | None,
        selection: Selection,
        other_selection: Selection,
        *,
        n_pairs: int,
        batch_size: int,
        order: str,
    ) -> Plan:
        """The plan of a run whose networks have been read (their identities are set)."""

        def described(nets: list[Network]) -> tuple[dict[str, Any], ...]:
            return tuple({"name": n.name, **n.identity} for n in nets)

        return cls(
            metric={
                "class": f"{type(metric).__module__}.{type(metric).__qualname__}",
                **metric.attrs(),
            },
            selection=selection.to_dict(),
            other_selection=None if nets_b is None else other_selection.to_dict(),
            networks=described(nets_a),
            other_networks=None if nets_b is None else described(nets_b),
            n_pairs=n_pairs,
            batch_size=batch_size,
            order=order,
            version=dynsim.__version__,
            engine=ENGINE_REVISION,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=repr)

    def fingerprint(self) -> str:
        """SHA-256 of the whole plan (:meth:`to_json`)."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()


class PartialStore:
    """Finished batches on disk (one small .npz each) for one :class:`Plan`; inert when
    ``root`` is None. Files of another plan in ``root`` are deleted on opening."""

    def __init__(self, root: str | os.PathLike[str] | None, plan: Plan | None) -> None:
        self.root = None if root is None else Path(root)
        if self.root is None:
            return
        if plan is None:
            raise ValueError("a partial directory needs the run's plan")
        fingerprint = plan.fingerprint()
        marker = self.root / "plan.sha256"
        stale = [*self.root.glob("batch*.npz")] if self.root.exists() else []
        if stale and (not marker.exists() or marker.read_text() != fingerprint):
            log.warning(
                "%s: discarding %d finished batch(es) of a different plan (metric, selection, "
                "inputs or batching changed)",
                self.root,
                len(stale),
            )
            for path in stale:
                path.unlink()
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "plan.json").write_text(plan.to_json())
        marker.write_text(fingerprint)

    def _path(self, k: int) -> Path:
        assert self.root is not None
        return self.root / f"batch{k:06d}.npz"

    def load(self, k: int) -> tuple[np.ndarray, list[str]] | None:
        """Batch ``k``'s (values, reasons) if finished, else None."""
        if self.root is None or not self._path(k).exists():
            return None
        with np.load(self._path(k)) as data:
            return data["values"], [str(r) for r in data["reasons"]]

    def save(self, k: int, values: np.ndarray, reasons: list[str]) -> None:
        """Keep batch ``k`` (written to a temporary name, then renamed: never half a file)."""
        if self.root is None:
            return
        tmp = self._path(k).with_suffix(".tmp.npz")
        np.savez(tmp, values=values, reasons=np.asarray(reasons, dtype=str))
        os.replace(tmp, self._path(k))
