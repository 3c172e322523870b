"""`%dask` and `%%dask`: parse the line, then start, connect to, inspect or stop the
cluster through the magics' host (`lazyscope._sessions.MagicHost`), or run the cell on it.

`%dask?` prints every option: the help below is the documentation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments

from lazyscope._config import settings
from lazyscope._errors import LazyscopeError
from lazyscope._magic_args import (
    DAG_OPTION_HELP,
    dispatch,
    pairs,
    parse_intermixed,
    refuse_cell_options,
)

if TYPE_CHECKING:
    from lazyscope._sessions import Engine, MagicHost

__all__ = ["dask", "parse_adapt", "parse_options", "start_session"]


def parse_options(items: list[str]) -> dict[str, str]:
    """`--option KEY=VALUE`... of %dask --gateway: the gateway's cluster options."""
    return pairs(items, "--option", "worker_cores=2")


def parse_adapt(text: str | None) -> tuple[int, int] | None:
    """`--adapt MIN:MAX` worker counts."""
    if text is None:
        return None
    low, sep, high = text.partition(":")
    try:
        bounds = (int(low), int(high))
    except ValueError:
        bounds = (-1, -1)
    if not sep or bounds[0] < 0 or bounds[1] < max(bounds[0], 1):
        raise LazyscopeError(
            f"Bad --adapt {text!r}: expected MIN:MAX worker counts (0 <= MIN <= MAX, MAX >= 1), "
            "e.g. --adapt 1:4."
        )
    return bounds


def start_session(*, workers: int | None, threads: int, memory: str, port: int = 0) -> Engine:
    """A new local cluster and its client (not yet the kernel's session:
    `lazyscope.engines.register` makes it so)."""
    from ._session import DaskEngine

    return DaskEngine.start(workers, threads, memory, port)


def _options(args: Any) -> dict[str, Any]:
    options = {
        "address": args.address,
        "workers": args.workers,
        "threads": args.threads,
        "memory": args.memory,
        "port": args.port,
        "restart": args.restart,
    }
    if args.gateway is not None or args.option or args.adapt or args.keep:
        options.update(
            gateway=args.gateway,
            options=parse_options(args.option),
            adapt=parse_adapt(args.adapt),
            keep=args.keep,
        )
    return options


def _ensure(
    host: MagicHost,
    *,
    address: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
    memory: str | None = None,
    port: int = 0,
    restart: bool = False,
    gateway: str | None = None,
    cluster: str | None = None,
    options: dict[str, str] | None = None,
    adapt: tuple[int, int] | None = None,
    keep: bool = False,
) -> Engine:
    """The running Dask client, started (or connected) with these options if there is none.

    `gateway` (an address, or "" for dask-gateway's configuration) asks for a Dask Gateway
    cluster: a new one with the gateway's cluster `options`, or the running `cluster`."""
    if gateway is not None:
        return _ensure_gateway(host, gateway, cluster, options or {}, workers, adapt, keep,
                               restart, local=(threads, memory, port, address))  # fmt: skip
    if options or adapt or keep or cluster:
        raise LazyscopeError(
            "--option, --adapt and --keep apply to a Dask Gateway cluster: add --gateway "
            "[ADDRESS] (see %dask?)."
        )
    cfg = settings()
    wanted = {"address": address, "workers": workers, "threads": threads, "memory": memory}
    if address:
        from ._session import parse_address

        parse_address(address)
    if address and (workers or threads or memory):
        raise LazyscopeError(
            "--workers/--threads/--memory describe a local cluster; they cannot apply to a "
            "scheduler you connect to."
        )

    def start() -> Engine:
        if address:
            from ._session import DaskEngine

            return DaskEngine.connect(address, cfg.connect_timeout)
        return start_session(
            workers=workers or None,  # none asked: sized to the user's limits (_limits)
            threads=threads or cfg.dask_threads,
            memory=memory or cfg.dask_memory,
            port=port,
        )

    return host.ensure("dask", wanted, restart, start)


