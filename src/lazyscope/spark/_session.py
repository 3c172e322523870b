"""Spark classic: local[N], spark:// standalone, and yarn / k8s:// passed through."""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any
from urllib.parse import urlsplit

from lazyscope import _limits, _net
from lazyscope._config import settings
from lazyscope._errors import LazyscopeError, add_rewriter, short_engine_message
from lazyscope._sessions import SessionInfo
from lazyscope.model import parse_size

from . import _errors, _eventlog, _java, _jvm

__all__ = ["SparkEngine", "check_master", "jvm_log", "quiet_spark_loggers", "spark_errors"]

add_rewriter(_errors.rewrite)
jvm_log = _jvm.log_tail  # `%spark log`

_LOCAL = re.compile(r"^local(\[(\*|\d+)(,\s*\d+)?\])?$")
_PASS_THROUGH = ("yarn", "k8s://", "mesos://")
# Ports a user may pin with --conf; we check they are free before the JVM starts.
_PORT_KEYS = ("spark.ui.port", "spark.driver.port", "spark.blockManager.port")
# Our own progress view replaces Spark's console bar, which would scribble on stderr.
_DEFAULTS = {"spark.ui.showConsoleProgress": "false"}
# A local driver talks to nobody but itself: keep it (and its UI link) on loopback.
_LOCAL_DEFAULTS = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
# pyspark logs every query error with its full Java stack trace to these loggers;
# we show the short message instead.
_NOISY_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


def check_master(master: str) -> None:
    if re.fullmatch(r"local\[0+(,.*)?\]", master):
        raise LazyscopeError(
            f"{master} asks for no threads, so Spark could run no task. "
            "Use local[N] with N of 1 or more, or local[*] for one per core."
        )
    if _LOCAL.match(master) or master == "yarn" or master.startswith(_PASS_THROUGH):
        return
    if master.startswith("spark://"):
        for hostport in master[len("spark://") :].split(","):
            url = urlsplit(f"spark://{hostport}")
            if not url.hostname or not url.port:
                raise LazyscopeError(
                    f"Bad standalone master {master!r}: expected spark://HOST:PORT."
                )
        return
    raise LazyscopeError(
        f"Unknown Spark master {master!r}. Use local, local[N], local[*], spark://HOST:PORT, "
        "yarn or k8s://URL (or --remote sc://HOST:PORT for Spark Connect)."
    )


