"""Dask distributed: a LocalCluster we own, or a client attached to a running scheduler
(a Dask Gateway cluster has a session class of its own: `_gateway`)."""

from __future__ import annotations

import logging
import os
import sysconfig
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lazyscope import _limits, _logfile, _net
from lazyscope._config import settings
from lazyscope._errors import LazyscopeError, short_engine_message, survived
from lazyscope._sessions import SessionInfo
from lazyscope.model import format_bytes

from . import _worker

__all__ = ["DaskEngine", "dask_log", "kernel_log", "parse_address", "task_error"]

_SCHEMES = ("tcp", "tls", "ws", "wss")

_log: Path | None = None  # one per kernel: its clusters and clients, one after another


def kernel_log() -> Path:
    """This kernel's Dask log, where distributed's loggers write from now on."""
    global _log
    if _log is None:
        _log = _logfile.new_log("dask", "dask-cluster.log")
    _worker.route_kernel_logs(_log)  # again: a user's import may have added handlers
    return _log


def dask_log(lines: int = 40) -> str:
    """`%dask log`: the end of this kernel's Dask log."""
    if _log is None:
        raise LazyscopeError(
            "No Dask log in this kernel yet: it is written once %dask start or %dask "
            "connect ran here."
        )
    return _logfile.tail(_log, lines) or "(the Dask log is empty)"


def parse_address(address: str) -> tuple[str, int]:
    url = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = url.port
    except ValueError:
        port = None
    if url.scheme not in _SCHEMES or not url.hostname or not port:
        raise LazyscopeError(
            f"Bad Dask scheduler address {address!r}: expected tcp://HOST:PORT "
            "(e.g. tcp://127.0.0.1:8786)."
        )
    return url.hostname, port


