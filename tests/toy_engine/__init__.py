"""A toy engine, to show that an engine is one folder: a lazy collection over pandas chunks
(`ToyFrame`) with `%toy` / `%%toy`, `%toy status`, describe, its DAG, per-cell progress
and plots, all through `lazyscope._sessions.EnginePackage` (the names below).

An installed package would name this module in its `lazyscope.engines` entry points; a
test registers it instead: `lazyscope.engines.register_package("tests.toy_engine")`."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from lazyscope._errors import LazyscopeError
from lazyscope._magic_args import DAG_OPTION_HELP, dispatch
from lazyscope._sessions import MagicHost, StatusWords
from lazyscope.model import Column, Dag, Edge, Meta, Node, PlanItem, ProgressSource

from ._frame import ToyError, ToyFrame

__all__ = ["ToyFrame"]

NAME = "toy"
ORDER = 90
TITLES = {"toy": "Toy"}
OBJECTS = "a ToyFrame"
DAG_OBJECTS = "a ToyFrame"
DAG_HELP = {"level": 'Toy "steps" | "auto" (the same).'}
STATUS = StatusWords(start="%toy start", workers="chunks", app_id="run id")
SIZE_IS_ESTIMATE = False
COLLECT = "compute()"
SCALE_OUT = ("ToyFrame.from_pandas(df, chunks=...)", "pandas, then ToyFrame.from_pandas")
SERVER_OPTIONS: frozenset[str] = frozenset()
ADVICE: dict[str, str] = {}
LAZY_TYPES = (("tests.toy_engine._frame", "ToyFrame"),)


def describes(obj: Any) -> bool:
    return isinstance(obj, ToyFrame)


def meta(obj: Any) -> Meta:
    plan = [PlanItem("scan", "chunks", f"{len(obj.chunks)} pandas chunks")]
    plan += [PlanItem("other", step.name, depth=i + 1) for i, step in enumerate(obj.steps)]
    return Meta(
        engine="toy",
        collection="ToyFrame",
        columns=[Column(str(name), str(dtype)) for name, dtype in obj.dtypes.items()],
        partitions=len(obj.chunks),
        plan=plan,
        plan_text=repr(obj),
    )


def draws(obj: Any) -> bool:
    return isinstance(obj, ToyFrame)


def dag(obj: Any, level: str, **_: Any) -> Dag:
    if level not in ("auto", "steps"):
        raise LazyscopeError(f"A ToyFrame's DAG has the level 'steps', not {level!r}.")
    nodes = [Node("scan", "scan", "chunks", counts={"partitions": len(obj.chunks)})]
    nodes += [Node(f"step-{i}", "map", step.name) for i, step in enumerate(obj.steps)]
    edges = [Edge(a.id, b.id) for a, b in pairwise(nodes)]
    return Dag("toy", "steps", title="ToyFrame", nodes=nodes, edges=edges, levels=["steps"])


def plots(obj: Any) -> bool:
    return isinstance(obj, ToyFrame)


def plot_backend(df: Any, spec: Any, work: Any) -> Any:
    """The chunks computed, then aggregated as pandas is (a toy has no workers)."""
    from lazyscope.plotting._pandas import PandasBackend

    backend = PandasBackend(df.compute(), spec)
    backend.engine = NAME
    return backend


def histogram(df: Any, column: str, bins: int, value_range: Any, work: Any) -> Any:
    from lazyscope.plotting._pandas import pandas_histogram

    return pandas_histogram(df.compute(), column, bins, value_range)


def log() -> str:
    return "The toy engine writes no log."


def brief(exc: BaseException) -> str | None:
    return None


def check(obj: Any) -> None:
    """A ToyFrame outlives its session."""


def config() -> dict[str, Any]:
    return {}


def server_config() -> dict[str, Any]:
    return {}


def progress_sources() -> list[ProgressSource]:
    from ._session import ToyProgress

    return [ToyProgress()]


def server_cluster(*_: Any, **__: Any) -> Any:
    raise LazyscopeError("The toy engine starts no clusters in a Jupyter server.")


def dashboard_on_server(engine: str, address: str) -> bool:
    return False


def sweep_leftovers(log: Any) -> None:
    """Nothing is left behind."""


def cluster_sources(log: Any) -> tuple[Any, ...]:
    return ()


def register(shell: Any) -> None:
    """No IPython hooks."""


def unregister(shell: Any) -> None:
    """Nothing registered."""


def magic() -> Callable[[MagicHost, str, str | None], Any]:
    return toy


@magic_arguments()
@argument("action", nargs="?", help="start | stop | status | log (line magic; default: status)")
@argument("--chunks", type=int, metavar="N", help="chunks of the session (default 3)")
@argument("--restart", action="store_true", help="stop the running session and start anew")
@argument("--dag", nargs="?", const="auto", metavar="LEVEL", help=DAG_OPTION_HELP)
def toy(self: MagicHost, line: str, cell: str | None = None) -> Any:
    """Start, inspect or stop the toy session; as a cell magic, run the cell on it."""
    args = parse_argstring(toy, line)

    def ensure(args: Any) -> Any:
        from ._session import ToySession

        wanted = {"chunks": args.chunks}
        return self.ensure("toy", wanted, args.restart, lambda: ToySession(args.chunks or 3))

    if cell is None:
        table = {
            "start": lambda args: (ensure(args), self.status("toy"))[1],
            "stop": lambda args: self.stop("toy"),
            "status": lambda args: self.status("toy"),
            "log": lambda args: print(log()),
        }
        return dispatch("toy", table, args)
    ensure(args)
    return self.run_cell("toy", cell, dag=args.dag, errors=(ToyError,), error_title="Toy")
