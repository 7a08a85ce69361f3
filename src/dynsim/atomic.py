"""Atomic writes: an output either exists complete or not at all.

Every file or directory dynsim writes (checkpoints, Zarr stores, partial results of the pairwise
engine, figures) is written under a temporary sibling name and renamed into place, so that an
interrupted job never leaves an output that looks complete (a rename within one directory is
atomic on POSIX file systems). This is the one writer; callers say only how to write.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling path of ``path``; on success rename it to ``path``.

    The caller writes a file or a directory at the yielded path. An existing ``path`` is
    replaced (a directory is removed first: ``os.replace`` cannot replace a non-empty one; the
    short window without it is safe because no reader treats a missing output as complete).
    On an exception the temporary path is removed and ``path`` is left untouched. The
    temporary name starts with a dot and carries a random suffix, so concurrent writers never
    share one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        yield tmp
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
