"""The shared network-like test data (dynsim.systems.networks): the same arrays, bit for bit,
as the two generators it replaced (tests/test_dsa.py's ``_small_networks`` and
benchmarks/dsa_determinism.py's ``networks``, identical at 925d854)."""

import hashlib

import numpy as np
import pytest

from dynsim.systems import tanh_linear_networks

# SHA-256 of the arrays' bytes (C order, float64, concatenated) from the old generators at
# 925d854 on the development machine (NumPy's default_rng; eigvals and matmul via its BLAS).
OLD_DIGESTS = {
    (12, 0): "24f8dbcf5ae87375ac3adff85e04010d12bf2b3f0739653e2fdf1970881f2ce4",
    (1, 3): "29df36e561fec29eb6e4e952fcaad2bc9ebc4c1616cea3acfcc56ce88d83a9fc",
    (1, 4): "5ab3beb364ff03674f590090d7a78de319558e29e79da63d1754a2713a801a62",
}


@pytest.mark.parametrize(("n", "seed"), list(OLD_DIGESTS))
def test_generator_gives_the_old_arrays_bit_for_bit(n, seed):
    nets = tanh_linear_networks(n, seed)
    assert len(nets) == n
    assert all(x.shape == (8, 50, 10) and x.dtype == np.float64 for x in nets)
    digest = hashlib.sha256(b"".join(np.ascontiguousarray(x).tobytes() for x in nets))
    assert digest.hexdigest() == OLD_DIGESTS[n, seed]


def test_generator_prefixes_and_values():
    first = tanh_linear_networks(12)[0]
    assert first[0, 0, 0] == -0.5306342801568351  # the old generator's first value
    np.testing.assert_array_equal(tanh_linear_networks(1)[0], first)  # a prefix of (12, 0)
    assert np.all(np.abs(first) < 1)  # tanh read-out
