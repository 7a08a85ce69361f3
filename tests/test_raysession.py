"""The Ray-or-not policy, decided in one place (dynsim.raysession), with the same decisions
the train command and the compare engine made before it moved there."""

import itertools

import pytest

from dynsim.raysession import resolve_address, should_use_ray


@pytest.mark.parametrize(
    ("given", "env", "expected"),
    [
        (None, None, None),
        (None, "", None),
        (None, "ray://head:10001", "ray://head:10001"),
        ("auto", "ray://head:10001", "auto"),  # an explicit address wins over RAY_ADDRESS
        ("10.0.0.1:6379", None, "10.0.0.1:6379"),
        ("", None, None),
    ],
)
def test_address_from_argument_then_environment(monkeypatch, given, env, expected):
    if env is None:
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("RAY_ADDRESS", env)
    assert resolve_address(given) == expected


# mode, address, gpu, remaining_s, cpus → uses Ray (threshold 20 s)
TABLE = [
    # `dynsim train --ray {auto,always,never}`: cluster or CUDA decides auto
    ("always", None, False, None, 1, True),
    ("never", "ray://head", True, None, 8, False),
    ("auto", None, False, None, 8, False),
    ("auto", "ray://head", False, None, 1, True),
    ("auto", None, True, None, 1, True),
    # `dynsim compare --backend {auto,ray,inprocess}`: cluster, then the timed estimate
    ("ray", None, False, None, 1, True),
    ("inprocess", "ray://head", False, 1e6, 8, False),
    ("auto", None, False, 30.0, 2, True),
    ("auto", None, False, 30.0, 1, False),  # one CPU: Ray cannot help
    ("auto", None, False, 20.0, 8, False),  # not more than the threshold
    ("auto", None, False, 5.0, 8, False),
]


@pytest.mark.parametrize(("mode", "address", "gpu", "remaining", "cpus", "expected"), TABLE)
def test_decision_table(mode, address, gpu, remaining, cpus, expected):
    got = should_use_ray(mode, address, gpu=gpu, remaining_s=remaining, threshold_s=20.0, cpus=cpus)
    assert got is expected


def _train_before(mode, address, cuda):
    """`cli._cmd_train`'s rule before the move (cli.py:274-277 at c878782)."""
    return mode == "always" or (mode == "auto" and (bool(address) or cuda))


def _compare_before(backend, address, remaining, cpus, threshold):
    """`pairwise.compute`'s two-step rule before the move (pairwise.py:264-275 at c878782)."""
    use_ray = backend == "ray" or (backend == "auto" and bool(address))
    if not use_ray and remaining is not None:
        use_ray = backend == "auto" and cpus > 1 and remaining > threshold
    return use_ray


def test_same_decisions_as_before_for_every_input():
    addresses = (None, "", "ray://head")
    for mode, address, cuda in itertools.product(("auto", "always", "never"), addresses, (0, 1)):
        calls = []

        def gpu(cuda=cuda, calls=calls):
            calls.append(1)
            return bool(cuda)

        assert should_use_ray(mode, address, gpu=gpu) == _train_before(mode, address, cuda)
        # CUDA is asked only when it decides (as the old short-circuit did).
        assert not calls or (mode == "auto" and not address)
    for backend, address, remaining, cpus in itertools.product(
        ("auto", "ray", "inprocess"), addresses, (None, 0.0, 19.9, 20.0, 20.1, 1e4), (1, 2, 16)
    ):
        first = should_use_ray(backend, address)
        second = first or (
            remaining is not None
            and should_use_ray(backend, address, remaining_s=remaining, cpus=cpus)
        )
        assert second == _compare_before(backend, address, remaining, cpus, 20.0)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="'sometimes'"):
        should_use_ray("sometimes", None)
