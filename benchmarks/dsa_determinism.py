"""DSA determinism check (issue 13.15): prepare repeated, the matrix twice, other batch sizes.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/dsa_determinism.py [N_NETWORKS]`` (default 12).
Prints, for each run, how many pairs differ from the first run and by how much.
"""

from __future__ import annotations

import sys

import numpy as np

import dynsim.metrics as dm
from dynsim.systems import tanh_linear_networks


def main() -> None:
    data = tanh_linear_networks(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
    metric = dm.get("dsa", device="cpu", rank=8, n_delays=4)
    diffs = []
    for X in data:
        ops = [metric.prepare(X.copy()).operator for _ in range(5)]
        diffs.append(max(np.abs(op - ops[0]).max() for op in ops))
    n_diff = sum(d > 0 for d in diffs)
    print(f"prepare ×5: max |Δoperator| {max(diffs):.3g}, networks differing {n_diff}")
    runs = {
        name: dm.pairwise(data, metric, batch_size=bs).values
        for name, bs in [("run1", 256), ("run2", 256), ("bs1", 1), ("bs7", 7)]
    }
    upper = np.triu_indices(len(data), 1)
    ref = runs["run1"][upper]
    for name, matrix in runs.items():
        d = np.abs(matrix[upper] - ref)
        print(
            f"{name} vs run1: {int(np.sum(d > 0))}/{d.size} pairs differ, "
            f"max |Δ| {d.max():.3g} rad (mean distance {ref.mean():.3g})"
        )


if __name__ == "__main__":
    main()
