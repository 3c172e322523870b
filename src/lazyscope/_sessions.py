"""The kernel's sessions: what one reports (`SessionInfo`), what an engine's session does
(`Engine`), what an engine package answers (`EnginePackage`), and the running ones
(`current`). Below the engine packages and their registry (`lazyscope.engines`), so each
package reaches these without importing the registry, which imports them all."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

    from lazyscope._clusters import ClusterSource, ManagedCluster
    from lazyscope.grids._backend import Backend
    from lazyscope.grids._spec import Range, Spec
    from lazyscope.grids._work import Work
    from lazyscope.model import Dag, Meta

__all__ = ["Engine", "EnginePackage", "SessionInfo", "current"]


@dataclass
class SessionInfo:
    """Engine-neutral status of one session: what `status`, announcements and the panel show."""

    engine: str  # "spark" | "spark-connect" | "dask"
    address: str  # master URL, sc:// URL or scheduler address
    dashboard: str | None = None
    app_id: str | None = None
    workers: int | None = None
    cores: int | None = None
    memory: int | None = None  # bytes, over all workers/executors, when known
    version: str | None = None
    owned: bool = True  # False when we attached to something already running
    log: str | None = None  # the local JVM's log file, when this kernel started it
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    # What `status` shows beyond the common rows; an engine's own session kinds (a Dask
    # Gateway cluster...) override these, so the status view names no engine's kinds.
    def title(self) -> str | None:
        """The status table's title, when not the engine's."""
        return None

    def source_rows(self) -> list[tuple[str, str]]:
        """Rows after the address: where the cluster comes from."""
        return []

    def scaling_rows(self) -> list[tuple[str, str]]:
        """Rows after the workers: how the cluster is sized."""
        return []

    def started_here(self) -> str:
        return "yes" if self.owned else "no (attached)"


class Engine(Protocol):
    """One running session. `kind` is the namespace slot: "spark" or "dask"."""

    kind: str
    info: SessionInfo

    def status(self) -> SessionInfo:
        """Fresh status (workers and cores may have changed since start)."""
        ...

    def stop(self) -> None:
        """Stop what we started; detach from what we only attached to."""
        ...

    def namespace(self) -> dict[str, Any]:
        """Names to put in the user namespace (`spark`, `sc`, `client`)."""
        ...

    def conflicts(self, wanted: dict[str, Any]) -> list[str]:
        """Which explicitly requested options differ from this running session."""
        ...


# The kernel's running sessions, one per kind. Here, beside the interface, so an engine
# package can ask for its session without importing the registry (which knows them all).
_sessions: dict[str, Engine] = {}


def current(kind: str) -> Engine | None:
    return _sessions.get(kind)


class EnginePackage(Protocol):
    """What an engine package (`lazyscope.spark`, `lazyscope.dask`) answers for the views:
    which objects are its own (by class names, importing nothing), their metadata, their DAG;
    for the plots, its back-end and histogram; for the magics, its log; for the server, the
    cluster it can start; and for `%load_ext`, its IPython hooks."""

    NAME: str  # "spark", "dask": how views name the engine
    LAZY_TYPES: tuple[tuple[str, str], ...]

    def describes(self, obj: Any) -> bool: ...

    def meta(self, obj: Any) -> Meta: ...

    def draws(self, obj: Any) -> bool: ...

    def dag(
        self, obj: Any, level: str, *, max_nodes: int, expand_limit: int, ui_url: str | None
    ) -> Dag: ...

    def plots(self, obj: Any) -> bool:
        """A DataFrame of this engine, which `plot_backend` and `histogram` take?"""

    def plot_backend(self, df: Any, spec: Spec, work: Work) -> Backend: ...

    def histogram(
        self, df: Any, column: str, bins: int, value_range: Range | None, work: Work
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def log(self) -> str:
        """Where this kernel's engine processes write their log (for `%spark log`)."""

    def server_cluster(
        self, cid: str, name: str, options: dict[str, Any], *, log: Any, ui_path: str | None,
        dask_factory: str, dask_kwargs: dict[str, Any],
    ) -> ManagedCluster:  # fmt: skip
        """A cluster the Jupyter server starts (each engine takes the options it knows)."""

    def sweep_leftovers(self, log: Any) -> None:
        """What clusters of a server that died left behind (its folders) goes."""

    def cluster_sources(self, log: Any) -> tuple[ClusterSource, ...]:
        """The services the server lists this engine's clusters from (a Dask Gateway);
        made without importing the engine's library."""

    def register(self, shell: Any) -> None:
        """`%load_ext lazyscope`: the engine's IPython hooks, if it has any."""

    def unregister(self, shell: Any) -> None: ...
