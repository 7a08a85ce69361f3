"""The metric interface: a per-network ``prepare`` and a per-pair ``compare``.

Every metric turns a network's activity into a *prepared* object once (centring, Gram
matrices, a fitted operator …) and compares two prepared objects per pair. The pairwise
engine (:mod:`dynsim.pairwise`) relies on this split so that per-network work is never
repeated per pair.

Direction of scores: ``compare`` always returns a **distance** (0 = identical). Metrics that
are naturally similarities (CKA, RSA correlations, …) expose ``similarity`` and convert with
one explicit rule, chosen by the ``score`` parameter:

* ``"angular"``: d = arccos(s), for s ∈ [−1, 1] clipped before arccos (a proper metric
  whenever s is a cosine between unit vectors);
* ``"one_minus"``: d = 1 − s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

TRAJECTORY_DIMS = ("trial", "time", "unit")

# Named invariances a metric may declare (tests check each declared one).
INVARIANCES = frozenset(
    {"rotation", "isotropic_scale", "invertible_linear", "permutation", "translation"}
)


class PreparationError(ValueError):
    """Raised by ``prepare`` when a network's activity cannot be used (NaN, rank 0, …)."""


def as_trajectories(X: Any, *, dtype: type = np.float64) -> np.ndarray:
    """Return activity as a float array shaped (trial, time, unit).

    ``X`` may be an :class:`xarray.DataArray` with dims named ``trial``, ``time`` and ``unit``
    (any order, selected by name; a missing ``trial`` dim is treated as one trial), or a
    NumPy array that is *already* (trial, time, unit) — 2-D arrays are read as (time, unit).
    Float32 input is promoted so that sums accumulate in float64.
    """
    dims = getattr(X, "dims", None)
    if dims is not None and not isinstance(X, np.ndarray):
        dims = tuple(dims)
        extra = set(dims) - set(TRAJECTORY_DIMS)
        if extra:
            raise ValueError(
                f"activity has dims {dims}; expected only {TRAJECTORY_DIMS} "
                f"(select or stack {sorted(extra)} first)"
            )
        if "time" not in dims or "unit" not in dims:
            raise ValueError(f"activity has dims {dims}; 'time' and 'unit' are required")
        if "trial" not in dims:
            X = X.expand_dims("trial")
        arr = np.asarray(X.transpose(*TRAJECTORY_DIMS).values, dtype=dtype)
    else:
        arr = np.asarray(X, dtype=dtype)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise ValueError(
                f"activity must be (trial, time, unit) or (time, unit); got shape {arr.shape}"
            )
    return arr


def as_samples(X: Any) -> np.ndarray:
    """Activity flattened to (sample, unit) with samples = trial × time (float64)."""
    traj = as_trajectories(X)
    return traj.reshape(-1, traj.shape[-1])


def check_finite(arr: np.ndarray) -> None:
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise PreparationError(f"activity contains {n_bad} non-finite values (NaN/inf)")


def pair_inner_products(
    vectors_a: Sequence[np.ndarray | None],
    vectors_b: Sequence[np.ndarray | None],
    pairs: np.ndarray,
) -> np.ndarray | None:
    """⟨a_i, b_j⟩ for every pair (i, j) with one matrix product over the networks involved.

    For metrics whose similarity is an inner product of per-network feature vectors (CKA's
    flattened Gram matrices, RSA's RDM vectors). Returns None when a vector is missing or the
    sizes differ, so the caller falls back to its per-pair route.
    """
    rows, cols = np.unique(pairs[:, 0]), np.unique(pairs[:, 1])
    used = [vectors_a[i] for i in rows] + [vectors_b[j] for j in cols]
    if any(v is None for v in used) or len({v.size for v in used}) != 1:
        return None
    block = np.stack([vectors_a[i] for i in rows]) @ np.stack([vectors_b[j] for j in cols]).T
    return block[np.searchsorted(rows, pairs[:, 0]), np.searchsorted(cols, pairs[:, 1])]


def similarity_to_distance(similarity: np.ndarray | float, score: str) -> np.ndarray | float:
    """Convert a similarity in [−1, 1] to a distance by the rule named ``score``."""
    s = np.clip(similarity, -1.0, 1.0)
    if score == "angular":
        return np.arccos(s)
    if score == "one_minus":
        return 1.0 - s
    raise ValueError(f"unknown score {score!r}; use 'angular' or 'one_minus'")


class Metric:
    """Base class of all metrics.

    Subclasses set the class attributes and implement :meth:`prepare` and :meth:`compare`.
    :meth:`compare_batch` may be overridden with a vectorised version; its default loops.
    """

    name: ClassVar[str] = "metric"
    symmetric: ClassVar[bool] = True
    #: True when the distance satisfies the triangle inequality (a proper metric).
    is_metric: ClassVar[bool] = False
    invariances: ClassVar[frozenset[str]] = frozenset()
    #: Whether both networks must have the same number of units.
    requires_same_units: ClassVar[bool] = False

    def __init__(self, **params: Any) -> None:
        # Subclasses validate their arguments, then call this with every parameter so that it
        # is recorded with the results.
        self.params: dict[str, Any] = dict(params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    def prepare(self, X: Any) -> Any:
        raise NotImplementedError

    def compare(self, a: Any, b: Any) -> float:
        raise NotImplementedError

    def compare_batch(
        self, prepared_a: Sequence[Any], prepared_b: Sequence[Any], pairs: np.ndarray
    ) -> np.ndarray:
        """Distances for ``pairs`` (k, 2) of indices into ``prepared_a`` × ``prepared_b``.

        A pair that fails raises inside :meth:`compare`; the engine then retries pairs one by
        one to attach the reason to the failing pair only.
        """
        return np.array(
            [self.compare(prepared_a[i], prepared_b[j]) for i, j in pairs], dtype=np.float64
        )

    def score(self, X: Any, Y: Any) -> float:
        """Distance between two networks' activity: ``compare(prepare(X), prepare(Y))``."""
        return float(self.compare(self.prepare(X), self.prepare(Y)))

    def attrs(self) -> dict[str, Any]:
        """Parameters as plain attributes (stored with every matrix)."""
        return {"metric": self.name, **{k: _plain(v) for k, v in self.params.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return repr(value)


class InnerProductMetric(Metric):
    """A metric whose similarity is an inner product of per-network feature vectors.

    Subclasses name the prepared object's attribute holding the vector (``feature``; None
    where the vector was not formed, e.g. too many samples for an n² Gram) and a ``score_rule``;
    a batch of pairs is then one matrix product, with the per-pair ``compare`` as fallback.
    """

    feature: ClassVar[str]
    score_rule: str

    def batch_features(self) -> bool:
        """Whether this instance's similarity is the feature inner product (default yes)."""
        return True

    def compare_batch(
        self, prepared_a: Sequence[Any], prepared_b: Sequence[Any], pairs: np.ndarray
    ) -> np.ndarray:
        sims = None
        if self.batch_features():
            sims = pair_inner_products(
                [getattr(p, self.feature, None) for p in prepared_a],
                [getattr(p, self.feature, None) for p in prepared_b],
                pairs,
            )
        if sims is None:
            return super().compare_batch(prepared_a, prepared_b, pairs)
        return np.asarray(similarity_to_distance(sims, self.score_rule), dtype=np.float64)
