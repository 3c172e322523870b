"""The user's Dask Gateway clusters, for the Jupyter server's Clusters list
(`GatewaySource`): every pending or running cluster of the gateway that dask-gateway's own
configuration names (`gateway.address`, `gateway.auth.*`: what daskhub presets for the
single-user server as for its kernels), whoever started it (a kernel of this server, another
kernel, a script); created, scaled, adapted and stopped through the gateway's API.

- Never on the server's event loop for long: dask-gateway's client runs in its
  asynchronous mode on that loop (aiohttp), every call is bounded (`TIMEOUT`), reading the
  configuration and importing dask-gateway happen in a thread, a listing is reused for
  `TTL` seconds and concurrent listings share one refresh.
- Workers, cores and memory come from each running cluster's scheduler, through the
  gateway's dashboard route (`/clusters/<name>/json/identity.json`, which the gateway
  serves without authentication), bounded too; unknown (None) when it does not answer.
- The credentials stay in dask-gateway's client: replies name the gateway by its address
  without `user:password@` (`public_address`), errors are `_gateway.answers`' sentences,
  and nothing of a request to the gateway is logged. Dashboards are reached only below
  `<gateway>/clusters/<name>/` (`dashboard_root`), which needs no credentials: the
  server's proxy never sends any upstream.
- Lifecycle: a kernel's announcement tells who started a cluster and whether it is kept.
  When a kernel that started a cluster it did not keep is gone (killed: SIGKILL runs no
  exit handler), `reap` stops that cluster; kept ones stay, with their kernel's id.
  Clusters this server started stop with it unless created with `"keep": true`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from lazyscope._clusters import ClusterSource, SourceError, checked_dashboard
from lazyscope._errors import LazyscopeError, short_engine_message

from ._gateway import answers, configured_address, public_address
from ._gateway_options import allowed, fields, set_options
from ._gateway_requests import checked_create, checked_scaling

__all__ = ["PREFIX", "TIMEOUT", "TTL", "GatewaySource", "cluster_id"]

PREFIX = "gateway-"  # the ids of this source's entries
TTL = 2.0  # seconds a listing of the gateway is reused
TIMEOUT = 10.0  # seconds any one call to the gateway may take
MEASURE_TIMEOUT = 3.0  # seconds a scheduler has to say its workers
START_TIMEOUT = 600.0  # seconds a cluster made here may take to start before it is scaled
_MAX_IDENTITY = 16 << 20  # bytes of a scheduler's identity (about 500 bytes per worker)
_WHO = "this Jupyter server's"
_STATUS = {"PENDING": "starting", "RUNNING": "running", "STOPPING": "stopping",
           "STOPPED": "stopped", "FAILED": "failed"}  # fmt: skip
_SAFE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_T = TypeVar("_T")


def cluster_id(name: str) -> str:
    """The listing's id of Gateway cluster `name` (route-safe; stable while it runs)."""
    if _SAFE.fullmatch(name):
        return PREFIX + name
    return PREFIX + hashlib.sha256(name.encode()).hexdigest()[:24]


@dataclass
class _Owner:
    """The kernel session that announced it started a cluster."""

    session: dict[str, Any]  # as announced (id, kernel_id, pid, gateway)
    keep: bool
    failed: bool = False  # stopping it failed once (said in the log)


