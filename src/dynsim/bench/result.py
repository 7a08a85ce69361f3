"""What a run of the systems bench returns: one :class:`CaseResult` per case × metric, in a
:class:`BenchResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from dynsim.bench.cases import CRITERIA, CaseData


@dataclass
class CaseResult:
    case: str
    metric: str
    matrix: xr.Dataset
    scores: dict[str, float]
    passed: bool
    detail: pd.DataFrame
    seconds: float


@dataclass
class BenchResult:
    size: str
    seed: int
    metrics: dict[str, dict[str, Any]]
    results: list[CaseResult] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, CaseData] = field(default_factory=dict)
    seconds: float = 0.0

    def table(self) -> pd.DataFrame:
        """One row per case × metric × score (the content of results.csv)."""
        rows = []
        for r in self.results:
            crit = CRITERIA[r.case]
            for score, value in r.scores.items():
                decisive = score == crit.score
                rows.append(
                    {
                        "case": r.case,
                        "metric": r.metric,
                        "score": score,
                        "value": round(float(value), 6),
                        "threshold": crit.threshold if decisive else np.nan,
                        "passed": r.passed if decisive else None,
                    }
                )
        return pd.DataFrame(
            rows, columns=["case", "metric", "score", "value", "threshold", "passed"]
        )

    def get(self, case: str, metric: str) -> CaseResult:
        for r in self.results:
            if r.case == case and r.metric == metric:
                return r
        raise KeyError((case, metric))
