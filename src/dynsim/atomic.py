"""Atomic writes: an output either exists complete or not at all.

Every file or directory dynsim writes (checkpoints, Zarr stores, partial results of the pairwise
engine, figures) is written under a temporary sibling name and renamed into place, so that an
interrupted job never leaves an output that looks complete (a rename within one directory is
atomic on POSIX file systems). This is the one writer; callers say only how to write.

A writer killed outright (``kill -9``, power loss) cannot remove its temporary; the next
successful write of the same output removes it (:func:`remove_stale_temporaries`).
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _temporary_name(path: Path) -> Path:
    """``.<name>.tmp-<host>-<pid>-<random>``: hidden, unique among concurrent writers, and
    naming its writer so that a later write can tell a dead writer's leftover from a live
    one's work in progress."""
    return path.with_name(
        f".{path.name}.tmp-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    )


def _is_stale(temporary: Path, prefix: str) -> bool:
    """Whether ``temporary`` (a name starting with ``prefix``) was left by a writer that can no
    longer finish: one of this host whose process is gone, or one of the format without
    writer (``<prefix><8 hex>``, written before writers were named; kept only by killed
    writers). A temporary of another host, or of a live process here, is left alone."""
    tail = temporary.name[len(prefix) :]
    parts = tail.rsplit("-", 2)
    if len(parts) != 3:
        return len(tail) == 8 and all(c in "0123456789abcdef" for c in tail)
    host, pid, _ = parts
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False  # this process's own writes are finished or in progress, never stale
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def remove_stale_temporaries(path: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporaries of ``path`` left by killed writers (see :func:`_is_stale`);
    returns those removed. Called after each successful write of ``path``."""
    path = Path(path)
    prefix = f".{path.name}.tmp-"
    removed = []
    for temporary in path.parent.glob(f"{prefix}*"):
        if not _is_stale(temporary, prefix):
            continue
        if temporary.is_dir() and not temporary.is_symlink():
            shutil.rmtree(temporary, ignore_errors=True)
        else:
            temporary.unlink(missing_ok=True)
        removed.append(temporary)
    return removed


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary sibling path of ``path``; on success rename it to ``path``.

    The caller writes a file or a directory at the yielded path. An existing ``path`` is
    replaced (a directory is removed first: ``os.replace`` cannot replace a non-empty one; the
    short window without it is safe because no reader treats a missing output as complete).
    On an exception the temporary path is removed and ``path`` is left untouched. The
    temporary name starts with a dot and carries the writer's host and process id and a
    random suffix, so concurrent writers never share one; after a successful write, the
    temporaries of ``path`` that killed writers left behind are removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_name(path)
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
    remove_stale_temporaries(path)
