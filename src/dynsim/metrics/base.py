"""The metric interface: a per-network ``prepare`` and a per-pair ``compare``.

Every metric turns a network's activity into a *prepared* object once (centring, Gram
matrices, a fitted operator …) and compares two prepared objects per pair. The pairwise
engine (:mod:`dynsim.pairwise`) relies on this split so that per-network work is never
repeated per pair.

Direction of scores: ``compare`` always returns a **distance** (0 = identical). Metrics that
are naturally similarities (CKA, RSA correlations, …) expose ``similarity`` and convert with
one explicit rule, chosen by the ``score_method`` parameter (see
:func:`similarity_to_distance`):

* ``"angular"``: d = arccos(s), for s ∈ [−1, 1] clipped before arccos (a proper metric
  whenever s is a cosine between unit vectors);
* ``"one_minus"``: d = 1 − s;
* ``"euclidean"``: d = √(2 − 2s), the chord between unit vectors whose cosine is s.

Parameters are declared once per metric, as :class:`Param` class attributes: the declaration
drives the constructor (keywords, defaults, validation), the instance attributes, the
parameters recorded with every matrix (:meth:`Metric.attrs`) and the listing of
:meth:`Metric.parameters`.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from dynsim.metrics._stacked import Stacked

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
        lengths = _ragged_lengths(X)
        if lengths is not None:
            raise PreparationError(
                f"trials have different lengths ({', '.join(map(str, lengths))} time steps); "
                "this metric compares matched samples and needs trials of equal length "
                "(DSA and DSA-Wasserstein accept trials of different lengths)"
            )
        if isinstance(X, (list, tuple)) and X:
            shapes = [np.shape(trial) for trial in X]
            if len(set(shapes)) > 1:  # NumPy would only say "inhomogeneous shape"
                raise PreparationError(
                    "trials have different shapes "
                    f"({', '.join(str(s) for s in shapes)}); each trial must be (time, unit) "
                    "with the same number of units"
                )
        arr = np.asarray(X, dtype=dtype)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise PreparationError(
                f"activity must be (trial, time, unit) or (time, unit); got shape {arr.shape}"
            )
    if 0 in arr.shape:
        raise PreparationError(f"activity is empty: (trial, time, unit) shape {arr.shape}")
    return arr


def _ragged_lengths(X: Any) -> list[int] | None:
    """The time lengths of a list of (time, unit) trials when they differ, else None."""
    if not isinstance(X, (list, tuple)) or not X:
        return None
    shapes = [np.shape(trial) for trial in X]
    if any(len(shape) != 2 for shape in shapes):
        return None
    lengths = [shape[0] for shape in shapes]
    return lengths if len(set(lengths)) > 1 else None


def as_trial_list(X: Any, *, dtype: type = np.float64) -> list[np.ndarray]:
    """Activity as a list of (time, unit) float arrays, one per trial; trials may differ in
    length.

    ``X`` is anything :func:`as_trajectories` accepts, or a list/tuple of (time, unit) arrays
    (or DataArrays with dims ``time`` and ``unit``) of different lengths, e.g. trials of 40, 55
    and 48 steps. Raises :class:`PreparationError` when the trials' unit counts differ or a
    trial is empty.
    """
    if _ragged_lengths(X) is None:
        return list(as_trajectories(X, dtype=dtype))
    trials = [as_trajectories(trial, dtype=dtype)[0] for trial in X]
    units = [trial.shape[1] for trial in trials]
    if len(set(units)) > 1:
        raise PreparationError(
            f"trials have different numbers of units ({', '.join(map(str, units))})"
        )
    return trials


def power_of_two_scaled(arr: np.ndarray, peak: float | None = None) -> tuple[np.ndarray, int]:
    """``arr`` · 2^−e with e chosen so that max|arr · 2^−e| lies in [0.5, 1), and e.

    Scale-invariant metrics normalise with this *before* squaring anything, so activity of
    any finite magnitude (1e-150 … 1e150 and beyond) neither overflows nor underflows in Gram
    matrices and sums of squares. Multiplying by a power of two is exact, so the metric's
    result is unchanged, bit for bit, for activity whose squares were representable already.
    All-zero input is returned as it is (e = 0). ``arr`` must be finite. ``peak``: max|arr|
    when the caller has it (:func:`peak_of`), to save a pass over the data.
    """
    if peak is None:
        peak = peak_of(arr)
    if peak == 0.0:
        return arr, 0
    exponent = int(np.frexp(peak)[1])
    return np.ldexp(arr, -exponent), exponent


def peak_of(arr: np.ndarray) -> float:
    """max|arr| (0 for an empty array) as max(max, −min): the same value without an |arr|
    temporary; NaN when ``arr`` holds a NaN, inf when it holds ±inf."""
    return float(max(np.max(arr, initial=0.0), -np.min(arr, initial=0.0)))


def as_samples(X: Any) -> np.ndarray:
    """Activity flattened to (sample, unit) with samples = trial × time (float64)."""
    traj = as_trajectories(X)
    return traj.reshape(-1, traj.shape[-1])


def check_finite(arr: np.ndarray) -> None:
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise PreparationError(f"activity contains {n_bad} non-finite values (NaN/inf)")


def same_array(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two prepared arrays are bit-identical (then their distance is exactly 0: a
    computed cosine of a unit vector with itself is 1 only up to rounding, and arccos turns
    1 − 1e-16 into 1.5e-8 rad)."""
    if a is b:
        return True
    if a.shape != b.shape:
        return False
    # Different networks almost always differ in their first entries: a cheap rejection
    # before the full comparison (features can be n² Gram matrices).
    head = min(a.size, 16)
    return bool(np.array_equal(a.ravel()[:head], b.ravel()[:head]) and np.array_equal(a, b))


