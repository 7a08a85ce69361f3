"""Linear centred kernel alignment (Kornblith et al. 2019)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsim.metrics._linalg import MAX_GRAM_SAMPLES, centred_samples
from dynsim.metrics.base import (
    InnerProductMetric,
    PreparationError,
    score_method_param,
    similarity_to_distance,
)

# A module global (tests lower it) set from the shared cap: above this many samples the n×n
# Gram matrices are not formed; the cross-product form is used.
_MAX_GRAM_SAMPLES = MAX_GRAM_SAMPLES


@dataclass(frozen=True)
class PreparedCKA:
    """Centred activity scaled so that ‖XᵀX‖_F = 1, and (when small) its flattened Gram."""

    samples: np.ndarray
    gram: np.ndarray | None


class CKA(InnerProductMetric):
    r"""Linear CKA, reported as a distance.

    For column-centred X (n × p) and Y (n × q),

    .. math::
        \mathrm{CKA}(X, Y) = \frac{\|Y^\top X\|_F^2}{\|X^\top X\|_F\,\|Y^\top Y\|_F}
                           = \frac{\langle XX^\top, YY^\top\rangle}{\|XX^\top\|_F\|YY^\top\|_F}
                           \in [0, 1].

    The second form is a cosine between flattened Gram matrices, so a whole batch of pairs is
    one matrix product of prepared Grams. The distance is arccos(CKA)
    (``score_method="angular"``, default; a proper metric on the Gram embedding) or 1 − CKA
    (``score_method="one_minus"``; formerly ``score``, still accepted with a FutureWarning).

    Invariances: rotation/reflection of units, isotropic scale, translation, permutation.
    Symmetric. Networks may have different numbers of units.
    """

    name = "cka"
    feature = "gram"
    symmetric = True
    is_metric = True
    invariances = frozenset({"rotation", "isotropic_scale", "translation", "permutation"})

    score_method = score_method_param("angular", "one_minus")

    def prepare(self, X: Any) -> PreparedCKA:
        # Scaled by a power of two before any square (‖XᵀX‖ of activity at 1e76 overflowed and
        # CKA was π/2), and constant activity refused relative to its magnitude (centring
        # 1/3 leaves rounding residue, which is not activity).
        samples = centred_samples(X)
        # ‖XᵀX‖_F computed from the smaller of the two Gram forms.
        norm = np.sqrt(np.linalg.norm(samples.T @ samples))
        if norm == 0:
            raise PreparationError("activity has zero variance (all units constant)")
        samples = samples / norm
        gram = None
        if samples.shape[0] <= _MAX_GRAM_SAMPLES:
            gram = (samples @ samples.T).ravel()
        return PreparedCKA(samples=samples, gram=gram)

    def similarity(self, a: PreparedCKA, b: PreparedCKA) -> float:
        if a.samples.shape[0] != b.samples.shape[0]:
            raise ValueError(f"sample counts differ: {a.samples.shape[0]} vs {b.samples.shape[0]}")
        if self.identical(a, b):
            return 1.0
        return float(np.linalg.norm(b.samples.T @ a.samples) ** 2)

    def compare(self, a: PreparedCKA, b: PreparedCKA) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_method))
