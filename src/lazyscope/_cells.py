"""Run a cell body in the user namespace and hand back its last value.

We compile the body ourselves (as %%time does) instead of nesting `run_cell`, so
an error is reported once, with the cell's own line numbers, and the magic's
return value becomes the cell's output.
"""

from __future__ import annotations

import ast
import contextlib
from typing import Any

from ._config import settings
from ._errors import LazyscopeError, short_engine_message

__all__ = ["run_body"]


def run_body(
    shell: Any,
    body: str,
    engine_errors: tuple[type[BaseException], ...] = (),
    progress: str | None = None,
    live_dag: bool = False,
    error_title: str = "",
) -> Any:
    """Execute `body`; errors of the engine (`engine_errors`: its client's, its remote
    side's) become one short message, "<error_title> error: ...".

    `progress` (an engine's NAME): watch the body with the live progress view, which
    sees the engine's own exception (for its summary) before it is shortened here;
    `live_dag`: the view draws the DAG of what runs (asked for, so on even when the
    progress view is configured off).
    """
    try:
        with _live_progress(progress, live_dag):
            return _execute(shell, body)
    except engine_errors as exc:
        prefix = f"{error_title} error: " if error_title else ""
        raise LazyscopeError(f"{prefix}{short_engine_message(exc, 4)}") from None


def _live_progress(engine: str | None, dag: bool) -> contextlib.AbstractContextManager[Any]:
    if engine is None or not (settings().progress or dag):
        return contextlib.nullcontext()
    from .views.progress import progress

    return progress(engine, dag=dag)


def _execute(shell: Any, body: str) -> Any:
    # The magic's own line is line 1 of the cell: the body starts on line 2, so that
    # tracebacks and the engines' call sites ("show at cell line 3") count as the notebook
    # does.
    try:  # IndentationError too: one paragraph, not IPython's stack
        code = "\n" + shell.transform_cell(body)
    except SyntaxError as exc:  # IPython's transformer counts from the body's first line
        raise LazyscopeError(_syntax_message(exc, 1)) from None
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise LazyscopeError(_syntax_message(exc)) from None
    last: ast.Expression | None = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    filename = shell.compile.cache(code)  # so tracebacks show the cell's lines
    namespace = shell.user_ns
    exec(compile(tree, filename, "exec"), namespace)  # noqa: S102  # running the user's cell is the point
    if last is None:
        return None
    return eval(compile(last, filename, "eval"), namespace)  # noqa: S307  # the cell's last expression


def _syntax_message(exc: SyntaxError, offset: int = 0) -> str:
    where = f" at line {exc.lineno + offset} of the cell" if exc.lineno else ""
    text = (exc.text or "").strip()
    return f"{type(exc).__name__}{where}: {exc.msg}" + (f"\n    {text}" if text else "")
