"""Hub load: N users on a real JupyterHub, each with a kernel running a `%%dask` and a
`%%spark` cell while their Clusters panel polls, against the same hub idle.

The hub of the hub tests (tests/_hub.py: JupyterHub, the Python configurable-http-proxy,
the local process spawner, one OS user per person, made and removed here; needs root),
with N users `lzload01`... Each user's kernel (started through the hub's proxy, driven
over its websocket as JupyterLab drives one) loads lazyscope and runs a tiny `%%dask` and
a tiny `%%spark` cell, all users at once (each a local Dask cluster and a local Spark JVM
of their own). Meanwhile each user's "panel" lists their clusters
(`GET /user/<name>/lazyscope/api/clusters`) every 5 s, as the Clusters panel does, and
`GET /user/<name>/api/status` of a user in turn starts every 0.25 s (each on its own
connection, whether the previous one answered or not).

Figures: /api/status latency (ms), median and p95, idle (servers up, no kernels), while
the cells run, and while the sessions stay open with the panels polling (15 s); cell wall
times; the listings: how many, how many failed, how many showed a cluster that is not the
owner's kernel's (every listing must show exactly its owner's clusters); the users'
processes' peak RSS. Only the comparison with idle means anything: the machine is shared.
Run alone (as root): `python benchmarks/bench_hub_load.py [--users N] [--small]`
(`--small`: 2 users).
"""

from __future__ import annotations

import argparse
import os
import pwd
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import requests
from _bench import Fig, line, note
from bench_server_load import cpu_model, p95

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the hub tests' harness

from tests._hub import Hub, running_hub  # noqa: E402  # after ROOT is on the path
from tests._hub_kernel import HubKernel, texts  # noqa: E402

IDLE_SECONDS, HOLD_SECONDS, PROBE_EVERY, PANEL_EVERY = 15.0, 15.0, 0.25, 5.0
CELLS = {
    "dask": "%%dask\nimport dask.array as da\nda.ones(1000, chunks=100).sum().compute()",
    "spark": "%%spark\nspark.range(1000).selectExpr('sum(id)').collect()[0][0]",
}
EXPECTED = {"dask": "1000", "spark": "499500"}


class Prober:
    """`GET /user/<name>/api/status`, a user in turn, on a schedule; the latencies (ms) of
    the current phase, and why any failed."""

    def __init__(self, hub: Hub, tokens: dict[str, str]) -> None:
        self.hub, self.tokens = hub, tokens
        self.users = list(tokens)
        self.phases: dict[str, list[float]] = {}
        self.failed: list[str] = []
        self.phase = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._schedule, daemon=True)

    def _probe(self, phase: str, user: str) -> None:
        start = time.perf_counter()
        try:
            auth = {"Authorization": f"token {self.tokens[user]}"}
            answer = requests.get(self.hub.server(user) + "api/status", headers=auth, timeout=600)
            if answer.status_code != 200:
                self.failed.append(f"{user}: HTTP {answer.status_code}")
        except requests.RequestException as exc:
            self.failed.append(f"{user}: {exc}")
        self.phases.setdefault(phase, []).append((time.perf_counter() - start) * 1000)

    def _schedule(self) -> None:
        with ThreadPoolExecutor(max_workers=256) as pool:
            turn = 0
            while not self._stop.wait(PROBE_EVERY):
                if self.phase:
                    pool.submit(self._probe, self.phase, self.users[turn % len(self.users)])
                    turn += 1

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Panel:
    """A user's Clusters panel: lists the clusters every PANEL_EVERY s until stopped; each
    listing's cluster ids and kernel ids, or why it failed."""

    def __init__(self, hub: Hub, user: str, token: str, stop: threading.Event) -> None:
        self.url = hub.server(user) + "lazyscope/api/clusters"
        self.headers = {"Authorization": f"token {token}"}
        self.stop = stop
        self.listings: list[list[dict[str, Any]]] = []
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        while True:
            try:
                answer = requests.get(self.url, headers=self.headers, timeout=120)
                if answer.status_code == 200:
                    self.listings.append(answer.json()["clusters"])
                else:
                    self.errors.append(f"HTTP {answer.status_code}")
            except requests.RequestException as exc:
                self.errors.append(str(exc))
            if self.stop.wait(PANEL_EVERY):
                return


