"""Linear centred kernel alignment (Kornblith et al. 2019)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dynsim.metrics._linalg import (
    MAX_GRAM_SAMPLES,
    centred_samples,
    cross_frobenius_sq,
    low_rank_form,
    packed_gram,
    sample_space_similarities,
)
from dynsim.metrics.base import (
    InnerProductMetric,
    PreparationError,
    score_method_param,
    similarity_to_distance,
)

# A module global (tests lower it) set from the shared cap: above this many samples the
# Gram-space form is never used (its vectors grow as n²); the cross-product form is.
_MAX_GRAM_SAMPLES = MAX_GRAM_SAMPLES


@dataclass(frozen=True)
class PreparedCKA:
    """Centred activity scaled so that ‖XᵀX‖_F = 1, in its exact low-rank form (n × r, r =
    rank ≤ units; :func:`~dynsim.metrics._linalg.low_rank_form`): the smallest form every
    pair can be computed from (n·r numbers, against n² for the sample Gram matrix).

    ``gram`` is kept for compatibility and is always None: Gram vectors, when that form is
    the cheaper one, are built per run by the batched comparison, never per network."""

    samples: np.ndarray
    gram: np.ndarray | None = None


class CKA(InnerProductMetric):
    r"""Linear CKA, reported as a distance.

    For column-centred X (n × p) and Y (n × q),

    .. math::
        \mathrm{CKA}(X, Y) = \frac{\|Y^\top X\|_F^2}{\|X^\top X\|_F\,\|Y^\top Y\|_F}
                           = \frac{\langle XX^\top, YY^\top\rangle}{\|XX^\top\|_F\|YY^\top\|_F}
                           \in [0, 1].

    The second form is a cosine between flattened Gram matrices. A batch of pairs is computed
    with blocked matrix products in whichever space is cheaper for the sizes at hand: packed
    Gram vectors (n(n+1)/2 per network, one product per block of networks) or the stacked
    activity itself (one product [X_1 … X_k]ᵀ[Y_1 … Y_m] per block, then the sums of squares
    of its p × q sub-blocks); see :func:`~dynsim.metrics._linalg.sample_space_similarities`.
    The distance is arccos(CKA)
    (``score_method="angular"``, default; a proper metric on the Gram embedding) or 1 − CKA
    (``score_method="one_minus"``; formerly ``score``, still accepted with a FutureWarning).

    Invariances: rotation/reflection of units, isotropic scale, translation, permutation.
    Symmetric. Networks may have different numbers of units.
    """

    name = "cka"
    feature = "samples"
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
        cross = samples.T @ samples
        norm = np.sqrt(np.linalg.norm(cross))
        if norm == 0:
            raise PreparationError("activity has zero variance (all units constant)")
        # In place: ``samples`` is centred_samples' own array (one array per network).
        return PreparedCKA(samples=low_rank_form(np.divide(samples, norm, out=samples), cross))

    def similarity(self, a: PreparedCKA, b: PreparedCKA) -> float:
        if a.samples.shape[0] != b.samples.shape[0]:
            raise ValueError(f"sample counts differ: {a.samples.shape[0]} vs {b.samples.shape[0]}")
        if self.identical(a, b):
            return 1.0
        return float(np.linalg.norm(b.samples.T @ a.samples) ** 2)

    def compare(self, a: PreparedCKA, b: PreparedCKA) -> float:
        return float(similarity_to_distance(self.similarity(a, b), self.score_method))

    def similarity_pairs(
        self,
        prepared_a: Sequence[PreparedCKA],
        prepared_b: Sequence[PreparedCKA],
        pairs: np.ndarray,
    ) -> np.ndarray | None:
        return sample_space_similarities(
            prepared_a,
            prepared_b,
            pairs,
            key="cka_gram",
            gram_dim=lambda n: n * (n + 1) // 2,
            gram_of=lambda p, **buffers: packed_gram(p.samples, **buffers),
            cross_block=lambda a, b: cross_frobenius_sq(
                [p.samples for p in a], [p.samples for p in b]
            ),
            max_gram_samples=_MAX_GRAM_SAMPLES,
        )
