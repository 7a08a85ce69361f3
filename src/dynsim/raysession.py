"""Where Ray lives: whether a job uses Ray (:func:`should_use_ray`), which cluster
(:func:`resolve_address`, the one reader of ``RAY_ADDRESS``), and the session itself.

* If ``address`` is given (config ``ray.address``) or ``RAY_ADDRESS`` is set, attach to that
  cluster — work then runs wherever the cluster has room, GPUs included. A cluster started
  with a plain ``ray start --head`` works as it is: its address is first checked to answer
  (:func:`check_reachable`: an error naming it within seconds, where Ray itself would retry
  forever), and the cluster's token (token authentication, on by default in Ray 2.60) is used
  when one is found where Ray keeps it (:func:`use_token_if_available`).
* Otherwise start a **private** local instance (``address="local"``: never silently attach to
  another user's cluster on the node) sized to the job's threads, with a bounded object store,
  no dashboard, and shut it down when the job ends.

GPUs are requested by tasks only when the session has them (:func:`gpus_available`).
A job opens one session however many engine runs it makes (:func:`job_session`).
Measured cost of a private instance is in README.md (performance notes).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

MIN_OBJECT_STORE_MB = 80  # Ray refuses less than ~75 MB
#: Seconds a named cluster has to accept a connection before the job fails naming it.
CONNECT_TIMEOUT_S = 10.0

# The spellings of a job's Ray setting: `dynsim train --ray` says always/never, `dynsim
# compare --backend` (and `pairwise.compute(backend=)`) says ray/inprocess; both say auto.
_ALWAYS = ("always", "ray")
_NEVER = ("never", "inprocess")


def resolve_address(address: str | None) -> str | None:
    """The Ray cluster to attach to: ``address`` if given, else the ``RAY_ADDRESS``
    environment variable, else None (start a private instance)."""
    return address or os.environ.get("RAY_ADDRESS") or None


def should_use_ray(
    mode: str,
    address: str | None,
    *,
    gpu: bool | Callable[[], bool] = False,
    remaining_s: float | None = None,
    threshold_s: float = 20.0,
    cpus: int = 1,
) -> bool:
    """Whether a job runs its work on Ray — the one place this is decided.

    mode : ``"always"``/``"ray"`` → yes; ``"never"``/``"inprocess"`` → no; ``"auto"`` → yes
        when a cluster is named (``address``, already resolved by :func:`resolve_address`),
        or this machine has a GPU (``gpu``: a flag, or a callable asked only when needed), or
        the in-process estimate of the remaining work ``remaining_s`` (seconds; None = not
        measured yet) exceeds ``threshold_s`` and more than one CPU (``cpus``) is available.
        Otherwise no: a private Ray instance costs seconds to start, more than small work.
    Raises ValueError for another mode.
    """
    if mode in _ALWAYS:
        return True
    if mode in _NEVER:
        return False
    if mode != "auto":
        raise ValueError(f"Ray mode must be auto, always/ray or never/inprocess; got {mode!r}")
    if address:
        return True
    if gpu() if callable(gpu) else gpu:
        return True
    return remaining_s is not None and cpus > 1 and remaining_s > threshold_s


# Inside job_session(): whether a session is to stay open until the job ends, and whether
# one was opened (then job_session shuts it down).
_JOB = {"active": False, "opened": False}


@contextmanager
def job_session() -> Iterator[None]:
    """One Ray session for a whole job: the first :func:`ray_session` inside the block opens
    it (only if some run uses Ray — nothing starts otherwise), later ones reuse it, and it is
    shut down when the block ends. E.g. ``compare --over-learning`` runs the engine once per
    progress point; without this each run would start (or attach) and stop a session."""
    if _JOB["active"]:  # nested: the outer block owns the session
        yield
        return
    _JOB.update(active=True, opened=False)
    try:
        yield
    finally:
        opened = _JOB["opened"]
        _JOB.update(active=False, opened=False)
        if opened:
            import ray

            ray.shutdown()


@contextmanager
def ray_session(
    num_cpus: int | None = None,
    address: str | None = None,
    object_store_mb: int = 256,
) -> Iterator[Any]:
    """A Ray session for the duration of a ``with`` block; yields the ``ray`` module.

    Attaching to a cluster (``address`` or ``RAY_ADDRESS``) first checks that it answers
    (:func:`check_reachable`) and uses its token when one is available
    (:func:`use_token_if_available`). Inside :func:`job_session` the session outlives the
    block (the job closes it). Raises ConnectionError naming the address when the cluster
    does not answer or refuses the connection.
    """
    import ray

    if ray.is_initialized():  # nested use inside a job that already has a session
        yield ray
        return
    address = resolve_address(address)
    if address:
        attach(address)
    else:
        ray.init(
            address="local",
            num_cpus=num_cpus or os.cpu_count() or 1,
            object_store_memory=max(object_store_mb, MIN_OBJECT_STORE_MB) * 1024**2,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
            # Workers import dynsim from the same interpreter; nothing to ship.
        )
    if _JOB["active"]:
        _JOB["opened"] = True
        yield ray
        return
    try:
        yield ray
    finally:
        ray.shutdown()


def attach(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """``ray.init`` on the existing cluster at ``address``, failing fast and by name.

    Raises ConnectionError naming ``address`` if nothing accepts a connection there within
    ``timeout_s`` seconds, or if Ray cannot connect (the message then says where Ray looks
    for the token of a cluster with token authentication).
    """
    import ray

    check_reachable(address, timeout_s)
    has_token = use_token_if_available()
    try:
        ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except ConnectionError as err:
        hint = (
            ""
            if has_token
            else " No Ray authentication token was found (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH "
            "or ~/.ray/auth_token): a cluster started with token authentication (the default "
            "of `ray start`) refuses clients without its token — copy the token from the "
            "head node (`ray get-auth-token` there) to ~/.ray/auth_token."
        )
        raise ConnectionError(f"Ray cluster at {address}: cannot connect ({err}).{hint}") from err


def _host_port(address: str) -> tuple[str, int] | None:
    """(host, port) of a cluster address (``host:port``, ``ray://host:port``, IPv6 in
    brackets); None for ``auto``/``local`` (Ray finds those itself)."""
    if address in ("auto", "local"):
        return None
    rest = address.split("://", 1)[-1].rstrip("/")
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(
            f"Ray address {address!r} (ray.address / --ray-address / RAY_ADDRESS): expected "
            "host:port (e.g. 10.0.0.1:6379, the address `ray start --head` prints) or auto"
        )
    return host.strip("[]") or "127.0.0.1", int(port)


def check_reachable(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Raise ConnectionError naming ``address`` unless something accepts a TCP connection
    there within ``timeout_s`` seconds (retried each second, so a head node that is still
    starting is waited for). Ray's own client retries a dead address indefinitely (every
    ~41 s with Ray 2.60); this turns that into an error within seconds."""
    target = _host_port(address)
    if target is None:
        return
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(target, timeout=min(2.0, timeout_s)):
                return
        except OSError as err:
            if time.monotonic() + 1.0 > deadline:
                raise ConnectionError(
                    f"Ray cluster at {address} does not answer ({err}; tried for "
                    f"{timeout_s:.0f} s). Check the address (ray.address, --ray-address or "
                    "the RAY_ADDRESS environment variable) and that the cluster is running "
                    "(`ray status --address ...`)"
                ) from err
            time.sleep(1.0)