def _user_work(hub: Hub, user: str, token: str, done: dict[str, Any]) -> None:
    """The user's kernel: lazyscope loaded, one `%%dask` and one `%%spark` cell."""
    record: dict[str, Any] = {"errors": []}
    done[user] = record
    try:
        kernel = HubKernel(hub.server(user), token, timeout=900)
    except Exception as exc:  # a server that refused or broke: the figure says so
        record["errors"].append(f"kernel start: {exc}")
        return
    record["kernel"] = kernel
    try:
        kernel.run("%load_ext lazyscope", timeout=900)
        for engine, code in CELLS.items():
            start = time.perf_counter()
            outputs = kernel.run(code, timeout=900)
            record[engine] = time.perf_counter() - start
            failed = [o for o in outputs if o["header"]["msg_type"] == "error"]
            shown = texts(outputs)
            if failed or EXPECTED[engine] not in shown:
                record["errors"].append(f"%%{engine}: {shown[-300:]}")
    except Exception as exc:  # a timeout or a broken websocket: counted, not raised
        record["errors"].append(f"{type(exc).__name__}: {exc}")


def _users_rss(uids: set[int]) -> float:
    total = 0
    for proc in psutil.process_iter(["uids", "memory_info"]):
        try:
            if proc.info["uids"].real in uids:
                total += proc.info["memory_info"].rss
        except (psutil.Error, AttributeError):
            continue
    return total / 2**30


def _while(condition: Callable[[], bool], sample: Callable[[], None]) -> None:
    while condition():
        sample()
        time.sleep(2)


def measure(users: tuple[str, ...]) -> dict[str, Any]:
    with running_hub(users) as hub:
        tokens = {user: hub.token(user, "load benchmark") for user in users}
        uids = {pwd.getpwnam(user).pw_uid for user in users}
        peak = {"rss": _users_rss(uids)}

        def sample() -> None:
            peak["rss"] = max(peak["rss"], _users_rss(uids))

        done: dict[str, Any] = {}
        stop = threading.Event()
        with Prober(hub, tokens) as prober:
            prober.phase = "idle"
            end = time.monotonic() + IDLE_SECONDS
            _while(lambda: time.monotonic() < end, sample)
            prober.phase = "cells"
            start = time.perf_counter()
            panels = {user: Panel(hub, user, tokens[user], stop) for user in users}
            workers = [threading.Thread(target=_user_work, args=(hub, u, tokens[u], done))
                       for u in users]  # fmt: skip
            for worker in workers:
                worker.start()
            _while(lambda: any(w.is_alive() for w in workers), sample)
            cells_took = time.perf_counter() - start
            prober.phase = "open"
            end = time.monotonic() + HOLD_SECONDS
            _while(lambda: time.monotonic() < end, sample)
            prober.phase = ""
            stop.set()
            for panel in panels.values():
                panel.thread.join()
        final = {user: requests.get(hub.server(user) + "lazyscope/api/clusters", timeout=120,
                                    headers={"Authorization": f"token {tokens[user]}"}).json()
                 for user in users}  # fmt: skip
        for record in done.values():
            if "kernel" in record:
                record["kernel"].close()
        return {"phases": prober.phases, "failed": prober.failed, "done": done,
                "panels": panels, "final": final, "cells_took": cells_took,
                "peak_rss": peak["rss"]}  # fmt: skip


