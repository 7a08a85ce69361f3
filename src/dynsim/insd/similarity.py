"""Similarity between networks at a glance: a 2-D MDS embedding of a distance matrix.

:func:`embed` takes the distance matrices the pairwise engine computed (CKA, RSA, DSA, … of the
networks' recorded activity) and embeds one of them (DSA when present, else Procrustes) with
classical MDS (:func:`mds`). Not to be confused with :func:`dynsim.systems.embed`, a random
linear observation of a dynamical system.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from dynsim.figures import classical_mds

__all__ = ["embed", "mds"]


def mds(distance: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS coordinates (point, component) of a distance matrix
    (point, point): :func:`dynsim.figures.classical_mds` without its variance shares.

    The one implementation lives with the figures (insd sits above figures in the layers);
    see it for the formula, its source and the handling of NaN and asymmetry. Raises
    ValueError when ``distance`` is not square.
    """
    coords, _ = classical_mds(distance, n_components)
    return coords


def embed(
    matrices: Mapping[str, xr.Dataset], prefer: Sequence[str] = ("dsa", "procrustes")
) -> xr.Dataset:
    """A 2-D MDS embedding of the first available of ``prefer`` (else the first matrix).

    ``matrices`` maps a metric name to its square matrix from the pairwise engine (a
    ``distance`` (model_a, model_b) variable with ``<label>_a`` coordinates). Returns a
    dataset with ``coordinates`` (model, component) and the models' labels; raises ValueError
    when there is no matrix.
    """
    if not matrices:
        raise ValueError("no similarity matrix to embed")
    name = next((m for m in prefer if m in matrices), next(iter(matrices)))
    matrix = matrices[name]
    coords = mds(matrix["distance"].values)
    models_ = np.asarray(matrix["model_a"].values, dtype=object)  # variable-length strings
    extra = {
        label: ("model", _plain(matrix[f"{label}_a"].values))
        for label in ("task", "arch", "regime", "variant", "seed")
        if f"{label}_a" in matrix.coords
    }
    return xr.Dataset(
        {"coordinates": (("model", "component"), coords)},
        coords={"model": models_, "component": [1, 2], **extra},
        attrs={"analysis": "mds", "metric": name, "method": "classical (Torgerson) MDS"},
    )


def _plain(values: np.ndarray) -> np.ndarray:
    """Strings as objects (variable-length UTF-8 in Zarr), everything else unchanged."""
    values = np.asarray(values)
    return values.astype(object) if values.dtype.kind in "OUS" else values