#: Every rule :func:`similarity_to_distance` knows; each metric accepts a subset.
SCORE_METHODS = ("angular", "one_minus", "euclidean")


def similarity_to_distance(similarity: np.ndarray | float, score_method: str) -> np.ndarray | float:
    """Convert a similarity s in [−1, 1] (clipped to it first) to a distance.

    ``score_method``: ``"angular"`` arccos(s) ∈ [0, π]; ``"one_minus"`` 1 − s ∈ [0, 2];
    ``"euclidean"`` √(2 − 2s) ∈ [0, 2], the distance between unit vectors with cosine s
    (e.g. min_Q ‖X − YQ‖_F for unit-norm X, Y when s is the Procrustes similarity; Williams
    et al. 2021). Raises ValueError for any other name.
    """
    s = np.clip(similarity, -1.0, 1.0)
    if score_method == "angular":
        return np.arccos(s)
    if score_method == "one_minus":
        return 1.0 - s
    if score_method == "euclidean":
        return np.sqrt(np.maximum(2.0 - 2.0 * s, 0.0))
    raise ValueError(
        f"unknown score_method {score_method!r}; use one of {', '.join(SCORE_METHODS)}"
    )


# -- declared parameters -------------------------------------------------------------------

#: A parameter check: (parameter name, value) → the normalised value, or ValueError naming
#: the parameter.
Check = Callable[[str, Any], Any]


class Param:
    """One declared parameter of a metric: its default, its check and any deprecated name.

    Declared as a class attribute (``score_method = Param("angular", one_of("angular",
    "one_minus"))``). On an instance it reads as the value; assigning to it runs the check
    again, so an instance's attributes are always valid. ``deprecated`` is a former keyword
    still accepted by the constructor with a :class:`FutureWarning` naming this one.
    """

    def __init__(self, default: Any, check: Check | None = None, *, deprecated: str = "") -> None:
        self.default = default
        self.check = check
        self.deprecated = deprecated
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        try:
            return obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value if self.check is None else self.check(self.name, value)

    def describe(self) -> str:
        """``name=default`` plus the accepted values where the check lists them."""
        options = getattr(self.check, "options", None)
        text = f"{self.name}={self.default!r}"
        return text + (f" ({' | '.join(map(str, options))})" if options else "")

    def __repr__(self) -> str:
        return f"Param({self.describe()})"


