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
    "parse_adapt",
    "parse_conf",
    "parse_options",
    "session_status",
    "stop_session",
]


def _pairs(items: list[str], flag: str, example: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise LazyscopeError(f"Bad {flag} {item!r}: expected KEY=VALUE, e.g. {flag} {example}.")
        pairs[key.strip()] = value.strip()
    return pairs


def parse_conf(items: list[str]) -> dict[str, str]:
    """`--conf KEY=VALUE`... of %spark."""
    return _pairs(items, "--conf", "spark.sql.shuffle.partitions=8")


def parse_options(items: list[str]) -> dict[str, str]:
    """`--option KEY=VALUE`... of %dask --gateway: the gateway's cluster options."""
    return _pairs(items, "--option", "worker_cores=2")


def parse_adapt(text: str | None) -> tuple[int, int] | None:
    """`--adapt MIN:MAX` worker counts."""
    if text is None:
        return None
    low, sep, high = text.partition(":")
    try:
        bounds = (int(low), int(high))
    except ValueError:
        bounds = (-1, -1)
    if not sep or bounds[0] < 0 or bounds[1] < max(bounds[0], 1):
        raise LazyscopeError(
            f"Bad --adapt {text!r}: expected MIN:MAX worker counts (0 <= MIN <= MAX, MAX >= 1), "
            "e.g. --adapt 1:4."
        )
    return bounds


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
    gateway: str | None = None,
    cluster: str | None = None,
    options: dict[str, str] | None = None,
    adapt: tuple[int, int] | None = None,
    keep: bool = False,
) -> engines.Engine:
    """The running Dask client, started (or connected) with these options if there is none.

    `gateway` (an address, or "" for dask-gateway's configuration) asks for a Dask Gateway
    cluster: a new one with the gateway's cluster `options`, or the running `cluster`."""
    if gateway is not None:
        return _ensure_gateway(gateway, cluster, options or {}, workers, adapt, keep, restart,
                               local=(threads, memory, port, address))  # fmt: skip
    if options or adapt or keep or cluster:
        raise LazyscopeError(
            "--option, --adapt and --keep apply to a Dask Gateway cluster: add --gateway "
            "[ADDRESS] (see %dask?)."
        )
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


def _ensure_gateway(
    gateway: str,
    cluster: str | None,
    options: dict[str, str],
    workers: int | None,
    adapt: tuple[int, int] | None,
    keep: bool,
    restart: bool,
    local: tuple[int | None, str | None, int, str | None],
) -> engines.Engine:
    threads, memory, port, address = local
    if threads or memory or port or address:
        raise LazyscopeError(
            "--threads, --memory, --port and a tcp:// address describe a local cluster or a "
            "scheduler; a Dask Gateway cluster takes --option KEY=VALUE (its cluster options), "
            "--workers N or --adapt MIN:MAX."
        )
    if workers is not None and adapt is not None:
        raise LazyscopeError("Use either --workers N or --adapt MIN:MAX, not both.")
    if workers is not None and workers < 0:
        raise LazyscopeError("--workers must be 0 or more.")
    if cluster is not None and (options or keep):
        raise LazyscopeError(
            "--option and --keep apply to a cluster this kernel starts (%dask start --gateway);"
            " a cluster you connect to keeps its options and outlives the kernel."
        )
    cfg = settings()
    wanted = {"gateway": gateway, "cluster": cluster, "options": options,
              "workers": workers, "adapt": adapt}  # fmt: skip

    def start() -> engines.Engine:
        if cluster is not None:
            return engines.connect_dask_gateway(
                address=gateway or None,
                name=cluster,
                workers=workers,
                adapt=adapt,
                timeout=cfg.connect_timeout,
            )
        return engines.start_dask_gateway(
            address=gateway or None,
            options=options,
            workers=cfg.dask_workers if workers is None and adapt is None else workers,
            adapt=adapt,
            keep=keep,
            timeout=cfg.connect_timeout,
        )

    return _ensure("dask", wanted, restart, start)


def session_status(kind: str) -> StatusView:
    engine = engines.current(kind)
    if engine is None:
        hint = (
            "%spark start"
            if kind == "spark"
            else "%dask start, %dask start --gateway or %dask connect tcp://HOST:PORT"
        )
        raise LazyscopeError(f"No {kind.capitalize()} session is running. Start one with {hint}.")
    return StatusView(engine.status())


def stop_session(kind: str, user_ns: dict[str, Any]) -> str:
    engine = engines.current(kind)
    names = engine.namespace() if engine is not None else {}
    info = engines.stop(kind)
    for name, value in names.items():  # drop `spark`/`sc`/`client` only if they are still ours
        if user_ns.get(name) is value:
            del user_ns[name]
    gateway = getattr(info, "gateway", None)  # a Dask Gateway cluster's session
    if gateway:
        where = f"Dask Gateway cluster {gateway['cluster']} at {gateway['address']}"
        if info.owned:
            return f"Stopped the {where}."
        return (
            f"Detached from the {where}; it keeps running (%dask connect --gateway "
            f"{gateway['cluster']} attaches to it again)."
        )
    return f"Stopped the {info.engine} session at {info.address}."