def _ensure_gateway(
    host: MagicHost,
    gateway: str,
    cluster: str | None,
    options: dict[str, str],
    workers: int | None,
    adapt: tuple[int, int] | None,
    keep: bool,
    restart: bool,
    local: tuple[int | None, str | None, int, str | None],
) -> Engine:
    threads, memory, port, address = local
    if threads or memory or port or address:
        raise LazyscopeError(
            "--threads, --memory, --port and a tcp:// address describe a local cluster or a "
            "scheduler; a Dask Gateway cluster takes --option KEY=VALUE (its cluster options), "
            "--workers N or --adapt MIN:MAX."
        )
    if workers is not None and adapt is not None:
        raise LazyscopeError("Use either --workers N or --adapt MIN:MAX, not both.")
    if workers is not None and workers < 0:
        raise LazyscopeError("--workers must be 0 or more.")
    if cluster is not None and (options or keep):
        raise LazyscopeError(
            "--option and --keep apply to a cluster this kernel starts (%dask start --gateway);"
            " a cluster you connect to keeps its options and outlives the kernel."
        )
    cfg = settings()
    wanted = {"gateway": gateway, "cluster": cluster, "options": options,
              "workers": workers, "adapt": adapt}  # fmt: skip

    def start() -> Engine:
        from ._gateway import GatewayEngine

        if cluster is not None:  # the running Gateway cluster, attached (it outlives us)
            return GatewayEngine.connect_cluster(
                gateway or None, cluster, workers=workers, adapt=adapt,
                timeout=cfg.connect_timeout,
            )  # fmt: skip
        return GatewayEngine.start_cluster(  # dask-gateway's configuration without address
            gateway or None,
            options,
            workers=cfg.dask_workers if workers is None and adapt is None else workers,
            adapt=adapt,
            keep=keep,
            timeout=cfg.connect_timeout,
        )

    return host.ensure("dask", wanted, restart, start)


def _start(host: MagicHost, args: Any) -> Any:
    if args.gateway == "" and args.address and "://" in args.address:
        args.gateway, args.address = args.address, None  # %dask start ADDRESS --gateway
    if args.address:
        raise LazyscopeError("Use %dask connect ADDRESS to attach to a running scheduler.")
    _ensure(host, **_options(args))
    return host.status("dask")


def _connect(host: MagicHost, args: Any) -> Any:
    if args.gateway is not None:
        # `--gateway NAME`: argparse gave the name to --gateway (its ADDRESS is optional).
        if args.address is None and "://" not in args.gateway:
            args.gateway, args.address = "", args.gateway or None
        if not args.address:
            raise LazyscopeError(
                "Which cluster? Use %dask connect --gateway [ADDRESS] NAME (the name is "
                "cluster.name in the kernel that started it)."
            )
        options = _options(args)
        options["cluster"] = options.pop("address")
        _ensure(host, **options)
        return host.status("dask")
    if not args.address:
        raise LazyscopeError("Which scheduler? Use %dask connect tcp://HOST:PORT.")
    _ensure(host, **_options(args))
    return host.status("dask")


def _log(args: Any) -> None:
    from ._session import dask_log

    print(dask_log())


def _line(host: MagicHost, args: Any) -> Any:
    if args.action not in (None, "connect", "start") and args.address:
        raise LazyscopeError(f"%dask {args.action} takes no address.")
    refuse_cell_options("dask", args, ("dag",))
    table = {
        "start": lambda args: _start(host, args),
        "connect": lambda args: _connect(host, args),
        "stop": lambda args: host.stop("dask"),
        "status": lambda args: host.status("dask"),
        "log": _log,
    }
    return dispatch("dask", table, args)


