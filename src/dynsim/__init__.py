"""dynsim: how similar are the computations of task-trained recurrent networks?

The library is layered so that each part can be used alone (see docs in README.md):
``tasks``, ``models`` → ``training`` → ``store`` → ``metrics`` → ``pairwise`` → ``figures``/``cli``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dynsim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