class DaskEngine:
    name = "dask"

    def __init__(
        self,
        client: Any,
        cluster: Any | None,
        wanted: dict[str, Any],
        info: SessionInfo | None = None,
    ) -> None:
        self.client = client
        self.cluster = cluster
        self.wanted = wanted
        self.info = info or SessionInfo(
            engine="dask", address=client.scheduler.address, owned=cluster is not None
        )
        self.info = self.status()

    @classmethod
    def start(cls, workers: int | None, threads: int, memory: str, port: int = 0) -> DaskEngine:
        """A LocalCluster. What the user leaves out (`workers` None, `threads` 0, `memory`
        "auto") is sized from the user's limits (`_limits`), so that the cluster fits them."""
        if workers is not None and workers < 1:
            raise LazyscopeError("--workers must be at least 1.")
        _net.check_port_free(port, "Dask scheduler")
        from distributed import Client, LocalCluster

        limits = _limits.read()
        workers, threads, memory_limit = _sized(limits, workers, threads, memory)
        log = kernel_log()
        try:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=threads,
                memory_limit=memory_limit,
                processes=True,
                host="127.0.0.1",
                scheduler_port=port,
                dashboard_address="127.0.0.1:0",
                # Workers log warnings and errors, to the log file once their preload
                # ran (see _worker); their INFO lines before it would reach a cell.
                silence_logs=logging.WARNING,
                preload=[_worker.__name__],  # workers survive the kernel's interrupt
                env={_worker.LOG_ENV: str(log)},  # ... and log to the file
            )
        except (ValueError, TypeError) as exc:
            raise LazyscopeError(f"Dask did not start: {short_engine_message(exc, 2)}") from None
        except RuntimeError as exc:  # "Cluster failed to start", the cause chained below it
            if port and _net.address_in_use(exc):  # taken since the check above
                raise _net.port_in_use(port, "Dask scheduler") from None
            raise LazyscopeError(f"Dask did not start: {short_engine_message(exc, 2)}") from None
        shown = format_bytes(memory_limit) if isinstance(memory_limit, int) else memory
        wanted = {"workers": workers, "threads": threads, "memory": shown}
        client = Client(cluster)
        info = _limits.SizedInfo(engine="dask", address=client.scheduler.address, limits=limits)
        return cls(client, cluster, wanted, info)

    @classmethod
    def connect(cls, address: str, timeout: float) -> DaskEngine:
        host, port = parse_address(address)
        _net.check_reachable(host, port, "Dask scheduler", timeout=timeout)
        from distributed import Client

        kernel_log()  # the client's own complaints (a lost scheduler) go there

        try:
            client = Client(address, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise LazyscopeError(
                f"Could not connect to the Dask scheduler at {address}: "
                f"{short_engine_message(exc, 2)}"
            ) from None
        return cls(client, None, {"address": address})

    def status(self) -> SessionInfo:
        info = self.client.scheduler_info(n_workers=-1)
        workers = info.get("workers", {}).values()
        self.info.dashboard = self.client.dashboard_link
        self.info.app_id = info.get("id")
        self.info.workers = len(workers)
        self.info.cores = sum(w.get("nthreads", 0) for w in workers)
        self.info.memory = sum(w.get("memory_limit", 0) or 0 for w in workers) or None
        import distributed

        self.info.version = distributed.__version__
        self.info.log = str(_log) if _log is not None else None
        return self.info

    def stop(self) -> None:
        # The cluster's worker processes must stop even when the client cannot close
        # cleanly (e.g. its scheduler stopped answering).
        try:
            self.client.close()
        except Exception:
            if self.cluster is None:
                raise
            survived("closing the Dask client failed; closing its local cluster anyway")
        if self.cluster is not None:
            self.cluster.close()

    def namespace(self) -> dict[str, Any]:
        return {"client": self.client}

    def conflicts(self, wanted: dict[str, Any]) -> list[str]:
        found = []
        if wanted.get("gateway") is not None or wanted.get("cluster"):
            found.append(f"a Dask Gateway cluster (running: the scheduler at {self.info.address})")
        address = wanted.get("address")
        if address and address != self.info.address:
            found.append(f"scheduler {address} (running: {self.info.address})")
        for key in ("workers", "threads", "memory"):
            value = wanted.get(key)
            if value is not None and key in self.wanted and value != self.wanted[key]:
                found.append(f"--{key} {value} (running: {self.wanted[key]})")
        return found


def _sized(
    limits: _limits.Limits, workers: int | None, threads: int, memory: str
) -> tuple[int, int, int | str]:
    """Workers, threads per worker and memory per worker: the ones asked for, the rest
    fitted to `limits` (no more threads than whole CPUs, and the workers' memory together
    the limit's spare memory: `Limits.spare_memory`)."""
    if workers is None:  # Lazyscope.dask_workers, at most one per CPU
        workers = max(1, min(settings().dask_workers, limits.whole_cpus))
    threads = threads or max(1, limits.whole_cpus // workers)
    if memory.strip().lower() != "auto":
        return workers, threads, memory
    return workers, threads, max(limits.spare_memory // workers, 1)


_INTERNAL = ("dask", "distributed", "tornado", "lazyscope", "IPython", "ipykernel")


def task_error(exc: BaseException) -> LazyscopeError | None:
    """A failed Dask task's error as one paragraph: the task's key, the error, and the
    user's own frames, without the ~40 frames of distributed's client and event loop.

    None when `exc` did not come out of a task (no future in its traceback) or is
    distributed's own error (a lost connection, a cancelled future): those say it already.
    """
    key = getattr(exc, "lazyscope_task", None) or _task_key(exc)  # see DaskProgress.stop
    if key is None or type(exc).__module__.split(".")[0] in (*_INTERNAL, "asyncio"):
        return None
    internal = _internal_dirs()
    frames = [
        f"  {frame.filename}, line {frame.lineno}, in {frame.name}"
        + (f": {frame.line}" if frame.line else "")
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(internal)
    ]
    head = f"Dask task {key} failed: {type(exc).__name__}: {short_engine_message(exc, 3)}"
    return LazyscopeError("\n".join([head, *frames[-6:]]))


def _task_key(exc: BaseException) -> Any:
    """The key of the failed future the user waited on, from distributed's own frame in
    the traceback (`gather(futures)`, `Future.result`, `get` for `.compute()`)."""
    erred: list[Any] = []
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__name__", "").startswith("distributed."):
            for value in frame.f_locals.values():
                erred += [f for f in _futures_in(value) if f.status == "error"]
        tb = tb.tb_next
    for future in erred:  # the one whose exception this is, else the first that failed
        if getattr(getattr(future, "_state", None), "exception", None) is exc:
            return future.key
    return erred[0].key if erred else None


def _futures_in(value: Any) -> list[Any]:
    from distributed import Future

    if isinstance(value, Future):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [v for v in value[:10_000] if isinstance(v, Future)]
    return []


def _internal_dirs() -> tuple[str, ...]:
    import importlib

    dirs = [sysconfig.get_paths()["stdlib"]]
    for name in _INTERNAL:
        module = importlib.import_module(name)
        dirs.append(os.path.dirname(module.__file__ or ""))
    return tuple(d + os.sep for d in dirs)