def _cell(host: MagicHost, args: Any, cell: str) -> Any:
    if args.action and "://" in args.action:  # %%dask tcp://HOST:PORT
        args.address, args.action = args.action, None
    if args.action:
        raise LazyscopeError(f"%%dask takes options only, not {args.action!r}; see %dask?")
    _ensure(host, **_options(args))
    try:
        return host.run_cell("dask", cell, dag=args.dag)
    except Exception as exc:  # a failed task: its key and the user's frames, one paragraph
        from ._session import task_error

        brief = task_error(exc)
        if brief is None:
            raise
        raise brief from None


@magic_arguments()
@argument(
    "action",
    nargs="?",
    help="start | connect | stop | status | log (line magic; default: status)",
)
@argument(
    "address",
    nargs="?",
    help="with connect: the scheduler, tcp://HOST:PORT; with connect --gateway: the cluster's name",
)
@argument(
    "--workers",
    type=int,
    metavar="N",
    help="worker processes of a local cluster; with --gateway: the workers to scale to "
    "(default: Lazyscope.dask_workers)",
)
@argument("--threads", type=int, metavar="N", help="threads per worker of a local cluster")
@argument("--memory", metavar="LIMIT", help="memory limit per worker, e.g. 2GiB (default auto)")
@argument(
    "--port",
    type=int,
    default=0,
    metavar="P",
    help="scheduler port of a local cluster (default: a free one)",
)
@argument(
    "--gateway",
    nargs="?",
    const="",
    metavar="ADDRESS",
    help="a Dask Gateway cluster, at http(s)://HOST[:PORT] or, without ADDRESS, where "
    "dask-gateway's configuration says (gateway.address, gateway.auth.type and "
    "gateway.auth.kwargs, e.g. DASK_GATEWAY__ADDRESS, as daskhub sets them)",
)
@argument(
    "--option",
    action="append",
    default=[],
    metavar="KEY=VALUE",
    help="with start --gateway: one of the gateway's cluster options (cluster_options()); "
    "repeatable",
)
@argument(
    "--adapt",
    metavar="MIN:MAX",
    help="with --gateway: adaptive scaling between MIN and MAX workers (instead of --workers)",
)
@argument(
    "--keep",
    action="store_true",
    help="with start --gateway: the cluster outlives the kernel (by default it stops when "
    "the kernel stops or restarts); %%dask stop still stops it",
)
@argument("--restart", action="store_true", help="close the running client/cluster and start anew")
@argument("--dag", nargs="?", const="auto", metavar="LEVEL", help=DAG_OPTION_HELP)
def dask(self: MagicHost, line: str, cell: str | None = None) -> Any:
    """Start, connect to, inspect or stop a Dask cluster; as a cell magic, run the cell on it.

    Line:  %dask start [--workers N] [--threads N] [--memory LIMIT]
           %dask connect tcp://HOST:PORT
           %dask start --gateway [ADDRESS] [--option KEY=VALUE]... [--workers N |
               --adapt MIN:MAX] [--keep]   a new Dask Gateway cluster (`client` and
               `cluster` in the namespace); it stops with the kernel unless --keep
           %dask connect --gateway [ADDRESS] NAME   attach to a running Gateway cluster
               (it keeps running after %dask stop and after the kernel)
           %dask stop | %dask status
           %dask log    the end of the kernel's Dask log (its cluster's and client's)
    Cell:  %%dask [options | tcp://HOST:PORT]   run the cell with `client` ready
           %%dask --dag [LEVEL]   ... and show the DAG of its last value
           %%dask --dag live   the task groups the cell runs, filling in as they run

    Without ADDRESS, --gateway uses dask-gateway's own configuration, e.g. (as daskhub
    presets it) DASK_GATEWAY__ADDRESS, DASK_GATEWAY__AUTH__TYPE=basic or jupyterhub,
    DASK_GATEWAY__AUTH__KWARGS__USERNAME/PASSWORD. The gateway's credentials never
    appear in status, links or logs. The cluster's scheduler and workers need dask,
    distributed and (for plots) datashader, not lazyscope.
    """
    args = parse_intermixed(dask, line)
    if cell is None:
        return _line(self, args)
    return _cell(self, args, cell)
