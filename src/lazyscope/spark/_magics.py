"""`%spark` and `%%spark`: parse the line, then start, inspect or stop the session through
the magics' host (`lazyscope._sessions.MagicHost`), or run the cell on it.

`%spark?` prints every option: the help below is the documentation.
"""

from __future__ import annotations

import keyword
from typing import TYPE_CHECKING, Any

from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from lazyscope._config import settings
from lazyscope._errors import LazyscopeError
from lazyscope._magic_args import DAG_OPTION_HELP, LIVE, dispatch, pairs, refuse_cell_options

if TYPE_CHECKING:
    from lazyscope._sessions import Engine, MagicHost

__all__ = ["check_options", "parse_conf", "spark", "start_session"]


def parse_conf(items: list[str]) -> dict[str, str]:
    """`--conf KEY=VALUE`... of %spark."""
    return pairs(items, "--conf", "spark.sql.shuffle.partitions=8")


def check_options(master: str | None, remote: str | None) -> None:
    """Reject malformed options before comparing them with a running session."""
    if master and remote:
        raise LazyscopeError(
            "Use either --master (classic Spark) or --remote (Spark Connect), not both."
        )
    if master:
        from ._session import check_master

        check_master(master)
    if remote:
        from ._connect import parse_remote

        parse_remote(remote)


def start_session(
    *,
    master: str | None,
    remote: str | None,
    conf: dict[str, str],
    app_name: str,
    default_master: str,
    timeout: float,
) -> Engine:
    """A new session (not yet the kernel's: `lazyscope.engines.register` makes it so)."""
    check_options(master, remote)
    if remote:
        from ._connect import SparkConnectEngine

        return SparkConnectEngine.start(remote, conf, app_name, timeout)
    from ._session import SparkEngine

    return SparkEngine.start(master or default_master, conf, app_name)


def _ensure(host: MagicHost, args: Any) -> Engine:
    """The running Spark session, started with these options if there is none."""
    cfg = settings()
    conf = parse_conf(args.conf)
    check_options(args.master, args.remote)
    wanted = {"master": args.master, "remote": args.remote, "conf": conf}

    def start() -> Engine:
        return start_session(
            master=args.master,
            remote=args.remote,
            conf={**cfg.spark_conf, **conf},
            app_name=args.name or cfg.spark_app_name,
            default_master=cfg.spark_master,
            timeout=cfg.connect_timeout,
        )

    return host.ensure("spark", wanted, args.restart, start)


def _line(host: MagicHost, args: Any) -> Any:
    refuse_cell_options("spark", args, ("sql", "output", "limit", "dag"))

    def start(args: Any) -> Any:
        _ensure(host, args)
        return host.status("spark")

    def log(args: Any) -> None:
        from ._jvm import log_tail

        print(log_tail())

    table = {
        "start": start,
        "stop": lambda args: host.stop("spark"),
        "status": lambda args: host.status("spark"),
        "log": log,
    }
    return dispatch("spark", table, args)


def _cell(host: MagicHost, args: Any, cell: str) -> Any:
    if args.action:
        raise LazyscopeError(f"%%spark takes options only, not {args.action!r}; see %spark?")
    if args.output is not None and (
        not args.output.isidentifier() or keyword.iskeyword(args.output)
    ):  # checked before a session starts: the name is wrong whatever the query
        raise LazyscopeError(
            f"-o {args.output}: the result needs a Python variable name (letters, digits "
            "and _, not starting with a digit, not a keyword), e.g. -o result."
        )
    engine = _ensure(host, args)
    if args.sql:
        if args.dag == LIVE:
            raise LazyscopeError(
                "%%spark --sql --dag live: a SQL cell is a plan, not yet run; use "
                "--dag (its plan), or run an action in a %%spark --dag live cell."
            )
        from ._sql import run_sql

        frame = run_sql(engine.namespace()["spark"], cell, args.limit)
        if args.output:
            host.shell.push({args.output: frame})
        return host.dag_of(frame, args.dag)
    refuse_cell_options("spark", args, ("output", "limit"))
    from ._session import spark_errors

    return host.run_cell("spark", cell, dag=args.dag, errors=spark_errors(), error_title="Spark")


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
@argument("--dag", nargs="?", const="auto", metavar="LEVEL", help=DAG_OPTION_HELP)
def spark(self: MagicHost, line: str, cell: str | None = None) -> Any:
    """Start, inspect or stop a Spark session; as a cell magic, run the cell on it.

    Line:  %spark start [--master URL | --remote sc://HOST:PORT] [--conf K=V]... [--name APP]
           %spark stop | %spark status
           %spark log   the end of the local Spark driver's log (its JVM's output)
    Cell:  %%spark [options]          run the cell with `spark` (and `sc`) ready
           %%spark --sql [-o NAME] [--limit N]   the cell is a SQL query
           %%spark --dag [LEVEL]   show the DAG (plan) of the cell's last value
           %%spark --dag live   the plans the cell runs, filling in as stages run
    """
    args = parse_argstring(spark, line)
    if cell is None:
        return _line(self, args)
    return _cell(self, args, cell)
