"""What the magics do, as plain functions of plain arguments (no parsing here)."""

from __future__ import annotations

from typing import Any

from . import engines
from ._config import settings
from ._errors import LazyscopeError
from .views.status import StatusView

__all__ = [
    "ensure_dask",
    "ensure_spark",
    "parse_conf",
    "session_status",
    "stop_session",
]


def parse_conf(items: list[str]) -> dict[str, str]:
    conf: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise LazyscopeError(
                f"Bad --conf {item!r}: expected KEY=VALUE, "
                "e.g. --conf spark.sql.shuffle.partitions=8."
            )
        conf[key.strip()] = value.strip()
    return conf


def _ensure(kind: str, wanted: dict[str, Any], restart: bool, start: Any) -> engines.Engine:
    engine = engines.current(kind)
    if engine is not None and restart:
        engines.stop(kind)
        engine = None
    if engine is None:
        return start()  # type: ignore[no-any-return]  # the start callables are typed at the call sites
    conflicts = engine.conflicts(wanted)
    if conflicts:
        raise LazyscopeError(
            f"A {kind.capitalize()} session is already running, and this asks for something else: "
            + "; ".join(conflicts)
            + ". Add --restart to replace it, or run %"
            + f"{kind} stop first."
        )
    return engine


def ensure_spark(
    *,
    master: str | None = None,
    remote: str | None = None,
    conf: dict[str, str] | None = None,
    name: str | None = None,
    restart: bool = False,
) -> engines.Engine:
    """The running Spark session, started with these options if there is none."""
    cfg = settings()
    conf = conf or {}
    engines.check_spark_options(master, remote)
    wanted = {"master": master, "remote": remote, "conf": conf}

    def start() -> engines.Engine:
        return engines.start_spark(
            master=master,
            remote=remote,
            conf={**cfg.spark_conf, **conf},
            app_name=name or cfg.spark_app_name,
            default_master=cfg.spark_master,
            timeout=cfg.connect_timeout,
        )

    return _ensure("spark", wanted, restart, start)


def ensure_dask(
    *,
    address: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
    memory: str | None = None,
    port: int = 0,
    restart: bool = False,
) -> engines.Engine:
    """The running Dask client, started (or connected) with these options if there is none."""
    cfg = settings()
    wanted = {"address": address, "workers": workers, "threads": threads, "memory": memory}
    engines.check_dask_address(address)
    if address and (workers or threads or memory):
        raise LazyscopeError(
            "--workers/--threads/--memory describe a local cluster; they cannot apply to a "
            "scheduler you connect to."
        )

    def start() -> engines.Engine:
        if address:
            return engines.connect_dask(address, cfg.connect_timeout)
        return engines.start_dask(
            workers=workers or cfg.dask_workers,
            threads=threads or cfg.dask_threads,
            memory=memory or cfg.dask_memory,
            port=port,
        )

    return _ensure("dask", wanted, restart, start)


def session_status(kind: str) -> StatusView:
    engine = engines.current(kind)
    if engine is None:
        hint = "%spark start" if kind == "spark" else "%dask start or %dask connect tcp://HOST:PORT"
        raise LazyscopeError(f"No {kind.capitalize()} session is running. Start one with {hint}.")
    return StatusView(engine.status())


def stop_session(kind: str, user_ns: dict[str, Any]) -> str:
    engine = engines.current(kind)
    names = engine.namespace() if engine is not None else {}
    info = engines.stop(kind)
    for name, value in names.items():  # drop `spark`/`sc`/`client` only if they are still ours
        if user_ns.get(name) is value:
            del user_ns[name]
    return f"Stopped the {info.engine} session at {info.address}."