def use_token_if_available() -> bool:
    """Whether this process will present a Ray authentication token, turning token mode on
    when ``RAY_AUTH_MODE`` is unset and a token is available (``RAY_AUTH_TOKEN``,
    ``RAY_AUTH_TOKEN_PATH`` or ``~/.ray/auth_token``, the file ``ray start`` and a local
    ``ray.init`` create).

    Why: ``ray start --head`` enables token authentication whenever such a token exists, but
    ``ray.init(address=...)`` turns it on only for ``address="auto"``, so a client naming the
    cluster is refused. A client in token mode also connects to a cluster without
    authentication (checked with Ray 2.60), so using an available token is safe either way.
    An explicit ``RAY_AUTH_MODE`` is respected. Ray versions without token authentication:
    False, nothing done.
    """
    try:  # Ray's loader of the token (the C++ one its clients use) and config refresh
        from ray._raylet import AuthenticationTokenLoader, Config
    except ImportError:
        return False
    mode = os.environ.get("RAY_AUTH_MODE")
    if mode is not None:
        return mode.lower() == "token"
    if not AuthenticationTokenLoader.instance().has_token(ignore_auth_mode=True):
        return False
    # What Ray itself does for address="auto" (authentication_token_setup._enable_token_auth).
    os.environ["RAY_AUTH_MODE"] = "token"
    Config.initialize("")
    return True


def gpus_available() -> float:
    """GPUs the current Ray session offers (0 when none or when Ray is not running)."""
    import ray

    if not ray.is_initialized():
        return 0.0
    return float(ray.cluster_resources().get("GPU", 0.0))


def task_options(num_cpus: int = 1) -> dict[str, Any]:
    """Ray ``.options(...)`` for one job's main task: one GPU when the session has any."""
    return {"num_cpus": num_cpus, "num_gpus": 1 if gpus_available() >= 1 else 0}