def spark_errors() -> tuple[type[BaseException], ...]:
    """Exception types raised by pyspark/py4j that deserve a short message."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    return (PySparkException, Py4JError)


def quiet_spark_loggers() -> None:
    # Through PySparkLogger: a plain Logger of that name would break pyspark's kwargs calls.
    from pyspark.logger import PySparkLogger

    for name in _NOISY_LOGGERS:
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


class SparkEngine:
    name = "spark"

    def __init__(
        self, session: Any, owned: bool, limits: _limits.Limits | None = None, asked: str = ""
    ) -> None:
        self.session = session
        self.asked = asked  # the master asked for: local[*] runs as local[N] (`_sized`)
        master = session.sparkContext.master
        self.info: SessionInfo = _limits.SizedInfo(
            engine="spark", address=master, owned=owned, limits=limits
        )
        self.info = self.status()

    @classmethod
    def start(cls, master: str, conf: dict[str, str], app_name: str) -> SparkEngine:
        check_master(master)
        _java.require_java()
        if master.startswith("spark://"):
            first = urlsplit(master.split(",")[0])
            _net.check_reachable(first.hostname or "", first.port or 0, "Spark master")
        for key in _PORT_KEYS:
            if key in conf:
                _net.check_port_free(_port(conf[key], key), key)
        from pyspark import SparkConf, SparkContext
        from pyspark.sql import SparkSession

        # pyspark marks the whole process as "Connect mode" once a Connect session was
        # made (and children inherit it); a classic start asked for explicitly must not
        # be routed to Connect because of an earlier `%spark start --remote`.
        os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
        owned = SparkContext._active_spark_context is None
        asked = master
        limits = _limits.read() if owned and _LOCAL.match(master) else None
        master, sized = _sized(master, conf, limits)
        options = {
            "spark.master": master,
            "spark.app.name": app_name,
            **_defaults(master),
            **sized,
            **conf,
        }
        builder = SparkSession.builder
        for key, value in options.items():
            builder = builder.config(key, value)
        failures: tuple[type[BaseException], ...] = (LazyscopeError, *spark_errors())
        try:
            _jvm.launch(SparkConf(loadDefaults=False).setAll(list(options.items())))
            session = builder.getOrCreate()
        except failures as exc:
            raise LazyscopeError(_start_failed(exc, conf)) from None
        python = options.get("spark.pyspark.python")
        if owned and python:
            # pyspark reads only PYSPARK_PYTHON for the workers of a running driver;
            # the conf (ours, or the user's) must be applied by hand to take effect.
            session.sparkContext.pythonExec = python
        quiet_spark_loggers()
        return cls(session, owned=owned, limits=limits, asked=asked)

    def status(self) -> SessionInfo:
        sc = self.session.sparkContext
        tracker = sc._jsc.sc().statusTracker()
        executors = tracker.getExecutorInfos()  # includes the driver
        conf = sc.getConf()
        self.info.address = sc.master
        self.info.app_id = sc.applicationId
        self.info.dashboard = sc.uiWebUrl
        self.info.version = sc.version
        self.info.workers = max(len(executors) - 1, 1) if not sc.master.startswith("local") else 1
        self.info.cores = sc.defaultParallelism
        # A local master runs its tasks in the driver: its memory is the driver's.
        local = sc.master.startswith("local")
        memory = conf.get("spark.driver.memory" if local else "spark.executor.memory", "1g")
        self.info.memory = parse_size(memory)
        self.info.history = _keeps_history(conf)
        log = _jvm.log_path()
        self.info.log = str(log) if log is not None and self.info.owned else None
        return self.info

    def stop(self) -> None:
        if self.info.owned:
            self.session.stop()

    def namespace(self) -> dict[str, Any]:
        return {"spark": self.session, "sc": self.session.sparkContext}

    def conflicts(self, wanted: dict[str, Any]) -> list[str]:
        found = []
        if wanted.get("remote"):
            found.append(f"remote {wanted['remote']} (running: classic master {self.info.address})")
        master = wanted.get("master")
        if master and master not in (self.info.address, self.asked):
            found.append(f"master {master} (running: {self.info.address})")
        conf = self.session.sparkContext.getConf()
        for key, value in (wanted.get("conf") or {}).items():
            if conf.get(key, None) != value and self.session.conf.get(key, None) != value:
                found.append(f"{key}={value} (running: {conf.get(key, 'unset')})")
        return found


def _defaults(master: str) -> dict[str, str]:
    defaults = {**_DEFAULTS, "spark.log.level": settings().spark_log_level}
    if master.startswith(("local", "spark://")):
        # The driver runs in this kernel: its event log keeps the application inspectable
        # after it ends (the server's History Server). The user's spark.eventLog.* win.
        defaults.update(_eventlog.session_conf())
    if master.startswith("local"):
        defaults.update(_LOCAL_DEFAULTS)
        if not os.environ.get("PYSPARK_PYTHON"):
            # Local workers run this kernel's Python, not whichever `python3` comes first
            # on PATH (a venv kernel started from elsewhere would lack pyarrow, even pyspark).
            defaults["spark.pyspark.python"] = sys.executable
    return defaults


def _keeps_history(conf: Any) -> bool:
    """Does this application's event log go where the server's History Server reads?"""
    enabled = str(conf.get("spark.eventLog.enabled", "false")).lower() == "true"
    return enabled and str(conf.get("spark.eventLog.dir", "")) == _eventlog.folder().as_uri()


def _sized(
    master: str, conf: dict[str, str], limits: _limits.Limits | None
) -> tuple[str, dict[str, str]]:
    """A local master fitted to the user's limits: local[*] becomes local[N], N their
    whole CPUs; the driver's memory (set before its JVM starts) from their memory
    (`_driver_memory`, when a limit is set), unless the user set it (--conf,
    SPARK_DRIVER_MEMORY, --driver-memory in PYSPARK_SUBMIT_ARGS)."""
    if limits is None:
        return master, {}
    if master == "local[*]":
        master = f"local[{limits.whole_cpus}]"
    memory = _driver_memory(limits)
    set_by_user = (
        "spark.driver.memory" in conf
        or os.environ.get("SPARK_DRIVER_MEMORY")
        or "--driver-memory" in os.environ.get("PYSPARK_SUBMIT_ARGS", "")
    )
    return master, {} if set_by_user or memory is None else {"spark.driver.memory": memory}


def _driver_memory(limits: _limits.Limits) -> str | None:
    """A local driver's heap: three quarters of the spare memory, since the JVM takes about
    a third more than its heap (metaspace, threads, off-heap buffers); at least 512 MiB,
    below which Spark refuses to start. None when no limit is set: a machine without one
    may be shared, so Spark's default stays."""
    if limits.memory_source == _limits.MACHINE:
        return None
    return f"{max(limits.spare_memory * 3 // 4 // 2**20, 512)}m"


def _start_failed(exc: BaseException, conf: dict[str, str]) -> str:
    said = str(exc) if isinstance(exc, LazyscopeError) else short_engine_message(exc, 3)
    said = " ".join(said.splitlines())
    # Name the --conf the JVM refused: its message quotes the value, not the key.
    named = [f"--conf {k}={v}" for k, v in conf.items() if len(v) > 2 and v in said]
    cause = f" (from {', '.join(named)})" if named else ""
    log = _jvm.log_path()
    where = f" Spark's log: {log} (%spark log shows its end)." if log else ""
    return f"Spark did not start: {said.rstrip('.')}{cause}.{where}"


def _port(value: str, key: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise LazyscopeError(f"--conf {key}={value}: the port must be a number.") from None