def one_of(*options: Any) -> Check:
    """Check: the value is one of ``options``."""

    def check(name: str, value: Any) -> Any:
        if value not in options:
            listed = ", ".join(repr(o) for o in options)
            raise ValueError(f"{name} must be one of {listed}, got {value!r}")
        return value

    check.options = options  # type: ignore[attr-defined]
    return check


def integer(minimum: int) -> Check:
    """Check: an int (or NumPy integer, not bool) ≥ ``minimum``; returned as int."""

    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
        return int(value)

    return check


def optional(inner: Check) -> Check:
    """Check: None, or a value passing ``inner``."""

    def check(name: str, value: Any) -> Any:
        return None if value is None else inner(name, value)

    check.options = getattr(inner, "options", None)  # type: ignore[attr-defined]
    return check


def as_bool(name: str, value: Any) -> bool:
    """Check: any value, stored as ``bool(value)``."""
    return bool(value)


def score_method_param(*rules: str) -> Param:
    """The distance-rule parameter ``score_method`` accepting ``rules`` (the first is the
    default), see :func:`similarity_to_distance`. Its former name ``score`` shadowed the
    method :meth:`Metric.score` and is still accepted with a FutureWarning."""
    return Param(rules[0], one_of(*rules), deprecated="score")


def _numerical_failure(err: BaseException) -> bool:
    """Whether ``err`` is a numerical failure on the data (overflow, division by zero, a
    linear-algebra routine that did not converge, in NumPy or torch) rather than a bug."""
    return isinstance(err, (ArithmeticError, np.linalg.LinAlgError)) or (
        isinstance(err, RuntimeError) and "LinAlgError" in type(err).__name__
    )


