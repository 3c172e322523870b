"""Server load: the Jupyter server's own API while a Dask dashboard it started is under load.

A real `jupyter server` with lazyscope starts a Dask cluster (1 worker, 1 thread) through
`POST /lazyscope/api/clusters`. Each round, interleaved:
- idle: `GET /api/status` (the Jupyter server's own status route) for 5 s;
- load: from another process, 20 Bokeh websockets on the dashboard's `/status` page,
  opened one after the other (each pulls its document and then takes the live updates,
  as an open dashboard tab does), then 200 concurrent `GET <proxy>/status` (each page
  view builds a Bokeh document), the websockets held 5 s more;
- after: `GET /api/status` for 10 s once the load has gone, then the server's memory.
Everything goes through the dashboard proxy (`/lazyscope/dashboard/<id>/...`) with the
Jupyter token, as a browser's requests would. `GET /api/status` starts every 0.25 s
throughout, each on its own connection, whether the previous one has answered or not.

Figures: /api/status latency (ms), median and p95 of each round (median [min-max] over
rounds), against the idle rounds of the same server; the server process's RSS (MiB): idle,
peak under load, 10 s after; its child processes' peak RSS (where a cluster of its own
takes the load); how long the 200 page views took (the dashboard builds a Bokeh document
for each, about 1 s of CPU here; the proxy gives up on an answer after 300 s).
A single run measures one lazyscope; the server runs the first lazyscope on PYTHONPATH as
given (else this checkout's `src/`): the code before a change is measured with
`PYTHONPATH=/path/to/old/src python benchmarks/bench_server_load.py`.
Run alone: `python benchmarks/bench_server_load.py [--small] [--rounds N]` (`--small`: 1 round).
"""

from __future__ import annotations

import os

# Before _bench puts this checkout's src/ first: which lazyscope the server is to run.
_GIVEN_PATH = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]

import argparse  # noqa: E402  # after the given PYTHONPATH is read
import asyncio  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import psutil  # noqa: E402
from _bench import SRC, Fig, line, note  # noqa: E402

TOKEN = "bench-server-load"  # a throwaway server on loopback
PAGES, SOCKETS, HOLD = 200, 20, 5.0
IDLE_SECONDS, AFTER_SECONDS, PROBE_EVERY = 5.0, 10.0, 0.25


def cpu_model() -> str:
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def server_src() -> Path:
    for entry in _GIVEN_PATH:
        if (Path(entry) / "lazyscope" / "__init__.py").exists():
            return Path(entry).resolve()
    return SRC


