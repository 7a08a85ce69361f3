"""Config files: reading (errors name the file and line), Snakemake's key-by-key merge of
``--configfile`` overlays over the default config, and :func:`load` = merge + validate, the one
path that ``dynsim check-config`` and the workflow share."""

from __future__ import annotations

import collections.abc
import copy
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

# The task, model and metric registries are imported inside the functions that use them, so
# that importing this module (the workflow's parse, check-config) loads none of them.
from dynsim.config.checks import DEFAULT_CONFIG, ConfigError, validate


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The mapping in the YAML (or JSON) file ``path``.

    Raises ConfigError naming the file (and the line and column of a YAML syntax error), when
    the file cannot be read or its top level is not a mapping of keys."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"config file {path}: cannot be read ({err.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"config file {path}{where}: YAML syntax error: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"config file {path}: the top level must be a mapping of keys, "
            f"got a {type(data).__name__}"
        )
    return data


def merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    """``overlay`` merged over ``base`` exactly as Snakemake merges a ``--configfile`` over
    the workflow's ``configfile:`` (``snakemake.utils.update_config``): a mapping merges key
    by key (recursively; over a non-mapping it replaces it), any other value (a list, a
    number, null) replaces the base's. Returns a new dict; neither argument is changed."""
    merged = copy.deepcopy(base)

    def update(target: Any, source: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(target, collections.abc.Mapping):
            target = {}
        for key, value in source.items():
            if isinstance(value, collections.abc.Mapping):
                target[key] = update(target.get(key, {}), value)
            else:
                target[key] = copy.deepcopy(value)
        return target

    return update(merged, overlay)


def check_overlays(base: dict[str, Any], overlays: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Refuse an empty mapping in an overlay where the base has a non-empty one (e.g.
    ``compare: {metrics: {}}``): overlays merge key by key, so it would silently keep the
    base's entries (every default metric) instead of clearing them.

    ``overlays``: (file name, its mapping) in order. Raises ConfigError naming key and file."""

    def walk(old: Any, new: dict[str, Any], prefix: str, name: str) -> None:
        for key, value in new.items():
            if not isinstance(value, dict):
                continue
            before = old.get(key) if isinstance(old, dict) else None
            path = f"{prefix}{key}"
            if not value and isinstance(before, dict) and before:
                raise ConfigError(
                    f"config key '{path}': the empty mapping in {name} does not clear the "
                    f"{len(before)} entries ({', '.join(map(str, before))}) it is merged over "
                    "(overlays merge key by key); list the entries you want instead"
                )
            walk(before, value, f"{path}.", name)

    merged = copy.deepcopy(base)
    for name, overlay in overlays:
        walk(merged, overlay, "", name)
        merged = merge(merged, overlay)


def load(
    paths: Sequence[str | os.PathLike[str]],
    defaults: str | os.PathLike[str] | None = DEFAULT_CONFIG,
) -> dict[str, Any]:
    """The config the workflow runs for ``snakemake --configfile P1 P2 ...``: the overlays
    ``paths`` merged together and then over ``defaults`` (the workflow's ``config.yaml``;
    None or a missing file: no defaults), as Snakemake does (:func:`merge`), then
    :func:`validate`-d (defaults of the schema filled in).

    Raises ConfigError naming the file (syntax) or the key (content)."""
    base: dict[str, Any] = {}
    if defaults is not None and Path(defaults).is_file():
        base = read(defaults)
        # A file given as an overlay that is the defaults file itself adds nothing.
        paths = [p for p in paths if not _same_file(p, defaults)]
    overlays = [(str(p), read(p)) for p in paths]
    check_overlays(base, overlays)
    overlay: dict[str, Any] = {}
    for _, data in overlays:  # Snakemake merges the --configfile files together first
        overlay = merge(overlay, data)
    return validate(merge(base, overlay))


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False