def _contained(method: Callable[..., Any], error: type[ValueError], what: str) -> Any:
    """``method`` with numerical failures re-raised as ``error`` (a ValueError) naming the
    metric, so that the pairwise engine, which records ValueErrors as a network's or a pair's
    reason, never loses a whole matrix to one network's OverflowError or a torch
    LinAlgError."""

    @functools.wraps(method)
    def wrapper(self: Metric, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except ValueError:
            raise
        except Exception as err:
            if not _numerical_failure(err):
                raise
            # "OverflowError in cka.prepare: …": the engine prefixes the network or the pair.
            raise error(f"{type(err).__name__} in {self.name}.{what}: {err}") from err

    wrapper.__contained__ = True  # type: ignore[attr-defined]
    return wrapper


def _outside_metrics_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside dynsim (the
    user's call, whether it went through :func:`dynsim.metrics.get`, :func:`dynsim.metrics.
    pairwise` and the engine, or not)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame, level = frame.f_back, level + 1
    return level


class Metric:
    """Base class of all metrics.

    Subclasses set the class attributes, declare their parameters as :class:`Param` class
    attributes (the constructor is generated from them; cross-parameter checks go in
    :meth:`_check_params`) and implement :meth:`prepare` and :meth:`compare`.
    :meth:`compare_batch` may be overridden with a vectorised version; its default loops.
    """

    name: ClassVar[str] = "metric"
    symmetric: ClassVar[bool] = True
    #: True when the distance satisfies the triangle inequality (a proper metric).
    is_metric: ClassVar[bool] = False
    invariances: ClassVar[frozenset[str]] = frozenset()
    #: Whether both networks must have the same number of units.
    requires_same_units: ClassVar[bool] = False
    #: Whether ``compare_batch`` computes blocked matrix products over networks and bounds
    #: its own memory, so a whole matrix may go to it in one call.
    blocked: ClassVar[bool] = False

    #: The declared parameters, name → :class:`Param`, base classes' first (filled in by
    #: ``__init_subclass__`` from the :class:`Param` class attributes).
    _params: ClassVar[dict[str, Param]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared: dict[str, Param] = {}
        for klass in reversed(cls.__mro__):
            for key, value in vars(klass).items():
                if isinstance(value, Param):
                    declared[key] = value  # a subclass's redeclaration keeps the base's place
        cls._params = declared
        # Numerical failures on the data become errors the engine contains (see _contained).
        for method, error, what in (
            ("prepare", PreparationError, "prepare"),
            ("compare", ValueError, "compare"),
            ("compare_batch", ValueError, "compare"),
        ):
            impl = vars(cls).get(method)
            if impl is not None and not getattr(impl, "__contained__", False):
                setattr(cls, method, _contained(impl, error, what))
        # So that help() and inspect.signature() show the keywords the constructor takes.
        cls.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=p.default)
                for n, p in declared.items()
            ]
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Set every declared parameter from ``args`` (in declaration order) and ``kwargs``.

        Missing parameters take their default; each value goes through its check (ValueError
        naming the parameter), then :meth:`_check_params` checks combinations. A deprecated
        keyword is accepted with a FutureWarning naming its replacement. Raises TypeError for
        an unknown keyword, too many positional arguments, or a parameter given twice.
        """
        cls = type(self)
        params = cls._params
        if len(args) > len(params):
            raise TypeError(
                f"{cls.__name__}() takes at most {len(params)} positional arguments "
                f"({len(args)} given)"
            )
        for key, value in zip(params, args, strict=False):
            if key in kwargs:
                raise TypeError(f"{cls.__name__}() got multiple values for argument {key!r}")
            kwargs[key] = value
        for key, param in params.items():
            if param.deprecated and param.deprecated in kwargs:
                if key in kwargs:
                    raise TypeError(
                        f"{cls.__name__}() got both {key!r} and its deprecated name "
                        f"{param.deprecated!r}; give {key!r} only"
                    )
                warnings.warn(
                    f"{cls.__name__}: the parameter {param.deprecated!r} is deprecated; use "
                    f"{key!r} instead (in a config: compare.metrics.{cls.name}.{key})",
                    FutureWarning,
                    stacklevel=_outside_metrics_stacklevel(),
                )
                kwargs[key] = kwargs.pop(param.deprecated)
        unknown = [k for k in kwargs if k not in params]
        if unknown:
            raise TypeError(
                f"{cls.__name__}() got unexpected keyword argument(s) {', '.join(unknown)}; "
                f"its parameters are: {', '.join(params) or 'none'}"
            )
        for key, param in params.items():
            setattr(self, key, kwargs.get(key, param.default))
        self._check_params()

    def _check_params(self) -> None:
        """Checks across parameters (e.g. "at most one of …"), after each passed its own.

        May also resolve defaults that depend on other parameters (by assignment)."""

    @classmethod
    def parameters(cls) -> dict[str, Param]:
        """The declared parameters, name → :class:`Param` (default and accepted values)."""
        return dict(cls._params)

    @property
    def params(self) -> dict[str, Any]:
        """The instance's parameter values, name → value, in declaration order."""
        return {key: getattr(self, key) for key in self._params}

    def __repr__(self) -> str:
        # From __dict__, so that a half-constructed metric (a failed check) still prints.
        args = ", ".join(f"{k}={self.__dict__[k]!r}" for k in self._params if k in self.__dict__)
        return f"{type(self).__name__}({args})"

    def prepare(self, X: Any) -> Any:
        """The per-network work on activity ``X`` ((trial, time, unit) array or DataArray, see
        :func:`as_trajectories`), done once per network. Raises :class:`PreparationError` when
        the activity cannot be used (NaN, constant, too few samples …); in every subclass a
        numerical failure (OverflowError, a LinAlgError of NumPy or torch …) is re-raised as
        a PreparationError naming the metric."""
        raise NotImplementedError

    def compare(self, a: Any, b: Any) -> float:
        """Distance (0 = identical) between two objects returned by :meth:`prepare`. Raises
        ValueError when the two cannot be compared (e.g. different sample counts)."""
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

    def stack(self, prepared: Sequence[Any]) -> Sequence[Any]:
        """A run's prepared networks as the engine passes them to :meth:`compare_batch`: a
        :class:`~dynsim.metrics._linalg.Stacked` list, which keeps forms shared by all of the
        run's pairs (stacked Gram vectors …) so they are built once, not once per batch."""
        return prepared if isinstance(prepared, Stacked) else Stacked(prepared)

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
    """A metric whose similarity is an inner product of per-network features.

    Subclasses name the prepared object's attribute that identifies a network (``feature``:
    bit-identical arrays mean similarity exactly 1), declare a ``score_method`` and implement
    :meth:`similarity_pairs`, which computes a batch of pairs with blocked matrix products
    over the networks (Gram space or feature space, whichever is cheaper); the per-pair
    ``compare`` is the fallback (and the definition the fast path is tested against).
    """

    feature: ClassVar[str]
    score_method: str
    blocked = True

    def batch_features(self) -> bool:
        """Whether this instance's similarity is the feature inner product (default yes)."""
        return True

    def unit_features(self) -> bool:
        """Whether the features are unit vectors whose self-similarity is exactly 1 (default
        yes; not for rank comparisons without tie correction, e.g. RSA's rho_a)."""
        return True

    def identical(self, a: Any, b: Any) -> bool:
        """Whether two prepared networks have bit-identical unit features: their similarity is
        then exactly 1 and their distance exactly 0. Computed, ⟨u, u⟩ is 1 only up to
        rounding, and arccos turns 1 − 1e-16 into 1.5e-8 rad."""
        fa, fb = getattr(a, self.feature, None), getattr(b, self.feature, None)
        return self.unit_features() and fa is not None and fb is not None and same_array(fa, fb)

    def similarity_pairs(
        self, prepared_a: Sequence[Any], prepared_b: Sequence[Any], pairs: np.ndarray
    ) -> np.ndarray | None:
        """Similarities of ``pairs`` from blocked matrix products, or None when the batch's
        networks cannot be stacked together (e.g. different sample counts; each pair then
        goes through ``compare``, which names the mismatch)."""
        return None

    def compare_batch(
        self, prepared_a: Sequence[Any], prepared_b: Sequence[Any], pairs: np.ndarray
    ) -> np.ndarray:
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        sims = None
        if self.batch_features() and len(pairs):
            sims = self.similarity_pairs(prepared_a, prepared_b, pairs)
        if sims is None:
            return super().compare_batch(prepared_a, prepared_b, pairs)
        # Identical networks have s ≈ 1, so this also gives them exactly 1 (``similarity``
        # checks identity first) without comparing every pair's arrays.
        sims = canonical_near_one(self, prepared_a, prepared_b, pairs, sims)
        return np.asarray(similarity_to_distance(sims, self.score_method), dtype=np.float64)


#: Similarities above 1 − NEAR_ONE are recomputed by the metric's per-pair ``similarity``.
NEAR_ONE = 1e-6


def canonical_near_one(
    metric: Any, prepared_a: Sequence[Any], prepared_b: Sequence[Any], pairs: np.ndarray, sims
) -> np.ndarray:
    """``sims`` with every value above 1 − :data:`NEAR_ONE` recomputed pair by pair by
    ``metric.similarity`` (the definition). Near s = 1, arccos multiplies rounding by
    1/√(1 − s²) (a 1e-16 difference in s is 1.5e-8 rad at s = 1), so a blocked product's
    summation order, which depends on the block, would make nearly identical networks'
    distance depend on batching or backend; the per-pair route makes it one number. It also
    makes bit-identical networks exactly 1 (each ``similarity`` checks identity first)."""
    sims = np.array(sims, dtype=np.float64)
    for k in np.flatnonzero(sims > 1.0 - NEAR_ONE).tolist():
        i, j = pairs[k]
        sims[k] = metric.similarity(prepared_a[i], prepared_b[j])
    return sims