# ------------------------------------------------------------------------ the server
class Server:
    """A Jupyter server with lazyscope, its files under a temporary folder."""

    def __init__(self, src: Path, tmp: Path) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        env = {**os.environ, "TMPDIR": str(tmp), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
               "PYTHONPATH": os.pathsep.join([str(src), *_GIVEN_PATH])}  # fmt: skip
        cmd = [
            sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={self.port}",
            "--ServerApp.port_retries=0", "--allow-root", f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={tmp}", "--ServerApp.jpserver_extensions=lazyscope=True",
        ]  # fmt: skip
        self.failed: list[str] = []  # why probes failed (a connection timed out...)
        self.log = (tmp / "server.log").open("wb")
        self.proc = subprocess.Popen(
            cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            try:
                self.call("GET", "/api/status")
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Jupyter server did not start; log in {tmp}") from None
                time.sleep(0.3)

    def call(self, method: str, path: str, body: Any = None, timeout: float = 600) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = None if body is None else json.dumps(body)
            conn.request(method, path, data, {"Authorization": f"token {TOKEN}"})
            reply = conn.getresponse()
            payload = reply.read()
            if reply.status >= 400:
                raise RuntimeError(f"{method} {path}: {reply.status} {payload[:200]!r}")
            if "json" not in reply.getheader("Content-Type", ""):
                return payload
            return json.loads(payload)
        finally:
            conn.close()

    def probe(self) -> float:
        """One `GET /api/status`, in ms (a failed one counts for the time it took)."""
        start = time.perf_counter()
        try:
            self.call("GET", "/api/status")
        except (OSError, RuntimeError) as exc:
            self.failed.append(str(exc))  # list.append: safe from the probing threads
        return (time.perf_counter() - start) * 1000

    def rss(self) -> float:
        return psutil.Process(self.proc.pid).memory_info().rss / 2**20

    def children_rss(self) -> float:
        """The server's child processes (a cluster's process and its workers), in MiB."""
        total = 0
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        return total / 2**20

    def dask_cluster(self) -> dict[str, Any]:
        created = self.call("POST", "/lazyscope/api/clusters",
                            {"engine": "dask", "workers": 1, "cores": 1})  # fmt: skip
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            info: dict[str, Any] = self.call("GET", f"/lazyscope/api/clusters/{created['id']}")
            if info["status"] == "running" and info.get("proxy"):
                return info
            if info["status"] == "failed":
                raise RuntimeError(f"the Dask cluster failed: {info['error']}")
            time.sleep(0.5)
        raise RuntimeError("the Dask cluster did not start in 240 s")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# ------------------------------------------------------------------------ the load
async def _fetch(url: str) -> int:
    """A page view through the proxy: its status (599: no answer, the connection broke)."""
    from tornado.httpclient import AsyncHTTPClient

    headers = {"Authorization": f"token {TOKEN}"}
    try:
        reply = await AsyncHTTPClient().fetch(url, headers=headers, request_timeout=600,
                                              raise_error=False)  # fmt: skip
    except Exception:  # raise_error=False still raises for a broken connection
        return 599
    return int(reply.code)


async def _tab(page: str, url: str) -> Any:
    """An open dashboard tab: a page view, its Bokeh websocket, its document pulled."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {TOKEN}"}
    html = (await AsyncHTTPClient().fetch(page, headers=headers, request_timeout=600)).body
    token = re.search(rb'"token":\s*"([^"]+)"', html)
    if token is None:
        raise RuntimeError("no Bokeh session token in the dashboard page")
    conn = await websocket_connect(HTTPRequest(url, headers=headers, request_timeout=600),
                                   subprotocols=["bokeh", token.group(1).decode()])  # fmt: skip
    for frame in ({"msgid": "1", "msgtype": "PULL-DOC-REQ"}, {}, {}):
        await conn.write_message(json.dumps(frame))
    return conn


async def _listen(conn: Any, stop: asyncio.Event, seen: dict[str, int]) -> None:
    """Take the tab's live updates until the load ends."""
    stopping = asyncio.ensure_future(stop.wait())
    while True:
        reading = asyncio.ensure_future(conn.read_message())
        await asyncio.wait([reading, stopping], return_when=asyncio.FIRST_COMPLETED)
        if not reading.done():
            reading.cancel()
            break
        message = reading.result()
        if message is None:
            break
        seen["messages"] += 1
        seen["bytes"] += len(message)
    conn.close()


async def _load(base: str, proxy: str) -> dict[str, Any]:
    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=PAGES + SOCKETS)
    page = f"{base}{proxy}"
    stop = asyncio.Event()
    seen = {"messages": 0, "bytes": 0}
    tabs, errors = [], []
    for _ in range(SOCKETS):  # one after the other, as tabs are opened
        try:
            conn = await _tab(page, page.replace("http://", "ws://", 1) + "/ws")
        except Exception as exc:
            errors.append(f"tab: {exc}")
            continue
        tabs.append(asyncio.ensure_future(_listen(conn, stop, seen)))
    start = time.perf_counter()
    codes = await asyncio.gather(*(_fetch(page) for _ in range(PAGES)))
    burst = time.perf_counter() - start
    await asyncio.sleep(HOLD)
    stop.set()
    await asyncio.gather(*tabs, return_exceptions=True)
    errors += [f"page: HTTP {c}" for c in sorted(set(codes) - {200})]
    return {"ok": codes.count(200), "burst": burst, "sockets": len(tabs),
            "messages": seen["messages"], "errors": errors[:5]}  # fmt: skip


def run_load(base: str, proxy: str) -> None:
    """The load's own process (`--load`): its event loop does not share the prober's."""
    print(json.dumps(asyncio.run(_load(base, proxy))), flush=True)


# ------------------------------------------------------------------------ a round
def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def probing(server: Server, until: Any) -> list[float]:
    """`GET /api/status` every PROBE_EVERY s, each in a thread of its own, while `until()`
    is true: on a schedule, not back to back, so a stalled server weighs for the time it
    stalled (back to back, one 30 s answer would be one sample among hundreds of fast ones)."""
    with ThreadPoolExecutor(max_workers=512) as pool:  # never queued: 2 min of probes
        futures = []
        while until():
            futures.append(pool.submit(server.probe))
            time.sleep(PROBE_EVERY)
        return [f.result() for f in futures]


