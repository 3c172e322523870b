"""Dask Gateway (issue 25): lazyscope against what a user would do instead, on a real
`dask-gateway-server` on loopback (tests/_gateway.py: local back-end, password auth; the
scheduler and workers run from a venv without lazyscope, as a team's image would).
dask-gateway's own configuration comes from the environment, as daskhub presets it.

- start: `%dask start --gateway` (in-process IPython shell, until it has a client) then
  `%dask stop`, vs `Gateway().new_cluster()` + `cluster.get_client()` then `shutdown()`.
  No workers on either side (both return once the scheduler answers). Order alternates.
  dask-gateway polls a starting cluster every 0.5 s, so a start takes whole ticks on
  either side alike: the start takes at least 15 runs a side (lazyscope's own code in a
  start, profiled: ~40 ms of ~4 s, an extra `cluster_options()` request among it).
- progress: one Gateway cluster (2 workers x 1 thread), started by `%dask start --gateway`
  in a lazyscope kernel; a second kernel without lazyscope attaches to the same cluster
  (`Gateway().connect(name).get_client()`). The same graph as bench_progress.py
  (`da.ones(n // 2, chunks=1).sum(split_every=100)`, n tasks) runs as a `%%dask` cell in
  the first (per-cell progress) and as plain `x.compute()` in the second, interleaved.
  Cell wall time, request to idle, as the client sees it.
- listing: 20 running Gateway clusters (no workers); the Jupyter server's
  `GET /lazyscope/api/clusters` (what the Clusters panel polls; a fresh listing: each run
  waits out the server's 2 s reuse of a listing) vs `Gateway().list_clusters()`. The
  server also asks each running scheduler for its workers (one request each, in
  parallel); dask-gateway's listing does not. Both reported, no goal; the reused listing
  (a second request within 2 s) is shown beside.
Run alone: `python benchmarks/bench_gateway.py [--small] [--repeat N] [--tasks N]`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _bench import HERE, Fig, Kernel, line, note, timed
from bench_server_load import Server, cpu_model

sys.path.insert(0, str(HERE.parent))  # the tests' real gateway (tests/_gateway.py)

from tests._gateway import GatewayServer, running_gateway
from tests._gateway import wait_until as _wait_until

JOB = "x = da.ones({n} // 2, chunks=1).sum(split_every=100)\n"
LISTED_CLUSTERS = 20
START_RUNS = 15  # at least, a side: whole 0.5 s ticks of dask-gateway's start poll
TTL = 2.1  # the server reuses a listing for 2 s (_gateway_clusters.TTL): wait it out


@contextlib.contextmanager
def gateway_env(server: GatewayServer) -> Iterator[None]:
    """dask-gateway's configuration in this process's environment (its kernels, its Jupyter
    server and dask.config inherit it), as daskhub sets it."""
    import dask.config

    before = dict(os.environ)
    os.environ.update(server.env())
    dask.config.refresh()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)
        dask.config.refresh()


def _quiet_gateway_del(unraisable: Any) -> None:
    """dask-gateway's `Gateway.__del__` closes a closed client again and fails on
    distributed's stopped loop ("Exception ignored in Gateway.__del__", a traceback per
    client the peers make); lazyscope's own clients avoid it (`_gateway._closed`)."""
    if "Gateway.__del__" in repr(getattr(unraisable, "object", None)):
        return
    sys.__unraisablehook__(unraisable)


# ------------------------------------------------------------------------ start
def bench_start(repeat: int) -> None:
    from dask_gateway import Gateway
    from IPython.testing.globalipapp import start_ipython

    ip = start_ipython()
    ip.run_line_magic("load_ext", "lazyscope")
    sys.unraisablehook = _quiet_gateway_del

    def ours() -> None:
        with contextlib.redirect_stdout(io.StringIO()):  # the magics' status lines
            ip.run_line_magic("dask", "start --gateway")
        ip.user_ns["client"].scheduler_info()  # usable: it answers

    def ours_stop() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            ip.run_line_magic("dask", "stop")

    made: dict[str, Any] = {}

    def base() -> None:
        gateway = Gateway()
        cluster = gateway.new_cluster()
        client = cluster.get_client()
        client.scheduler_info()
        made.update(gateway=gateway, cluster=cluster, client=client)

    def base_stop() -> None:
        made["client"].close()
        made["cluster"].shutdown()
        made["gateway"].close()

    runs: dict[str, list[float]] = {"ours": [], "base": []}
    for i in range(repeat + 1):  # the first pair warms imports and the gateway
        pair = [("ours", ours, ours_stop), ("base", base, base_stop)]
        for side, start, stop in pair if i % 2 == 0 else pair[::-1]:
            took = timed(start)
            stop()
            if i:
                runs[side].append(took)
    line(
        "gateway start: %dask start --gateway",
        Fig(runs["ours"]),
        [("Gateway().new_cluster()+get_client()", Fig(runs["base"]))],
        versus="Gateway().new_cluster()+get_client()",
        goal="<= 1.05 x",
        max_ratio=1.05,
    )


