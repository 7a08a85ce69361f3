"""The pairwise engine: every network prepared once, pairs compared in batches, on Ray when
the work is large or a cluster is named, partial results persisted so a killed job resumes.

>>> ds = compute("cka", ["a.zarr", "b.zarr", "c.zarr"], partial_dir="tmp/cka.partial")

Sources are paths to activation stores (read lazily, one at a time, so memory holds only the
prepared objects), or in-memory arrays (trial, time, unit) / DataArrays, optionally given as a
mapping name → source. The result is an :class:`xarray.Dataset` with ``distance`` and
``status`` over (``model_a``, ``model_b``) and the networks' labels as coordinates.
:func:`dynsim.metrics.pairwise` is the same engine, in-process, returning a DataArray.

Modules, bottom up:

* :mod:`.core` — pair plan, batched comparison with per-pair reasons, assembly (arrays only);
* :mod:`.selection` — :class:`Selection`, what of a store is compared;
* :mod:`.sources` — naming networks, reading stores, the identity of each input;
* :mod:`.resume` — the :class:`~.resume.Plan` of a run and its finished batches on disk;
* :mod:`.ray_backend` — batches as Ray tasks (whether to use Ray: :mod:`dynsim.raysession`);
* :mod:`.engine` — :func:`compute`, :func:`compute_over_learning`, labelled results;
* :mod:`.files` — :func:`compare_files`, the ``dynsim compare`` command as one call.
"""

from __future__ import annotations

from dynsim.pairwise.engine import compute, compute_over_learning
from dynsim.pairwise.files import compare_files
from dynsim.pairwise.resume import Plan
from dynsim.pairwise.selection import Selection, SelectionError
from dynsim.store import NETWORK_LABELS

__all__ = [
    "NETWORK_LABELS",
    "Plan",
    "Selection",
    "SelectionError",
    "compare_files",
    "compute",
    "compute_over_learning",
]
