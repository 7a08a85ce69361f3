"""The battery's numbers as Markdown (``battery/summary.md``; the figures show the rest)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from dynsim.insd.fixed_points import KINDS

__all__ = ["SUMMARY_KEYWORDS", "summary_markdown", "summary_of"]


def summary_markdown(
    predictivity: xr.Dataset | None = None,
    fixed_points: xr.Dataset | None = None,
    ood: xr.Dataset | None = None,
    decoding: xr.Dataset | None = None,
    embedding: xr.Dataset | None = None,
) -> str:
    """The battery's numbers as Markdown (the figures show the rest); each section only
    for the analyses given."""
    lines = ["# INSD analysis battery", ""]
    if predictivity is not None:
        s = json.loads(predictivity.attrs["summary"])
        lines += ["## Null-space linear predictivity (cross-validated r²)", ""]
        lines += [
            f"- reference → reference (standard networks, {s['n_reference_pairs']} ordered "
            f"pairs): {_fmt(s['reference_to_reference'])}",
            f"- alternative (INSD link k ≥ 1) → its reference (link 0): "
            f"{_fmt(s['alternative_to_reference'])}",
            f"- reference → alternative: {_fmt(s['reference_to_alternative'])}",
            f"- accuracy: standard {_fmt(s['standard_accuracy'])}, alternative "
            f"{_fmt(s['alternative_accuracy'])}",
            "",
        ]
        if s["links"]:
            lines += ["| link | r² → reference | r² ← reference | accuracy | reference acc. |"]
            lines += ["|---|---|---|---|---|"]
            for x in s["links"]:
                lines.append(
                    f"| {x['network']} | {x['to_reference']:.3f} | {x['from_reference']:.3f} "
                    f"| {x['accuracy']:.3f} | {x['reference_accuracy']:.3f} |"
                )
            lines.append("")
    if fixed_points is not None:
        lines += ["## Fixed points", "", "| network | input | " + " | ".join(KINDS) + " |"]
        lines += ["|---|---|" + "---|" * len(KINDS)]
        for net in fixed_points["network"].values:
            for x in fixed_points["input"].values:
                c = fixed_points["count"].sel(network=net, input=x).values
                if np.isfinite(c).all():
                    lines.append(f"| {net} | {x} | " + " | ".join(str(int(v)) for v in c) + " |")
            reason = str(fixed_points["status"].sel(network=net).values)
            if reason:
                lines.append(f"| {net} | – | {reason} |" + " |" * (len(KINDS) - 1))
        lines.append("")
    if ood is not None:
        conditions = [str(c) for c in ood["condition"].values]
        lines += ["## Out-of-distribution accuracy", "", "| network | " + " | ".join(conditions)]
        lines[-1] += " |"
        lines += ["|---|" + "---|" * len(conditions)]
        for k, net in enumerate(ood["network"].values):
            row = ood["accuracy"].values[k]
            lines.append(f"| {net} | " + " | ".join(_fmt(v) for v in row) + " |")
        lines.append("")
    if decoding is not None:
        lines += ["## Decoding (mean score over time)", ""]
        variables = [str(v) for v in decoding["variable"].values]
        lines += ["| network | space | " + " | ".join(variables) + " |"]
        lines += ["|---|---|" + "---|" * len(variables)]
        for i, net in enumerate(decoding["network"].values):
            for s, space in enumerate(decoding["space"].values):
                with np.errstate(all="ignore"):
                    means = np.nanmean(decoding["score"].values[i, s], axis=-1)
                lines.append(f"| {net} | {space} | " + " | ".join(_fmt(v) for v in means) + " |")
        lines.append("")
    if embedding is not None:
        lines += [f"MDS embedding of {embedding.attrs['metric']} distances: see the figure.", ""]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{float(value):.3f}"


#: The ``analysis`` attribute each analysis writes → the keyword of :func:`summary_markdown`.
SUMMARY_KEYWORDS: dict[str, str] = {
    "linear_predictivity": "predictivity",
    "fixed_points": "fixed_points",
    "ood": "ood",
    "decoding": "decoding",
    "mds": "embedding",
}


def summary_of(datasets: Mapping[str, xr.Dataset]) -> str:
    """:func:`summary_markdown` of the analyses' datasets, keyed by their ``analysis``
    attribute (see :data:`SUMMARY_KEYWORDS`; other keys are ignored)."""
    return summary_markdown(
        **{kw: datasets[name] for name, kw in SUMMARY_KEYWORDS.items() if name in datasets}
    )