# ------------------------------------------------------------------------ progress
def bench_progress(server: GatewayServer, n: int, repeat: int) -> None:
    ours = plain = None
    try:
        ours = Kernel(env=server.env())
        ours.run("%load_ext lazyscope")
        ours.run("%dask start --gateway --workers 2", timeout=600)
        ours.run("client.wait_for_workers(2, timeout=300)\nimport dask.array as da", timeout=400)
        name = ours.run("print(cluster.name)")["stdout"].strip()
        plain = Kernel(env=server.env())
        plain.run(
            "from dask_gateway import Gateway\nimport dask.array as da\n"
            f"cluster = Gateway().connect({name!r})\nclient = cluster.get_client()",
            timeout=600,
        )
        cells = {
            "lazyscope": (ours, "%%dask\n" + JOB + "_r = x.compute()"),
            "plain": (plain, JOB + "_r = x.compute()"),
        }
        for kernel, cell in cells.values():  # warm: a small job on each side
            kernel.run(cell.format(n=1000))
            kernel.drain(5, quiet=1)
        walls: dict[str, list[float]] = {side: [] for side in cells}
        names = list(cells)
        for i in range(repeat):
            for side in names[i % 2 :] + names[: i % 2]:
                kernel, cell = cells[side]
                walls[side].append(kernel.run(cell.format(n=n))["wall"])
                kernel.drain(5, quiet=1)  # the last redraws, before the other side runs
        line(
            f"gateway progress {n:,} tasks: cell wall time",
            Fig(walls["lazyscope"]),
            [("plain .compute()", Fig(walls["plain"]))],
            versus="plain .compute()",
            goal="<= 1.03 x plain",
            max_ratio=1.03,
        )
        runs = walls["plain"]
        note(f"gateway progress: plain {min(runs):.1f}-{max(runs):.1f} s "
             f"(~{n / min(runs):,.0f} tasks/s)")  # fmt: skip
    finally:
        if plain is not None:
            plain.close()
        if ours is not None:
            ours.close()  # its cluster stops with it (not kept)


# ------------------------------------------------------------------------ listing
def bench_listing(server: GatewayServer, repeat: int, tmp: Path) -> None:
    from dask_gateway import Gateway

    sys.unraisablehook = _quiet_gateway_del
    with contextlib.closing(Gateway()) as gateway:
        for _ in range(LISTED_CLUSTERS):
            gateway.submit()

        def running() -> bool:
            listed = gateway.list_clusters()
            return sum(r.status.name == "RUNNING" for r in listed) == LISTED_CLUSTERS

        if not _wait_until(running, timeout=600, every=2):
            raise RuntimeError(f"{LISTED_CLUSTERS} Gateway clusters did not start in 600 s")
    jupyter = Server(HERE.parent / "src", tmp)
    try:
        path = "/lazyscope/api/clusters"

        def listed_by_panel() -> int:
            entries = jupyter.call("GET", path)["clusters"]
            return sum(e.get("source") == "gateway" for e in entries)

        seen = listed_by_panel()
        if seen != LISTED_CLUSTERS:
            raise RuntimeError(f"the panel lists {seen} Gateway clusters, not {LISTED_CLUSTERS}")

        def lazyscope_fresh() -> None:
            jupyter.call("GET", path)

        def dask_gateway() -> None:
            g = Gateway()
            g.list_clusters()
            made.append(g)

        made: list[Any] = []
        runs: dict[str, list[float]] = {"fresh": [], "cached": [], "peer": []}
        for i in range(repeat + 1):  # the first round warms
            time.sleep(TTL)  # so that the server's next listing is a fresh one
            sides = [
                ("fresh", lazyscope_fresh),
                ("cached", lazyscope_fresh),
                ("peer", dask_gateway),
            ]
            if i % 2:  # the peer first every other round (the two panel calls go together)
                sides = sides[2:] + sides[:2]
            for side, fn in sides:
                took = timed(fn)
                if i:
                    runs[side].append(took)
            for g in made:
                g.close()
            made.clear()
        peers: list[tuple[str, Fig | str]] = [
            ("Gateway().list_clusters()", Fig(runs["peer"])),
            ("lazyscope, listing reused (< 2 s old)", Fig(runs["cached"])),
        ]
        line(
            f"gateway list {LISTED_CLUSTERS} clusters: GET /lazyscope/api/clusters",
            Fig(runs["fresh"]),
            peers,
            versus="Gateway().list_clusters()",
        )
    finally:
        jupyter.close()
        server.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2,000 tasks, 3 runs each")
    parser.add_argument("--repeat", type=int, default=None, help="runs a side (default 7)")
    parser.add_argument("--tasks", type=int, default=None, help="default 20,000")
    parser.add_argument("--only", choices=["start", "progress", "listing"])
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.small else 7)
    n = args.tasks or (2_000 if args.small else 20_000)
    load = os.getloadavg()
    note(f"CPU: {cpu_model()}, {os.cpu_count()} cores; load average {load[0]:.1f} at the start")
    tmp_root = HERE.parent / ".tmp"
    tmp_root.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-gateway-", dir=tmp_root) as tmp:
        home = Path(tmp)
        (home / "server").mkdir()
        with running_gateway(home) as server, gateway_env(server):
            try:
                for part in ("start", "progress", "listing"):
                    if args.only not in (None, part):
                        continue
                    started = time.perf_counter()
                    if part == "start":
                        bench_start(repeat if args.small else max(repeat, START_RUNS))
                    elif part == "progress":
                        bench_progress(server, n, repeat)
                    else:
                        bench_listing(server, repeat, home / "server")
                    note(f"gateway {part}: {time.perf_counter() - started:.0f} s in all")
            finally:
                server.stop_all()  # what a failed part left running
                shutil.copy(server.log, tmp_root / "bench-gateway-last.log")  # to read after
    note(f"load average {os.getloadavg()[0]:.1f} at the end (the machine is shared)")


if __name__ == "__main__":
    main()
