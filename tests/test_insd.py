"""The INSD penalty: closed form, direction, gradient against finite differences."""

import numpy as np
import pytest
import torch

from dynsim.insd import deflation_penalty, in_sample_r2, project_null, readout_null_space


def explicit_r2(X, Y, rho_rel):
    X = X - X.mean(0)
    Y = Y - Y.mean(0)
    rho = rho_rel * np.mean(np.diag(X.T @ X))
    U = X @ np.linalg.inv(X.T @ X + rho * np.eye(X.shape[1])) @ X.T  # the n × n projector
    return np.sum((U @ Y) ** 2) / np.sum(Y**2)


def test_matches_explicit_hat_matrix():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(60, 5)), rng.normal(size=(60, 3))
    value = in_sample_r2(torch.tensor(X), torch.tensor(Y), ridge=1e-2)
    assert float(value) == pytest.approx(explicit_r2(X, Y, 1e-2), rel=1e-10)


def test_direction_new_to_old_cannot_be_gamed_by_junk_dimensions():
    rng = np.random.default_rng(1)
    old = torch.tensor(rng.normal(size=(80, 4)))
    copy_with_junk = torch.cat([old, torch.tensor(rng.normal(size=(80, 6)))], dim=1)
    assert float(in_sample_r2(copy_with_junk, old, ridge=1e-6)) > 0.999
    # …whereas the old network predicts little of the junk-padded copy.
    assert float(in_sample_r2(old, copy_with_junk, ridge=1e-6)) < 0.6


def test_null_space_projection_removes_what_the_readout_sees():
    rng = np.random.default_rng(2)
    W = torch.tensor(rng.normal(size=(2, 6)))
    basis = readout_null_space(W)
    assert basis.shape == (6, 4)
    np.testing.assert_allclose((W @ basis).numpy(), 0, atol=1e-12)
    np.testing.assert_allclose((basis.T @ basis).numpy(), np.eye(4), atol=1e-12)
    h = torch.tensor(rng.normal(size=(3, 5, 6)))
    assert project_null(h, W).shape == (3, 5, 4)


def test_penalty_gradient_matches_finite_differences():
    rng = np.random.default_rng(3)
    W = torch.tensor(rng.normal(size=(2, 5)))
    old = [torch.tensor(rng.normal(size=(4, 6, 3))), torch.tensor(rng.normal(size=(4, 6, 4)))]
    hidden = torch.tensor(rng.normal(size=(4, 6, 5)), requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda h: deflation_penalty(h, W, old, ridge=1e-2), (hidden,), eps=1e-6, atol=1e-7
    )


def test_old_names_stay_importable_for_one_release():
    import importlib
    import warnings

    from dynsim import insd
    from dynsim.insd import linear_predictivity
    from dynsim.insd.fixed_points import find_fixed_points

    assert linear_predictivity is in_sample_r2
    for old, name, new in (
        ("dynsim.battery", "predictivity_matrices", insd.predictivity_matrices),
        ("dynsim.battery", "mds", insd.mds),
        ("dynsim.dynamics", "find_fixed_points", find_fixed_points),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            module = importlib.import_module(old)
        assert getattr(module, name) is new


def test_importing_the_penalty_loads_no_battery():
    import subprocess
    import sys

    code = (
        "import sys, dynsim.training, dynsim.insd; "
        "assert 'dynsim.insd.battery' not in sys.modules; "
        "assert 'matplotlib' not in sys.modules and 'xarray' not in sys.modules; "
        "dynsim.insd.run_analysis; assert 'dynsim.insd.battery' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_battery_table_pairs_every_analysis_with_its_figure():
    from dynsim import insd

    assert list(insd.ANALYSES) == ["predictivity", "similarity", "fixed_points", "decoding", "ood"]
    assert all(callable(a.compute) and callable(a.draw) for a in insd.ANALYSES.values())
    with pytest.raises(KeyError, match="unknown battery analysis"):
        insd.run_analysis("no_such_analysis")