@dataclass
class _Made:
    """A cluster this server started."""

    keep: bool
    scaling: dict[str, Any]
    options: dict[str, Any]
    error: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class GatewaySource(ClusterSource):
    name = "gateway"

    def __init__(self, log: Any) -> None:
        self.log = log
        self._address: str | None = None  # as configured (may hold credentials): never shown
        self._gateway: Any = None  # dask_gateway.Gateway, asynchronous, on the server's loop
        self._http: Any = None  # aiohttp session without cookies, for the schedulers' counts
        self._error: str | None = None  # why the last listing failed
        self._listed: list[tuple[Any, tuple[int, int, int] | None]] = []  # (report, measured)
        self._fresh_until = 0.0
        self._config_until = 0.0
        self._refreshing: asyncio.Task[None] | None = None
        self.owners: dict[str, _Owner] = {}  # cluster name -> the kernel session that started it
        self.made: dict[str, _Made] = {}  # cluster name -> started by this server
        self.scaling: dict[str, dict[str, Any]] = {}  # cluster name -> the last size asked here
        self._gone: set[str] = set()  # announced sessions on clusters that are gone

    # ------------------------------------------------------------------ the gateway
    @property
    def _shown(self) -> str:
        return public_address(self._address or "")

    async def _client(self) -> Any:
        """dask-gateway's client for the configured gateway, or None (not configured).
        The configuration is read again every `TTL` seconds (the proxy asks per request)."""
        if time.monotonic() < self._config_until:
            return self._gateway
        try:
            # dask.config, and dask-gateway when a gateway is configured, load in a thread.
            address = await asyncio.to_thread(configured_address)
        except Exception as exc:  # a template that does not fill in, a broken config file
            raise SourceError(
                f"dask-gateway's configuration could not be read: {short_engine_message(exc, 1)}",
                502,
            ) from None
        if address != self._address:
            await self._let_go()
            self._address, self._fresh_until, self._listed = address, 0.0, []
            if address is not None:
                from dask_gateway import Gateway  # type: ignore[import-untyped]  # untyped

                try:  # reads gateway.auth.* (a wrong type fails here, not at each request)
                    self._gateway = Gateway(address, asynchronous=True)
                except Exception as exc:
                    self._address = None
                    raise SourceError(
                        f"dask-gateway's client for {public_address(address)} could not be "
                        f"made: {short_engine_message(exc, 1)}",
                        502,
                    ) from None
        self._config_until = time.monotonic() + TTL
        return self._gateway

    async def _configured(self) -> Any:
        gateway = await self._client()
        if gateway is None:
            raise SourceError(
                "No Dask Gateway is configured for this Jupyter server: set dask-gateway's "
                "configuration (gateway.address and gateway.auth, e.g. DASK_GATEWAY__ADDRESS) "
                "in the server's environment, as for its kernels.",
                404,
            )
        return gateway

    async def _call(self, call: Callable[[Any], Awaitable[_T]], name: str | None = None) -> _T:
        """One request to the gateway, bounded; its failures as one paragraph."""
        gateway = await self._configured()

        async def answered() -> _T:
            try:
                with answers(self._address or "", name, who=_WHO):
                    return await call(gateway)
            except LazyscopeError as exc:
                raise SourceError(str(exc), 502) from None

        try:
            return await asyncio.wait_for(answered(), TIMEOUT)
        except asyncio.TimeoutError:  # not TimeoutError before Python 3.11
            raise SourceError(
                f"The Dask Gateway at {self._shown} did not answer within {TIMEOUT:g} s.", 504
            ) from None

    async def _let_go(self) -> None:
        gateway, self._gateway = self._gateway, None
        if gateway is not None:
            with contextlib.suppress(Exception):  # its HTTP session only; nothing runs there
                await gateway.close()

    # ------------------------------------------------------------------ listing
    async def status(self) -> dict[str, Any] | None:
        try:
            if await self._client() is None:
                return None
        except SourceError as exc:
            return {"address": None, "error": str(exc)}
        return {"address": self._shown, "error": self._error}

    async def _reports(self) -> list[tuple[Any, tuple[int, int, int] | None]]:
        if time.monotonic() >= self._fresh_until:
            if self._refreshing is None or self._refreshing.done():
                self._refreshing = asyncio.ensure_future(self._refresh())
            await asyncio.shield(self._refreshing)
        return self._listed

    async def _refresh(self) -> None:
        try:
            reports = await self._call(lambda g: g.list_clusters())  # pending and running
            measured = await asyncio.gather(*(self._measure(r) for r in reports))
            self._listed, self._error = list(zip(reports, measured, strict=True)), None
        except SourceError as exc:
            self._listed, self._error = [], str(exc)
        except Exception as exc:  # never a listing's failure: said in its place
            # By its type only: its text may hold a request's URL.
            self._listed = []
            self._error = f"Listing the Dask Gateway's clusters failed ({type(exc).__name__})."
            self.log.warning("lazyscope: %s", self._error)
        self._fresh_until = time.monotonic() + TTL
        if self._error is None:  # sizes asked for clusters that are gone are forgotten
            names = {report.name for report, _ in self._listed}
            for name in [n for n in self.scaling if n not in names]:
                del self.scaling[name]
        # Owners are not: a listing begun before a kernel's cluster existed would drop its
        # owner, and the cluster would outlive a kernel killed right then. `reap` forgets
        # them (a few bytes each for kept clusters, for the server's life).

    def _dashboard(self, name: str) -> str:
        return f"{self._shown}/clusters/{quote(name, safe='')}/status"

    async def _measure(self, report: Any) -> tuple[int, int, int] | None:
        """(workers, cores, memory) from the scheduler, through the gateway's dashboard
        route (no credentials: it needs none); None if it does not say in time."""
        if report.status.name != "RUNNING" or report.dashboard_link is None:
            return None
        import aiohttp

        if self._http is None:
            self._http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        url = self._dashboard(report.name).removesuffix("status") + "json/identity.json"
        try:
            found = json.loads(await asyncio.wait_for(self._read(url), MEASURE_TIMEOUT))
            return int(found["n_workers"]), int(found["total_threads"]), int(found["total_memory"])
        except (
            aiohttp.ClientError,
            OSError,
            asyncio.TimeoutError,
            ValueError,
            KeyError,
            TypeError,
        ):
            return None

    async def _read(self, url: str) -> bytes:
        """The body of a 200 answer, at most `_MAX_IDENTITY` bytes (ValueError otherwise)."""
        async with self._http.get(url, allow_redirects=False) as reply:
            if reply.status != 200:
                raise ValueError(f"HTTP {reply.status}")
            body = b""
            async for chunk in reply.content.iter_chunked(1 << 16):
                body += chunk
                if len(body) > _MAX_IDENTITY:
                    raise ValueError("too large")
            return body

    def _track(self, sessions: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """The announced sessions on clusters of this gateway, by cluster name; the ones
        that started a cluster are remembered as its owner (after their kernel is gone)."""
        found: dict[str, list[dict[str, Any]]] = {}
        if self._address is None:
            return found
        for session in sessions:
            facts = session.get("gateway")
            if not isinstance(facts, dict) or not isinstance(facts.get("cluster"), str):
                continue
            address = facts.get("address")
            if not isinstance(address, str) or address.rstrip("/") != self._shown:
                continue  # another gateway: not one this server can reach as the user
            found.setdefault(facts["cluster"], []).append(session)
            if session.get("owned") is True:
                before = self.owners.get(facts["cluster"])
                if before is not None and before.session["id"] == session["id"]:
                    session = {**before.session, **session}  # kernel_name, when said once
                self.owners[facts["cluster"]] = _Owner(session, keep=facts.get("keep") is True)
        return found

    def _entry(
        self,
        report: Any,
        measured: tuple[int, int, int] | None,
        sessions: list[dict[str, Any]],
        running: set[str],
    ) -> dict[str, Any]:
        name = report.name
        made, owner = self.made.get(name), self.owners.get(name)
        keep = made.keep if made else owner.keep if owner else None
        scaling = self.scaling.get(name) or (made.scaling if made else None)
        if scaling is None and owner is not None:
            facts = owner.session["gateway"]
            scaling = {k: facts[k] for k in ("workers", "adapt") if k in facts}
        options = dict(report.options)
        workers, cores, memory = measured if measured is not None else (None, None, None)
        dashboard = None
        if report.dashboard_link is not None:  # the gateway serves one now
            dashboard = checked_dashboard("dask", self._shown, self._dashboard(name))
        kernel = owner.session.get("kernel_id") if owner else None
        return {
            "id": cluster_id(name),
            "engine": "dask",
            "name": name,
            "address": report.scheduler_address,
            "dashboard": dashboard,
            "workers": workers,
            "cores": cores,
            "memory": memory,
            "status": _STATUS.get(report.status.name, report.status.name.lower()),
            "error": made.error if made else None,
            "started": report.start_time.timestamp(),
            "options": options,
            "owned": made is not None or owner is not None,
            "started_by": "server" if made else "kernel" if owner else None,
            "source": self.name,
            "kernel_id": kernel,
            "kernel_name": owner.session.get("kernel_name") if owner else None,
            "kernel_running": None if owner is None else owner.session["id"] in running,
            "sessions": [s["id"] for s in sessions],
            "gateway": {
                "address": self._shown,
                "cluster": name,
                "options": options,
                "keep": keep,
                **(scaling or {}),
            },
        }

    def _failed(self, name: str, made: _Made) -> dict[str, Any]:
        """A cluster this server asked for that never ran (the gateway lists it no more)."""
        return {
            "id": cluster_id(name), "engine": "dask", "name": name, "address": None,
            "dashboard": None, "workers": None, "cores": None, "memory": None,
            "status": "failed", "error": made.error, "started": None, "options": made.options,
            "owned": True, "started_by": "server", "source": self.name, "kernel_id": None,
            "kernel_name": None, "kernel_running": None, "sessions": [],
            "gateway": {"address": self._shown, "cluster": name, "options": made.options,
                        "keep": made.keep, **made.scaling},
        }  # fmt: skip

    async def clusters(self, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        try:
            if await self._client() is None:
                return []
        except SourceError as exc:
            self._error = str(exc)
            return []
        listed = await self._reports()
        on = self._track(sessions)
        running = {s["id"] for s in sessions}
        entries = [self._entry(r, m, on.get(r.name, []), running) for r, m in listed]
        names = {r.name for r, _ in listed}
        # Sessions on clusters the gateway no longer has (only when it answered: an
        # unreachable gateway's sessions stay listed as their kernels announced them).
        self._gone = set() if self._error else {
            s["id"] for name, on_it in on.items() if name not in names for s in on_it}  # fmt: skip
        failed = [self._failed(n, m) for n, m in self.made.items()
                  if m.error is not None and n not in names]  # fmt: skip
        return entries + failed

    def owns(self, cid: str) -> bool:
        return cid.startswith(PREFIX)

    def gone(self) -> set[str]:
        return self._gone

    async def get(self, cid: str, sessions: list[dict[str, Any]]) -> dict[str, Any] | None:
        return next((e for e in await self.clusters(sessions) if e["id"] == cid), None)

    async def _name(self, cid: str) -> str:
        """The cluster name of an id of this source (SourceError 404 for an unknown one)."""
        for _ in range(2):  # the cached listing first, then a fresh one
            for name in [r.name for r, _ in self._listed] + list(self.made):
                if cluster_id(name) == cid:
                    return str(name)
            await self._configured()
            self._fresh_until = 0.0
            await self._reports()
        raise SourceError(f"The Dask Gateway at {self._shown} has no cluster {cid!r}.", 404)

    # ------------------------------------------------------------------ changes
    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        wanted = checked_create(body)
        options = await self._call(lambda g: g.cluster_options())
        try:
            set_options(options, wanted.options, self._shown, flag="")
        except LazyscopeError as exc:
            raise SourceError(str(exc)) from None
        try:
            name = await self._call(lambda g: g.submit(cluster_options=options))
        except ValueError as exc:  # HTTP 422: the gateway's own check of the options
            raise SourceError(
                f"The Dask Gateway at {self._shown} refused the cluster options: "
                f"{short_engine_message(exc, 2)}. It allows: {allowed(options)}."
            ) from None
        made = _Made(wanted.keep, wanted.scaling, dict(options))
        self.made[name] = made
        made.task = asyncio.ensure_future(self._started(name, made))
        self._fresh_until = 0.0
        report = await self._call(lambda g: g.get_cluster(name), name)
        self.log.info("lazyscope: started Dask Gateway cluster %s (%s)", name, self._shown)
        return self._entry(report, None, [], set())

    async def _started(self, name: str, made: _Made) -> None:
        """Wait for a cluster made here to run, then size it as asked."""
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                report = await self._call(lambda g: g.get_cluster(name), name)
                state = report.status.name
                if state == "RUNNING":
                    await self._resize(name, made.scaling)
                    return
                if state in ("FAILED", "STOPPED"):
                    made.error = (
                        f"The Dask Gateway at {self._shown} could not start cluster {name} "
                        f"({state.lower()}); its logs are the gateway's."
                    )
                    return
                await asyncio.sleep(0.5)
            made.error = f"Cluster {name} did not start within {START_TIMEOUT:g} s."
        except SourceError as exc:
            made.error = str(exc)
        finally:
            self._fresh_until = 0.0
            if made.error:
                self.log.warning("lazyscope: %s", made.error)

    async def _resize(self, name: str, scaling: dict[str, Any]) -> None:
        if "adapt" in scaling:
            low, high = scaling["adapt"]
            await self._call(lambda g: g.adapt_cluster(name, minimum=low, maximum=high), name)
        elif "workers" in scaling:
            await self._call(lambda g: g.scale_cluster(name, scaling["workers"]), name)

    async def change(self, cid: str, body: dict[str, Any]) -> None:
        scaling = checked_scaling(body)
        if not scaling or set(body) - {"workers", "adapt"}:
            raise SourceError('Scale a Gateway cluster with {"workers": N} or adapt it with '
                              '{"adapt": [MIN, MAX]}.')  # fmt: skip
        name = await self._name(cid)
        report = await self._call(lambda g: g.get_cluster(name), name)
        if report.status.name != "RUNNING":
            raise SourceError(
                f"Cluster {name} is {_STATUS.get(report.status.name, 'not running')}; it can be "
                "scaled once it runs.",
                409,
            )
        await self._resize(name, scaling)
        self.scaling[name] = scaling
        self._fresh_until = 0.0

    async def stop(self, cid: str) -> None:
        name = await self._name(cid)
        made = self.made.pop(name, None)
        if made is not None and made.task is not None:
            made.task.cancel()
        if made is None or made.error is None:  # a cluster that failed to start has stopped
            await self._stop(name)
        self.owners.pop(name, None)
        self.scaling.pop(name, None)
        self._fresh_until = 0.0
        self.log.info("lazyscope: stopped Dask Gateway cluster %s (%s)", name, self._shown)

    async def _stop(self, name: str) -> None:
        await self._call(lambda g: g.stop_cluster(name), name)

    async def options(self) -> dict[str, Any]:
        options = await self._call(lambda g: g.cluster_options())
        return {"address": self._shown, "fields": fields(options),
                "scaling": {"workers": True, "adapt": True}}  # fmt: skip

    def dashboard_root(self, entry: dict[str, Any]) -> str | None:
        facts = entry.get("gateway")
        if not isinstance(facts, dict):
            return None
        name, address = facts.get("cluster"), facts.get("address")
        if not isinstance(name, str) or not isinstance(address, str):
            return "/clusters/-/"  # a Gateway session that says too little: no page passes
        return urlsplit(address).path.rstrip("/") + f"/clusters/{quote(name, safe='')}/"

    # ------------------------------------------------------------------ lifecycle
    async def reap(
        self, sessions: list[dict[str, Any]], alive: Callable[[dict[str, Any]], bool]
    ) -> None:
        if not self.owners and not any(isinstance(s.get("gateway"), dict) for s in sessions):
            return  # nothing announced: dask's configuration need not even be read
        try:
            if await self._client() is None:
                return
        except SourceError:
            return
        owned_now = {name for name, on in self._track(sessions).items()
                     if any(s.get("owned") is True for s in on)}  # fmt: skip
        for name, owner in list(self.owners.items()):
            if name in owned_now or owner.keep:
                continue  # its kernel runs, or it outlives its kernel (remembered for the list)
            del self.owners[name]
            if alive(owner.session):
                continue  # its kernel runs and let it go itself (%dask stop)
            kernel = owner.session.get("kernel_id")
            try:
                await self._stop(name)
            except SourceError as exc:  # tried again at the next round, said once
                self.owners.setdefault(name, owner)
                if not owner.failed:
                    what = "lazyscope: Dask Gateway cluster %s of kernel %s, which is gone, "
                    self.log.warning(what + "could not be stopped yet: %s", name, kernel, exc)
                owner.failed = True
                continue
            self._fresh_until = 0.0
            self.log.info("lazyscope: stopped Dask Gateway cluster %s: kernel %s, which started "
                          "it, is gone", name, kernel)  # fmt: skip

    async def close(self) -> None:
        ours = [name for name, made in self.made.items() if not made.keep and made.error is None]
        for made in self.made.values():
            if made.task is not None:
                made.task.cancel()
        if ours and self._gateway is not None:
            stops = (self._stop(name) for name in ours)
            for name, done in zip(ours, await asyncio.gather(*stops, return_exceptions=True),
                                  strict=True):  # fmt: skip
                if isinstance(done, BaseException):
                    self.log.warning("lazyscope: Dask Gateway cluster %s did not stop: %s",
                                     name, done)  # fmt: skip
        self.made.clear()
        await self._let_go()
        if self._http is not None:
            await self._http.close()
            self._http = None
