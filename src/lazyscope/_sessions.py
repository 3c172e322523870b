"""The kernel's sessions: what one reports (`SessionInfo`), what an engine's session does
(`Engine`), what an engine package answers (`EnginePackage`), what its magic may ask of
the magics (`MagicHost`), and the running ones (`current`). Below the engine packages and
their registry (`lazyscope.engines`), so each package reaches these without importing the
registry, which finds them all."""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import numpy as np

    from lazyscope._clusters import ClusterSource, ManagedCluster
    from lazyscope.grids._backend import Backend
    from lazyscope.grids._spec import Range, Spec
    from lazyscope.grids._work import Work
    from lazyscope.model import Dag, Meta, ProgressSource

__all__ = ["Engine", "EnginePackage", "MagicHost", "SessionInfo", "StatusWords", "current"]


@dataclass
class SessionInfo:
    """Engine-neutral status of one session: what `status`, announcements and the panel show."""

    engine: str  # one of its package's TITLES: which engine, and which flavour of it
    address: str  # the cluster's address, as its engine writes it
    dashboard: str | None = None
    app_id: str | None = None
    workers: int | None = None
    cores: int | None = None
    memory: int | None = None  # bytes, over all workers/executors, when known
    version: str | None = None
    owned: bool = True  # False when we attached to something already running
    log: str | None = None  # the log file of what this kernel started, when it has one
    # The application stays inspectable after it ends (its event log is where the server's
    # History Server reads): links name the application (app_id), not the session.
    history: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    # What `status` shows beyond the common rows; an engine's own sessions (a cluster of a
    # gateway service...) override these, so the status view names no engine's own words.
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

    def stopped(self) -> str:
        """What stopping this session says."""
        return f"Stopped the {self.engine} session at {self.address}."


@dataclass(frozen=True)
class StatusWords:
    """How an engine's status names its parts: the row of its workers ("executors"), the
    row of its application's id, and how to start a session (the hint when none runs)."""

    start: str  # e.g. "%name start"
    workers: str = "workers"
    app_id: str = "application"


class Engine(Protocol):
    """One running session. `name` is the namespace slot: its package's NAME."""

    name: str
    info: SessionInfo

    def status(self) -> SessionInfo:
        """Fresh status (workers and cores may have changed since start)."""
        ...

    def stop(self) -> None:
        """Stop what we started; detach from what we only attached to."""
        ...

    def namespace(self) -> dict[str, Any]:
        """Names to put in the user namespace (the session, its client...)."""
        ...

    def conflicts(self, wanted: dict[str, Any]) -> list[str]:
        """Which explicitly requested options differ from this running session."""
        ...


# The kernel's running sessions, one per engine. Here, beside the interface, so an engine
# package can ask for its session without importing the registry (which knows them all).
_sessions: dict[str, Engine] = {}


def current(name: str) -> Engine | None:
    return _sessions.get(name)


class MagicHost(Protocol):
    """What an engine's magic (`EnginePackage.magic`) may ask of the magics: everything
    that reaches the views or the session registry, which the engine packages sit below."""

    shell: Any

    def ensure(
        self, name: str, wanted: dict[str, Any], restart: bool, start: Callable[[], Engine]
    ) -> Engine:
        """The running session of `name` (refused if it differs from `wanted`), else
        `start()`'s, registered; its names are pushed to the user namespace."""

    def status(self, name: str) -> Any:
        """The status view of the running session of `name`."""

    def stop(self, name: str) -> None:
        """Stop the session of `name` and print what happened."""

    def run_cell(
        self,
        name: str,
        cell: str,
        *,
        dag: str | None,
        errors: tuple[type[BaseException], ...] = (),
        error_title: str = "",
    ) -> Any:
        """Run a cell body watched by `name`'s progress and hand back what it shows: its
        last value, or with `dag` its DAG (`live`: drawn while it runs). An exception of
        `errors` becomes one paragraph, "<error_title> error: ..."."""

    def dag_of(self, value: Any, dag: str | None) -> Any:
        """`value`, or with `dag` (a level) its DAG view."""


class EnginePackage(Protocol):
    """What an engine package answers, and all the rest of lazyscope knows of it: its
    words (titles, status rows, messages), which objects are its own (by class names,
    importing nothing), their metadata, DAG, progress and plots, its magic and settings,
    and for the server, the clusters it starts and lists. Packages are found through the
    `lazyscope.engines` entry points (`lazyscope.engines.packages()`)."""

    NAME: str  # the magic, the session slot, `progress(NAME)`
    ORDER: int  # place among the engines (menus, messages, status): lower first
    TITLES: Mapping[str, str]  # the `engine`s its sessions and Meta report (NAME first) -> titles
    OBJECTS: str  # what `describe` shows of it, for messages ("a Toy frame")
    DAG_OBJECTS: str  # what `dag` shows of it, for messages
    DAG_HELP: Mapping[str, str]  # `lazyscope.dag`'s help: "level" (its levels), its options
    STATUS: StatusWords
    SIZE_IS_ESTIMATE: bool  # its Meta.size_bytes is an optimizer's estimate ("~")
    COLLECT: str  # how a user brings its results into the kernel ("compute()")
    SCALE_OUT: tuple[str, str]  # from pandas: (make one from df, read data with it)
    SERVER_OPTIONS: frozenset[str]  # cluster-create options beyond the common ones
    ADVICE: Mapping[str, str]  # the advisor's words for its own findings ("rdd.fix": ...)
    LAZY_TYPES: tuple[tuple[str, str], ...]

    def config(self) -> dict[str, Any]:
        """Its settings, traitlets named `<NAME>_...`, added to `%config Lazyscope`."""

    def server_config(self) -> dict[str, Any]:
        """Its traitlets of the Jupyter server's `ClusterManager`."""

    def magic(self) -> Callable[[MagicHost, str, str | None], Any]:
        """`%NAME` / `%%NAME`: a function of (host, line, cell), its docstring and
        IPython magic_arguments being `%NAME?`."""

    def brief(self, exc: BaseException) -> str | None:
        """One line for an error its library wraps its own way (None: not one of them)."""

    def check(self, obj: Any) -> None:
        """Refuse an object of a session that stopped, in one paragraph; else nothing."""

    def progress_sources(self) -> list[ProgressSource]:
        """Sources watching a cell: of the running session, or of one the user made
        directly (found without importing the engine's library)."""

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
        """Where this kernel's engine processes write their log (for `%NAME log`)."""

    def server_cluster(
        self, cid: str, name: str, options: dict[str, Any], *, log: Any, ui_path: str | None,
        config: dict[str, Any],
    ) -> ManagedCluster:  # fmt: skip
        """A cluster the Jupyter server starts; `config`: the values of `server_config`."""

    def dashboard_on_server(self, engine: str, address: str) -> bool:
        """May a session of `engine` at cluster `address` have its dashboard on the server's
        machine (a driver inside one of its kernels, an in-process cluster), beside the
        hosts its address names?"""

    def sweep_leftovers(self, log: Any) -> None:
        """What clusters of a server that died left behind (its folders) goes."""

    def cluster_sources(self, log: Any) -> tuple[ClusterSource, ...]:
        """The services the server lists this engine's clusters from; made without
        importing the engine's library."""

    def register(self, shell: Any) -> None:
        """`%load_ext lazyscope`: the engine's IPython hooks, if it has any."""

    def unregister(self, shell: Any) -> None: ...
