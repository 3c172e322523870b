"""The engines' magics (`%NAME` and `%%NAME` of each engine package):
each package parses its own line (`EnginePackage.magic`, whose docstring and options are
`%NAME?`); this is the host they ask for what reaches the session registry and the views
(`lazyscope._sessions.MagicHost`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class

from . import _cells, _commands, engines
from ._magic_args import LIVE

__all__ = ["LazyscopeMagics", "magics_class_for_engines"]


class LazyscopeMagics(Magics):  # type: ignore[misc]  # IPython is untyped
    """The host of the engines' magics; `magics_class_for_engines` adds the magics."""

    def ensure(
        self,
        name: str,
        wanted: dict[str, Any],
        restart: bool,
        start: Callable[[], engines.Engine],
    ) -> engines.Engine:
        engine = _commands.ensure(name, wanted, restart, start)
        self.shell.push(engine.namespace())
        return engine

    def status(self, name: str) -> Any:
        return _commands.session_status(name)

    def stop(self, name: str) -> None:
        print(_commands.stop_session(name, self.shell.user_ns))

    def run_cell(
        self,
        name: str,
        cell: str,
        *,
        dag: str | None,
        errors: tuple[type[BaseException], ...] = (),
        error_title: str = "",
    ) -> Any:
        value = _cells.run_body(
            self.shell, cell, errors, progress=name, live_dag=dag == LIVE, error_title=error_title
        )
        return self.dag_of(value, dag)

    def dag_of(self, value: Any, dag: str | None) -> Any:
        """The cell's last value, or with --dag its DAG (lazyscope.dag at that level)."""
        if dag is None or dag == LIVE:
            return value
        from .views.dag import dag as dag_view

        return dag_view(value, dag)


def magics_class_for_engines() -> type[LazyscopeMagics]:
    """The magics class with every engine package's magic, named after the package."""
    methods = {package.NAME: line_cell_magic(package.magic()) for package in engines.packages()}
    cls = type("LazyscopeMagics", (LazyscopeMagics,), methods)
    return magics_class(cls)  # type: ignore[no-any-return]  # IPython is untyped
