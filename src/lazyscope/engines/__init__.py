"""The kernel's running sessions, one per kind ("spark", "dask"), behind one interface.

Magics and views call these plain functions; only this package knows Spark or Dask.
"""

from __future__ import annotations

import atexit
import contextlib
from typing import Any

from lazyscope._announce import write_announcement
from lazyscope._errors import LazyscopeError, survived
from lazyscope._sessions import Engine, EnginePackage, SessionInfo, _sessions, current

__all__ = [
    "Engine",
    "EnginePackage",
    "SessionInfo",
    "check_dask_address",
    "check_session",
    "check_spark_options",
    "connect_dask",
    "connect_dask_gateway",
    "current",
    "packages",
    "start_dask",
    "start_dask_gateway",
    "start_spark",
    "stop",
    "stop_all",
]


def _register(engine: Engine) -> Engine:
    _sessions[engine.kind] = engine
    _announce()
    # atexit runs handlers last-in first-out: re-registering after the engine's own
    # imports makes ours run first, before the kernel manager loses patience.
    atexit.unregister(stop_all)
    atexit.register(stop_all)
    return engine


def _announce() -> None:
    with contextlib.suppress(OSError):  # a read-only runtime dir must not break a session
        write_announcement([e.info.to_json() for e in _sessions.values()])


def packages() -> tuple[EnginePackage, ...]:
    """The engine packages: a new engine is one more folder named here."""
    from lazyscope import dask, spark

    return (spark, dask)


def check_spark_options(master: str | None, remote: str | None) -> None:
    """Reject malformed options before comparing them with a running session."""
    if master and remote:
        raise LazyscopeError(
            "Use either --master (classic Spark) or --remote (Spark Connect), not both."
        )
    if master:
        from lazyscope.spark._session import check_master

        check_master(master)
    if remote:
        from lazyscope.spark._connect import parse_remote

        parse_remote(remote)


def check_session(obj: Any) -> None:
    """Refuse a Spark DataFrame whose session has stopped (`%spark stop`, `%spark start
    --restart`): pyspark answers any use of it with an AttributeError 46 lines deep."""
    sc = getattr(obj, "__dict__", {}).get("_sc")  # classic DataFrames and RDDs hold theirs
    if sc is not None and getattr(sc, "_jsc", None) is None:
        raise LazyscopeError(
            "This DataFrame belongs to a Spark session that has stopped (e.g. by %spark stop "
            "or %spark start --restart), so Spark can no longer read it. Re-create it "
            "from its source with the running session (`spark`)."
        )


def check_dask_address(address: str | None) -> None:
    if address:
        from lazyscope.dask._session import parse_address

        parse_address(address)


def start_spark(
    *,
    master: str | None,
    remote: str | None,
    conf: dict[str, str],
    app_name: str,
    default_master: str,
    timeout: float,
) -> Engine:
    check_spark_options(master, remote)
    if remote:
        from lazyscope.spark._connect import SparkConnectEngine

        return _register(SparkConnectEngine.start(remote, conf, app_name, timeout))
    from lazyscope.spark._session import SparkEngine

    return _register(SparkEngine.start(master or default_master, conf, app_name))


def start_dask(*, workers: int, threads: int, memory: str, port: int = 0) -> Engine:
    from lazyscope.dask._session import DaskEngine

    return _register(DaskEngine.start(workers, threads, memory, port))


def connect_dask(address: str, timeout: float) -> Engine:
    from lazyscope.dask._session import DaskEngine

    return _register(DaskEngine.connect(address, timeout))


def start_dask_gateway(
    *,
    address: str | None,
    options: dict[str, str],
    workers: int | None,
    adapt: tuple[int, int] | None,
    keep: bool,
    timeout: float,
) -> Engine:
    """A new Dask Gateway cluster (dask-gateway's configuration when `address` is None)."""
    from lazyscope.dask._gateway import GatewayEngine

    engine = GatewayEngine.start_cluster(
        address, options, workers=workers, adapt=adapt, keep=keep, timeout=timeout
    )
    return _register(engine)


def connect_dask_gateway(
    *,
    address: str | None,
    name: str,
    workers: int | None,
    adapt: tuple[int, int] | None,
    timeout: float,
) -> Engine:
    """The running Gateway cluster `name`, attached (it outlives this kernel)."""
    from lazyscope.dask._gateway import GatewayEngine

    engine = GatewayEngine.connect_cluster(
        address, name, workers=workers, adapt=adapt, timeout=timeout
    )
    return _register(engine)


def stop(kind: str, *, at_exit: bool = False) -> SessionInfo:
    """Stop the session of `kind`. At the kernel's exit, an engine with a `leave` method
    (a Dask Gateway session: its kept cluster outlives the kernel) is left that way."""
    engine = _sessions.pop(kind, None)
    if engine is None:
        raise LazyscopeError(f"No {kind.capitalize()} session is running in this kernel.")
    try:
        leave = getattr(engine, "leave", None) if at_exit else None
        (leave or engine.stop)()
    finally:
        _announce()
    return engine.info


def stop_all() -> None:
    """Stop every session we started (the kernel is exiting)."""
    # Withdraw first: stopping a JVM can outlast the kernel manager's patience.
    with contextlib.suppress(OSError):
        write_announcement([])
    for kind in list(_sessions):
        try:
            stop(kind, at_exit=True)
        except Exception:  # the kernel exits anyway; the other sessions must still stop
            survived(f"stopping the {kind} session failed")
