"""Running the systems bench: every case's systems built once, compared by every metric through
the pairwise engine (in-process), scored, and written out (:mod:`dynsim.bench.report`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dynsim import metrics as registry
from dynsim.bench.cases import (
    BUILDERS,
    CASES,
    CRITERIA,
    DEFAULT_METRICS,
    SIZES,
    BenchSize,
    CaseData,
)
from dynsim.bench.report import write_docs, write_outputs
from dynsim.bench.result import BenchResult, CaseResult
from dynsim.bench.scoring import SCORERS
from dynsim.pairwise import compute


def resolve_metrics(
    metrics: Sequence[str] | Mapping[str, Mapping[str, Any]] | None,
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The metrics to run (name → params) and those skipped (name → reason)."""
    if metrics is None:
        wanted: dict[str, dict[str, Any]] = {k: dict(v) for k, v in DEFAULT_METRICS.items()}
    elif isinstance(metrics, Mapping):
        wanted = {k: dict(v or {}) for k, v in metrics.items()}
    else:
        wanted = {k: dict(DEFAULT_METRICS.get(k, {})) for k in metrics}
    available = set(registry.available())
    run, skipped = {}, {}
    for name, params in wanted.items():
        if name not in available:
            skipped[name] = "not registered in dynsim.metrics (not available in this version)"
            continue
        try:
            registry.get(name, **params)
        except (TypeError, ValueError) as err:
            skipped[name] = f"cannot be constructed with {params}: {err}"
            continue
        run[name] = params
    return run, skipped


def run_case(case: str, data: CaseData, metric: str, params: Mapping[str, Any]) -> CaseResult:
    """Distances (via the pairwise engine, in-process) and scores of one metric on one case."""
    start = time.perf_counter()
    other = None if data.reference is None else data.arrays(data.reference)
    matrix = compute(
        metric,
        data.arrays(),
        other,
        metric_params=dict(params),
        backend="inprocess",
        progress=False,
    )
    scores, detail = SCORERS[case](matrix, data)
    seconds = time.perf_counter() - start
    return CaseResult(case, metric, matrix, scores, CRITERIA[case].passes(scores), detail, seconds)


def run_bench(
    out_dir: str | Path | None,
    size: str | BenchSize = "default",
    seed: int = 0,
    metrics: Sequence[str] | Mapping[str, Mapping[str, Any]] | None = None,
    *,
    cases: Sequence[str] | None = None,
    figure: bool = True,
    docs: str | Path | None = None,
    log: Callable[[str], None] | None = None,
) -> BenchResult:
    """Run the bench and (when ``out_dir`` is given) write its files there.

    size : "default" (≤ a few minutes on 2 CPU cores), "small" (seconds; for tests) or a
        :class:`BenchSize`.
    metrics : names (parameters from :data:`DEFAULT_METRICS`) or name → parameters; default:
        procrustes, cka, dsa and dsa_wasserstein. A metric that is not registered (e.g. DSA
        in a dynsim without it) is skipped with a message, and listed in results.md.
    cases : a subset of :data:`CASES` (default: all).
    docs : also write the documentation page (:func:`docs_markdown`) to this path.
    """
    say = log or (lambda msg: print(msg, file=sys.stderr))
    spec = SIZES[size] if isinstance(size, str) else size
    size_name = size if isinstance(size, str) else "custom"
    run, skipped = resolve_metrics(metrics)
    for name, reason in skipped.items():
        say(f"systems-bench: skipping metric {name!r}: {reason}")
    if not run:
        raise ValueError(f"no metric can be run (skipped: {skipped})")
    chosen = list(CASES) if cases is None else list(cases)
    unknown = set(chosen) - set(CASES)
    if unknown:
        raise ValueError(f"unknown case(s) {sorted(unknown)}; choose from {CASES}")

    start = time.perf_counter()
    result = BenchResult(size=size_name, seed=seed, metrics=run, skipped=skipped)
    for case in chosen:
        t0 = time.perf_counter()
        data = BUILDERS[case](spec, seed)
        result.datasets[case] = data
        say(
            f"systems-bench: {case}: {len(data.systems)} systems built in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        for metric, params in run.items():
            res = run_case(case, data, metric, params)
            result.results.append(res)
            crit = CRITERIA[case]
            say(
                f"systems-bench: {case} × {metric}: {crit.score} = "
                f"{res.scores[crit.score]:.3f} ({'pass' if res.passed else 'fail'}; "
                f"{res.seconds:.1f} s)"
            )
    result.seconds = time.perf_counter() - start
    if out_dir is not None:
        write_outputs(result, Path(out_dir), spec, figure=figure)
    if docs is not None:
        write_docs(result, spec, docs)
    return result
