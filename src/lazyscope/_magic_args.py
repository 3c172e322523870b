"""What every engine's magic parses the same way: the subcommand table, options that only
a cell takes, KEY=VALUE pairs, `--dag [LEVEL | live]`. Below the engine packages (their
magics use it) and beside `lazyscope.magics`, which runs them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from IPython.utils.process import arg_split

from ._errors import LazyscopeError

__all__ = [
    "DAG_OPTION_HELP",
    "LIVE",
    "dispatch",
    "pairs",
    "parse_intermixed",
    "refuse_cell_options",
]

LIVE = "live"  # --dag live: the DAG of what the cell runs, filling in while it runs
DAG_OPTION_HELP = (
    "cell: show the DAG of the cell's last value (LEVEL as in lazyscope.dag; default auto), "
    "or with `live` the DAG of what the cell runs, filling in as its tasks finish"
)


def dispatch(magic: str, table: Mapping[str, Callable[[Any], Any]], args: Any) -> Any:
    """Run the line magic's subcommand (default: status)."""
    action = args.action or "status"
    handler = table.get(action)
    if handler is None:
        raise LazyscopeError(
            f"Unknown subcommand {action!r} for %{magic}. Use one of: {', '.join(table)}."
        )
    return handler(args)


def parse_intermixed(magic: Any, line: str) -> Any:
    """`parse_argstring`, but a positional may follow options, as in `%name connect
    --option ADDRESS NAME` (argparse's plain parse gives up on NAME there)."""
    return magic.parser.parse_intermixed_args(arg_split(line))


def refuse_cell_options(magic: str, args: Any, names: tuple[str, ...]) -> None:
    used = [f"--{n}" for n in names if getattr(args, n, None) not in (None, False)]
    if used:
        raise LazyscopeError(f"{', '.join(used)} only applies to the %%{magic} cell magic.")


def pairs(items: list[str], flag: str, example: str) -> dict[str, str]:
    """`flag KEY=VALUE`... as a dict; a malformed one is refused with `example`."""
    found: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise LazyscopeError(f"Bad {flag} {item!r}: expected KEY=VALUE, e.g. {flag} {example}.")
        found[key.strip()] = value.strip()
    return found
