"""`%spark`, `%%spark`, `%dask`, `%%dask`: parse the line, then call a plain function.

`%spark?` and `%dask?` print every option: the help below is the documentation.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Mapping
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.utils.process import arg_split

from . import _cells, _commands
from ._errors import LazyscopeError

__all__ = ["LazyscopeMagics"]


def _dispatch(magic: str, table: Mapping[str, Callable[[Any], Any]], args: Any) -> Any:
    action = args.action or "status"
    handler = table.get(action)
    if handler is None:
        raise LazyscopeError(
            f"Unknown subcommand {action!r} for %{magic}. Use one of: {', '.join(table)}."
        )
    return handler(args)


def _parse_intermixed(magic: Any, line: str) -> Any:
    """`parse_argstring`, but a positional may follow options, as in `%dask connect
    --gateway ADDRESS NAME` (argparse's plain parse gives up on NAME there)."""
    return magic.parser.parse_intermixed_args(arg_split(line))


def _refuse_cell_options(magic: str, args: Any, names: tuple[str, ...]) -> None:
    used = [f"--{n}" for n in names if getattr(args, n, None) not in (None, False)]
    if used:
        raise LazyscopeError(f"{', '.join(used)} only applies to the %%{magic} cell magic.")


def _shown(value: Any, dag_level: str | None) -> Any:
    """The cell's last value, or with --dag its DAG (lazyscope.dag at that level)."""
    if dag_level is None or dag_level == LIVE:
        return value
    from .views.dag import dag

    return dag(value, dag_level)


LIVE = "live"  # --dag live: the DAG of what the cell runs, filling in while it runs
_DAG_HELP = (
    "cell: show the DAG of the cell's last value (LEVEL as in lazyscope.dag; default auto), "
    "or with `live` the DAG of what the cell runs, filling in as its tasks finish"
)


@magics_class
class LazyscopeMagics(Magics):  # type: ignore[misc]  # IPython is untyped
    # ------------------------------------------------------------------ spark
    def _spark_options(self, args: Any) -> dict[str, Any]:
        return {
            "master": args.master,
            "remote": args.remote,
            "conf": _commands.parse_conf(args.conf),
            "name": args.name,
            "restart": args.restart,
        }

    def _spark_start(self, args: Any) -> Any:
        engine = _commands.ensure_spark(**self._spark_options(args))
        self.shell.push(engine.namespace())
        return _commands.session_status("spark")

    def _spark_stop(self, args: Any) -> None:
        print(_commands.stop_session("spark", self.shell.user_ns))

    def _spark_status(self, args: Any) -> Any:
        return _commands.session_status("spark")

    def _spark_log(self, args: Any) -> None:
        from . import spark

        print(spark.log())

    @magic_arguments()
    @argument("action", nargs="?", help="start | stop | status | log (line magic; default: status)")
    @argument(
        "--master",
        metavar="URL",
        help="local[N] (default local[*]), spark://HOST:PORT, yarn, k8s://...",
    )
    @argument("--remote", metavar="sc://HOST:PORT", help="attach to a Spark Connect server")
    @argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Spark configuration; repeatable",
    )
    @argument("--name", metavar="APP", help="application name")
    @argument("--restart", action="store_true", help="stop the running session and start a new one")
    @argument("--sql", action="store_true", help="cell: run the cell as one Spark SQL statement")
    @argument(
        "-o", "--output", metavar="NAME", help="cell with --sql: store the result DataFrame in NAME"
    )
    @argument(
        "--limit", type=int, metavar="N", help="cell with --sql: keep at most N rows of the result"
    )
    @argument("--dag", nargs="?", const="auto", metavar="LEVEL", help=_DAG_HELP)
    @line_cell_magic
    def spark(self, line: str, cell: str | None = None) -> Any:
        """Start, inspect or stop a Spark session; as a cell magic, run the cell on it.

        Line:  %spark start [--master URL | --remote sc://HOST:PORT] [--conf K=V]... [--name APP]
               %spark stop | %spark status
               %spark log   the end of the local Spark driver's log (its JVM's output)
        Cell:  %%spark [options]          run the cell with `spark` (and `sc`) ready
               %%spark --sql [-o NAME] [--limit N]   the cell is a SQL query
               %%spark --dag [LEVEL]   show the DAG (plan) of the cell's last value
               %%spark --dag live   the plans the cell runs, filling in as stages run
        """
        args = parse_argstring(self.spark, line)
        if cell is None:
            _refuse_cell_options("spark", args, ("sql", "output", "limit", "dag"))
            table = {
                "start": self._spark_start,
                "stop": self._spark_stop,
                "status": self._spark_status,
                "log": self._spark_log,
            }
            return _dispatch("spark", table, args)
        if args.action:
            raise LazyscopeError(f"%%spark takes options only, not {args.action!r}; see %spark?")
        if args.output is not None and (
            not args.output.isidentifier() or keyword.iskeyword(args.output)
        ):  # checked before a session starts: the name is wrong whatever the query
            raise LazyscopeError(
                f"-o {args.output}: the result needs a Python variable name (letters, digits "
                "and _, not starting with a digit, not a keyword), e.g. -o result."
            )
        engine = _commands.ensure_spark(**self._spark_options(args))
        self.shell.push(engine.namespace())
        from . import spark

        if args.sql:
            if args.dag == LIVE:
                raise LazyscopeError(
                    "%%spark --sql --dag live: a SQL cell is a plan, not yet run; use "
                    "--dag (its plan), or run an action in a %%spark --dag live cell."
                )
            frame = spark.run_sql(engine.namespace()["spark"], cell, args.limit)
            if args.output:
                self.shell.push({args.output: frame})
            return _shown(frame, args.dag)
        _refuse_cell_options("spark", args, ("output", "limit"))
        value = _cells.run_body(
            self.shell, cell, spark.errors(), progress="spark", live_dag=args.dag == LIVE
        )
        return _shown(value, args.dag)

    # ------------------------------------------------------------------- dask
    def _dask_options(self, args: Any) -> dict[str, Any]:
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
                options=_commands.parse_options(args.option),
                adapt=_commands.parse_adapt(args.adapt),
                keep=args.keep,
            )
        return options

    def _dask_start(self, args: Any) -> Any:
        if args.gateway == "" and args.address and "://" in args.address:
            args.gateway, args.address = args.address, None  # %dask start ADDRESS --gateway
        if args.address:
            raise LazyscopeError("Use %dask connect ADDRESS to attach to a running scheduler.")
        return self._dask_start_or_attach(args)

    def _dask_connect(self, args: Any) -> Any:
        if args.gateway is not None:
            return self._dask_connect_gateway(args)
        if not args.address:
            raise LazyscopeError("Which scheduler? Use %dask connect tcp://HOST:PORT.")
        return self._dask_start_or_attach(args)

    def _dask_connect_gateway(self, args: Any) -> Any:
        # `--gateway NAME`: argparse gave the name to --gateway (its ADDRESS is optional).
        if args.address is None and "://" not in args.gateway:
            args.gateway, args.address = "", args.gateway or None
        if not args.address:
            raise LazyscopeError(
                "Which cluster? Use %dask connect --gateway [ADDRESS] NAME (the name is "
                "cluster.name in the kernel that started it)."
            )
        options = self._dask_options(args)
        options["cluster"] = options.pop("address")
        engine = _commands.ensure_dask(**options)
        self.shell.push(engine.namespace())
        return _commands.session_status("dask")

    def _dask_start_or_attach(self, args: Any) -> Any:
        engine = _commands.ensure_dask(**self._dask_options(args))
        self.shell.push(engine.namespace())
        return _commands.session_status("dask")

    def _dask_stop(self, args: Any) -> None:
        print(_commands.stop_session("dask", self.shell.user_ns))

    def _dask_status(self, args: Any) -> Any:
        return _commands.session_status("dask")

    def _dask_log(self, args: Any) -> None:
        from . import dask

        print(dask.log())

    @magic_arguments()
    @argument(
        "action",
        nargs="?",
        help="start | connect | stop | status | log (line magic; default: status)",
    )
    @argument(
        "address",
        nargs="?",
        help="with connect: the scheduler, tcp://HOST:PORT; with connect --gateway: the "
        "cluster's name",
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
    @argument(
        "--restart", action="store_true", help="close the running client/cluster and start anew"
    )
    @argument("--dag", nargs="?", const="auto", metavar="LEVEL", help=_DAG_HELP)
    @line_cell_magic
    def dask(self, line: str, cell: str | None = None) -> Any:
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
        args = _parse_intermixed(self.dask, line)
        if cell is None:
            if args.action not in (None, "connect", "start") and args.address:
                raise LazyscopeError(f"%dask {args.action} takes no address.")
            _refuse_cell_options("dask", args, ("dag",))
            table = {
                "start": self._dask_start,
                "connect": self._dask_connect,
                "stop": self._dask_stop,
                "status": self._dask_status,
                "log": self._dask_log,
            }
            return _dispatch("dask", table, args)
        if args.action and "://" in args.action:  # %%dask tcp://HOST:PORT
            args.address, args.action = args.action, None
        if args.action:
            raise LazyscopeError(f"%%dask takes options only, not {args.action!r}; see %dask?")
        engine = _commands.ensure_dask(**self._dask_options(args))
        self.shell.push(engine.namespace())
        try:
            value = _cells.run_body(self.shell, cell, progress="dask", live_dag=args.dag == LIVE)
        except Exception as exc:  # a failed task: its key and the user's frames, one paragraph
            from . import dask

            brief = dask.task_error(exc)
            if brief is None:
                raise
            raise brief from None
        return _shown(value, args.dag)
