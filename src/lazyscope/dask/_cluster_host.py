"""The process a server-started Dask cluster lives in: ``python -m lazyscope.dask._cluster_host``.

The cluster object (a LocalCluster's scheduler, its Bokeh dashboard and its nannies, or
any other cluster class) runs here, not in the Jupyter server: a dashboard under load
(every page view builds a Bokeh document) then loads this process, and the server only
relays bytes. ``_cluster.DaskCluster`` is the server's side.

The server talks to it in JSON lines: requests on this process's stdin, answers and
events on the stdout it was started with (kept apart at start; fd 1 then points at the
log, so a stray print cannot break the protocol).

- ``{"op": "start", "path": [...], "config": <base64 pickle>}`` (first): ``path`` is
  the server's ``sys.path`` (a configured class imports here as it does there);
  ``config`` holds ``factory``, ``kwargs`` and ``workers`` (a size to scale to, for
  classes other than LocalCluster). Answer ``{"id": 0, "address", "dashboard"}``, or
  ``{"id": 0, "error"}`` and the process exits.
- ``{"id": N, "op": "scale", "workers": W}``: answered once the scheduler sees W workers.
- ``{"id": N, "op": "close"}``: answered once the cluster has stopped; then it exits.
- ``{"event": "workers", "workers", "cores", "memory"}``, sent whenever they change (and
  before every answer), so the server's listings never wait for this process.

End of stdin (the server stopped, or died) closes the cluster too. A killed server's
children get SIGTERM from the kernel (``_processes.spawn``), which ends this process at
once; each worker process exits when the pipe its nanny held closes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import pickle
import sys
from typing import Any, BinaryIO

__all__ = ["main"]

LOCAL = "distributed.LocalCluster"
SCALE_TIMEOUT = 120.0
CLOSE_TIMEOUT = 25.0  # below the server's wait (DaskCluster), so the server hears why


class _Host:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.cluster: Any = None
        self.measured: tuple[int, int, int] | None = None

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(json.dumps(message).encode() + b"\n")
        self.out.flush()

    def measure(self) -> tuple[int, int, int]:
        info = self.cluster.scheduler_info if self.cluster is not None else {}
        workers = dict(info.get("workers", {})).values()
        cores = sum(int(w.get("nthreads", 0)) for w in workers)
        memory = sum(int(w.get("memory_limit", 0) or 0) for w in workers)
        return len(workers), cores, memory

    def report(self) -> None:
        """The workers event, if the figures changed since the last one."""
        now = self.measure()
        if now != self.measured:
            self.measured = now
            self.send({"event": "workers", "workers": now[0], "cores": now[1], "memory": now[2]})

    async def watch(self) -> None:
        while True:  # workers leave or die on their own too; the listing should say so
            self.report()
            await asyncio.sleep(0.5)

    async def start(self, config: dict[str, Any]) -> None:
        from ._cluster import import_factory

        cls = import_factory(config["factory"])
        self.cluster = cls(asynchronous=True, **config["kwargs"])
        await self.cluster  # a distributed Cluster starts when awaited
        if config["workers"] is not None:  # other classes take their sizes from their config
            await self.scale(config["workers"])

    async def scale(self, workers: int, timeout: float = SCALE_TIMEOUT) -> None:
        self.cluster.scale(workers)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # scale() only schedules the change; wait until the scheduler sees it.
        while self.measure()[0] != workers:
            if loop.time() > deadline:
                missed = f"Dask cluster did not reach {workers} worker(s) in {timeout:g} s"
                raise TimeoutError(missed)
            await asyncio.sleep(0.2)

    async def close(self) -> None:
        if self.cluster is None:
            return
        try:
            await asyncio.wait_for(self.cluster.close(), CLOSE_TIMEOUT)
        except TimeoutError:
            raise TimeoutError(f"the cluster did not stop in {CLOSE_TIMEOUT:g} s") from None

    async def answer(self, mid: int, work: Any) -> None:
        try:
            await work
        except Exception as exc:  # the server shows it (a card, its log)
            self.report()
            self.send({"id": mid, "error": str(exc) or type(exc).__name__})
            return
        self.report()
        self.send({"id": mid, "error": None})


async def _lines() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def _serve(host: _Host) -> None:
    requests = await _lines()
    line = await requests.readline()
    if not line:
        return  # the server went away before asking for a cluster
    first = json.loads(line)
    sys.path[:0] = [p for p in first["path"] if p not in sys.path]
    try:
        config = pickle.loads(base64.b64decode(first["config"]))  # noqa: S301  # from our server
        await host.start(config)
    except Exception as exc:
        host.send({"id": 0, "error": str(exc) or type(exc).__name__})
        await asyncio.gather(host.close(), return_exceptions=True)
        return
    host.report()
    host.send({"id": 0, "error": None, "address": str(host.cluster.scheduler_address),
               "dashboard": host.cluster.dashboard_link})  # fmt: skip
    watching = asyncio.ensure_future(host.watch())
    scaling: set[asyncio.Future[None]] = set()
    while line := await requests.readline():
        request = json.loads(line)
        if request["op"] == "scale":
            scaled = host.scale(request["workers"], request.get("timeout", SCALE_TIMEOUT))
            task = asyncio.ensure_future(host.answer(request["id"], scaled))
            scaling.add(task)  # held until done (the loop keeps weak references only)
            task.add_done_callback(scaling.discard)
        elif request["op"] == "close":
            watching.cancel()
            await host.answer(request["id"], host.close())
            return
    watching.cancel()  # no more requests: the server has gone
    await asyncio.gather(host.close(), return_exceptions=True)


def main() -> None:
    # The protocol keeps the stdout we were given; fd 1 becomes the log (fd 2).
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    asyncio.run(_serve(_Host(out)))


if __name__ == "__main__":
    main()