def one_round(server: Server, proxy: str) -> dict[str, Any]:
    idle = probing(server, _for(IDLE_SECONDS))
    idle_rss = server.rss()
    load = subprocess.Popen(
        [sys.executable, __file__, "--load", f"http://127.0.0.1:{server.port}", proxy],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak, children = idle_rss, server.children_rss()

    def loading() -> bool:
        nonlocal peak, children
        peak, children = max(peak, server.rss()), max(children, server.children_rss())
        return load.poll() is None

    loaded = probing(server, loading)
    out = load.stdout.read() if load.stdout else ""
    failed = {"ok": 0, "burst": 0.0, "sockets": 0, "messages": 0, "errors": ["load failed"]}
    summary = json.loads(out) if load.returncode == 0 else failed
    after = probing(server, _for(AFTER_SECONDS))
    return {"idle": idle, "loaded": loaded, "after": after, "idle_rss": idle_rss,
            "peak_rss": peak, "after_rss": server.rss(), "children_rss": children,
            "load": summary}  # fmt: skip


def _for(seconds: float) -> Any:
    end = time.monotonic() + seconds
    return lambda: time.monotonic() < end


def report(rounds: list[dict[str, Any]]) -> None:
    def per_round(key: str, stat: Any) -> Fig:
        return Fig([stat(r[key]) for r in rounds], "ms")

    idle_med, idle_p95 = per_round("idle", statistics.median), per_round("idle", p95)
    line("/api/status median, dashboard under load", per_round("loaded", statistics.median),
         [("idle", idle_med)], versus="idle", goal="<= 5 x idle", max_ratio=5)  # fmt: skip
    line("/api/status p95, dashboard under load", per_round("loaded", p95),
         [("idle", idle_p95)], versus="idle", goal="<= 10 x idle", max_ratio=10)  # fmt: skip
    line("/api/status median, 10 s after the load", per_round("after", statistics.median),
         [("idle", idle_med)], versus="idle", goal="<= 2 x idle", max_ratio=2)  # fmt: skip
    line("/api/status p95, 10 s after the load", per_round("after", p95),
         [("idle", idle_p95)], versus="idle", goal="<= 3 x idle", max_ratio=3)  # fmt: skip
    idle_rss = Fig([r["idle_rss"] for r in rounds], "MiB")
    line("server RSS, peak under load", Fig([r["peak_rss"] for r in rounds], "MiB"),
         [("idle", idle_rss)], versus="idle")  # fmt: skip
    line("server RSS, 10 s after the load", Fig([r["after_rss"] for r in rounds], "MiB"),
         [("idle", idle_rss)], versus="idle", goal="<= 1.2 x idle", max_ratio=1.2)  # fmt: skip
    line("server's child processes (clusters): RSS peak under load",
         Fig([r["children_rss"] for r in rounds], "MiB"))  # fmt: skip
    line("dashboard: 200 concurrent page views", Fig([r["load"]["burst"] for r in rounds]),
         [("pages answered 200", Fig([r["load"]["ok"] for r in rounds], "n")),
          ("websockets open", Fig([r["load"]["sockets"] for r in rounds], "n")),
          ("websocket messages", Fig([r["load"]["messages"] for r in rounds], "n"))])  # fmt: skip
    for r in rounds:
        if r["load"]["errors"]:
            note(f"load errors: {r['load']['errors']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="one round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--load", nargs=2, metavar=("BASE", "PROXY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        run_load(*args.load)
        return
    src = server_src()
    note(f"CPU: {cpu_model()}, {os.cpu_count()} cores; server runs lazyscope from {src}")
    with tempfile.TemporaryDirectory(prefix="bench-server-load-") as tmp:
        server = Server(src, Path(tmp))
        try:
            info = server.dask_cluster()
            server.call("GET", info["proxy"])  # warm: the first page view imports Bokeh's
            count = 1 if args.small else args.rounds
            rounds = [one_round(server, info["proxy"]) for _ in range(count)]
        finally:
            server.close()
    report(rounds)
    if server.failed:
        probes = sum(len(r[k]) for r in rounds for k in ("idle", "loaded", "after"))
        note(f"{len(server.failed)} of {probes} GET /api/status failed (counted for the time "
             f"they took), e.g. {server.failed[0]}")  # fmt: skip


if __name__ == "__main__":
    main()
