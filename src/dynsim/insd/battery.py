"""The INSD analysis battery as one table: analysis name → (analysis, figure), and the one
library call per analysis that ``dynsim battery`` (and so ``workflow/rules/insd.smk``) makes.

Network analyses (``predictivity``, ``fixed_points``, ``decoding``, ``ood``) run on networks
loaded from checkpoint files; ``similarity`` embeds distance matrices written by
``dynsim compare``; :func:`write_summary` turns the analyses' datasets into Markdown.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import xarray as xr

from dynsim.insd.decoding import decoding_analysis
from dynsim.insd.figures import (
    decoding_figure,
    fixed_point_figure,
    ood_figure,
    predictivity_figure,
    similarity_figure,
)
from dynsim.insd.fixed_points import fixed_point_analysis
from dynsim.insd.networks import load_networks
from dynsim.insd.ood import ood_accuracy
from dynsim.insd.predictivity import predictivity_matrices
from dynsim.insd.similarity import embed
from dynsim.insd.summary import summary_of
from dynsim.store import atomic_write_zarr, open_matrices, open_matrix

__all__ = ["ANALYSES", "Analysis", "run_analysis", "write_summary"]

PathLike = str | os.PathLike[str]
# A figure drawn from the analysis' inputs (networks or matrices) and its dataset.
Draw = Callable[..., Path]


@dataclass(frozen=True)
class Analysis:
    """One analysis of the battery.

    ``compute(inputs, **params[, n_repeats=, seed=])`` makes its dataset from its inputs
    (``on``: networks from checkpoint files, or the similarity matrices, which take no test
    set); ``draw(inputs, dataset, path, n_repeats=, seed=)`` writes its figure.
    """

    compute: Callable[..., xr.Dataset]
    draw: Draw
    on: Literal["networks", "matrices"] = "networks"


def _from_dataset(figure: Callable[[xr.Dataset, PathLike], Path]) -> Draw:
    """A figure drawn from the dataset alone."""

    def draw(inputs: Any, dataset: xr.Dataset, path: PathLike, **_test_set: int) -> Path:
        return figure(dataset, path)

    return draw


def _similarity(matrices: Any, dataset: xr.Dataset, path: PathLike, **_test_set: int) -> Path:
    return similarity_figure(matrices, dataset, path)


ANALYSES: dict[str, Analysis] = {
    "predictivity": Analysis(predictivity_matrices, _from_dataset(predictivity_figure)),
    "similarity": Analysis(embed, _similarity, on="matrices"),
    "fixed_points": Analysis(fixed_point_analysis, fixed_point_figure),
    "decoding": Analysis(decoding_analysis, _from_dataset(decoding_figure)),
    "ood": Analysis(ood_accuracy, _from_dataset(ood_figure)),
}


def run_analysis(
    analysis: str,
    *,
    checkpoints: Sequence[PathLike] = (),
    matrices: Sequence[PathLike] = (),
    params: Mapping[str, Any] | None = None,
    n_repeats: int = 4,
    seed: int = 0,
    out: PathLike | None = None,
    figure: PathLike | None = None,
) -> xr.Dataset:
    """Run one analysis of :data:`ANALYSES`; draw its figure to ``figure`` and write its
    dataset to ``out`` (Zarr, atomically) when given; return the dataset.

    Network analyses read ``checkpoints`` (files from ``dynsim train``; diverged networks
    are skipped) and run them on the task's test set (``n_repeats`` repeats of each
    condition, noise seed ``seed``); ``similarity`` reads ``matrices`` (from
    ``dynsim compare``; matrices over learning are left out). ``params`` are the analysis'
    keyword arguments. Raises KeyError for an unknown analysis, and the loaders' errors
    (naming the file) for unreadable inputs.
    """
    if analysis not in ANALYSES:
        raise KeyError(f"unknown battery analysis {analysis!r}; choose from {sorted(ANALYSES)}")
    spec = ANALYSES[analysis]
    params = dict(params or {})
    test_set = {"n_repeats": n_repeats, "seed": seed}
    if spec.on == "matrices":
        inputs: Any = {
            name: m for name, m in open_matrices(matrices).items() if "progress" not in m.dims
        }
        result = spec.compute(inputs, **params)
    else:
        inputs = load_networks(checkpoints)
        result = spec.compute(inputs, **params, **test_set)
    if figure is not None:
        spec.draw(inputs, result, figure, **test_set)
    if out is not None:
        atomic_write_zarr(result, out)
    return result


def write_summary(data: Iterable[PathLike], out: PathLike) -> Path:
    """The battery's Markdown summary (:func:`dynsim.insd.summary.summary_of`) of the
    analyses' datasets (Zarr files written by :func:`run_analysis`), written to ``out``."""
    datasets = {}
    for path in map(Path, data):
        dataset = open_matrix(path)  # any small Zarr dataset: loaded, errors name the file
        datasets[str(dataset.attrs.get("analysis", path.stem))] = dataset
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(summary_of(datasets))
    return out
