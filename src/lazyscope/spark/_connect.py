"""Spark Connect: a thin gRPC client session to `sc://HOST:PORT`."""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from lazyscope import _net
from lazyscope._errors import LazyscopeError, short_engine_message
from lazyscope._sessions import SessionInfo

from ._session import quiet_spark_loggers, spark_errors

__all__ = ["SparkConnectEngine", "functions_for", "is_connect", "parse_remote"]

DEFAULT_PORT = 15002


def is_connect(obj: Any) -> bool:
    """Whether a Spark DataFrame, Column or session is Spark Connect's rather than classic."""
    return type(obj).__module__.startswith("pyspark.sql.connect")


def functions_for(df: Any) -> ModuleType:
    """pyspark's SQL functions for `df`'s session, classic or Connect.

    `pyspark.sql.functions` picks classic or Connect by a process-wide flag that only
    pyspark's generic builder sets, so a Connect frame made otherwise needs Connect's own.
    """
    if is_connect(df):
        from pyspark.sql.connect import functions as connect_functions

        return connect_functions  # type: ignore[no-any-return]  # pyspark is untyped here
    from pyspark.sql import functions

    return functions  # type: ignore[no-any-return]  # likewise


def parse_remote(remote: str) -> tuple[str, int]:
    url = urlsplit(remote.split(";")[0])
    if url.scheme != "sc" or not url.hostname:
        raise LazyscopeError(
            f"Bad Spark Connect address {remote!r}: expected sc://HOST:PORT (e.g. sc://localhost:15002)."
        )
    try:
        port = url.port or DEFAULT_PORT
    except ValueError:
        raise LazyscopeError(f"Bad port in Spark Connect address {remote!r}.") from None
    return url.hostname, port


class SparkConnectEngine:
    name = "spark"

    def __init__(self, session: Any, remote: str) -> None:
        self.session = session
        self.info = SessionInfo(engine="spark-connect", address=remote, owned=False)
        self.info = self.status()

    @classmethod
    def start(
        cls, remote: str, conf: dict[str, str], app_name: str, timeout: float
    ) -> SparkConnectEngine:
        host, port = parse_remote(remote)
        _net.check_reachable(host, port, "Spark Connect server", timeout=timeout)
        from pyspark import SparkContext
        from pyspark.sql import SparkSession

        if SparkContext._active_spark_context is not None:  # pyspark refuses to mix the two
            raise LazyscopeError(
                "A classic Spark session runs in this kernel, and pyspark cannot use Spark "
                "Connect beside it: stop it first (%spark stop, or spark.stop())."
            )

        builder = SparkSession.builder.remote(remote).appName(app_name)
        for key, value in conf.items():
            builder = builder.config(key, value)
        try:
            session = builder.getOrCreate()
            session.version  # noqa: B018  # the first RPC: fails here if the server is not Spark Connect
        except spark_errors() as exc:
            raise LazyscopeError(
                f"Could not open a Spark Connect session at {remote}: "
                f"{short_engine_message(exc, 3)}"
            ) from None
        quiet_spark_loggers()
        return cls(session, remote)

    def status(self) -> SessionInfo:
        conf = self.session.conf
        self.info.version = self.session.version
        self.info.app_id = conf.get("spark.app.id", None)
        master = conf.get("spark.master", None)
        self.info.cores = _int(conf.get("spark.default.parallelism", None))
        if master and master.startswith("local"):
            self.info.workers = 1
        return self.info

    def stop(self) -> None:
        # Only our client session ends; the Connect server belongs to someone else.
        self.session.stop()
        # Leave the process ready for a classic session (pyspark keeps this flag set).
        os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)

    def namespace(self) -> dict[str, Any]:
        return {"spark": self.session}

    def conflicts(self, wanted: dict[str, Any]) -> list[str]:
        found = []
        if wanted.get("master"):
            found.append(f"master {wanted['master']} (running: Spark Connect {self.info.address})")
        remote = wanted.get("remote")
        if remote and remote != self.info.address:
            found.append(f"remote {remote} (running: {self.info.address})")
        for key, value in (wanted.get("conf") or {}).items():
            if self.session.conf.get(key, None) != value:
                found.append(f"{key}={value}")
        return found


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None