def check_listings(measured: dict[str, Any]) -> dict[str, Any]:
    """Every listing must show only its owner's kernel's sessions (none of another user's),
    and the last one exactly that kernel's Dask and Spark sessions."""
    done, panels = measured["done"], measured["panels"]
    kernels = {u: r["kernel"].id for u, r in done.items() if "kernel" in r}
    owner = {}  # cluster id -> the user whose listing showed it
    foreign, listings, errors, wrong_final = 0, 0, 0, []
    for user, panel in panels.items():
        errors += len(panel.errors)
        for listing in panel.listings:
            listings += 1
            bad = [c for c in listing if c.get("kernel_id") != kernels.get(user)
                   or owner.setdefault(c["id"], user) != user]  # fmt: skip
            foreign += bool(bad)
        final = measured["final"][user]["clusters"]
        engines = sorted(c["engine"] for c in final if c.get("kernel_id") == kernels.get(user))
        if engines != ["dask", "spark"] or len(final) != 2:
            wrong_final.append(f"{user}: {[(c['engine'], c.get('kernel_id')) for c in final]}")
    return {"listings": listings, "errors": errors, "foreign": foreign, "final": wrong_final}


def report(users: tuple[str, ...], measured: dict[str, Any]) -> None:
    n = len(users)
    phases = measured["phases"]
    idle = phases.get("idle", [0.0])
    for phase, label in (("cells", "cells running"), ("open", "sessions open, panels polling")):
        values = phases.get(phase) or [0.0]
        line(f"hub load, {n} users: /api/status median, {label}",
             Fig([statistics.median(values)], "ms"),
             [("idle", Fig([statistics.median(idle)], "ms"))], versus="idle")  # fmt: skip
        line(f"hub load, {n} users: /api/status p95, {label}", Fig([p95(values)], "ms"),
             [("idle", Fig([p95(idle)], "ms"))], versus="idle")  # fmt: skip
    done = measured["done"]
    for engine in CELLS:
        walls = [r[engine] for r in done.values() if engine in r]
        if walls:
            line(f"hub load, {n} users: %%{engine} cell wall time (one per user, all at once)",
                 Fig(walls))  # fmt: skip
    checked = check_listings(measured)
    errors = sum(len(r["errors"]) for r in done.values())
    ok = not (errors or checked["errors"] or checked["foreign"] or checked["final"])
    line(f"hub load, {n} users: Clusters listings polled, each showing only its owner's",
         Fig([checked["listings"]], "n"),
         [("failed", Fig([checked["errors"]], "n")),
          ("with another's cluster", Fig([checked["foreign"]], "n")),
          ("users with cell errors", Fig([sum(bool(r["errors"]) for r in done.values())], "n"))],
         goal="no error; every listing exactly its owner's clusters",
         verdict="met" if ok else "not met")  # fmt: skip
    line(f"hub load, {n} users: users' processes, peak RSS", Fig([measured["peak_rss"]], "GiB"))
    note(f"hub load: {n} users' cells took {measured['cells_took']:.0f} s in all; "
         f"/api/status probes: idle {len(idle)}, cells {len(phases.get('cells', []))}, "
         f"open {len(phases.get('open', []))}")  # fmt: skip
    for user, record in done.items():
        for error in record["errors"][:2]:
            note(f"hub load: {user}: {error}")
    for wrong in checked["final"]:
        note(f"hub load: last listing not exactly the owner's two sessions: {wrong}")
    if measured["failed"]:
        note(f"hub load: {len(measured['failed'])} /api/status probes failed, "
             f"e.g. {measured['failed'][0]}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10, help="users on the hub (default 10)")
    parser.add_argument("--small", action="store_true", help="2 users")
    args = parser.parse_args()
    n = 2 if args.small else args.users
    note(f"CPU: {cpu_model()}, {os.cpu_count()} cores; {n} users on one JupyterHub; "
         f"memory {psutil.virtual_memory().total / 2**30:.1f} GiB")  # fmt: skip
    if os.geteuid() != 0:
        note("hub load: not measured: it makes OS users (useradd); run it as root")
        return
    users = tuple(f"lzload{i:02d}" for i in range(1, n + 1))
    report(users, measure(users))


if __name__ == "__main__":
    main()
