"""User defaults, as traitlets: ``%config Lazyscope.<option> = value``."""

from __future__ import annotations

from traitlets import Bool, CaselessStrEnum, CFloat, CInt, Dict, Unicode
from traitlets.config import Configurable

__all__ = ["Lazyscope", "settings"]


class Lazyscope(Configurable):  # type: ignore[misc]  # traitlets is untyped
    """Defaults for lazyscope's magics, views and plots."""

    spark_master = Unicode("local[*]", help="Master used by `%spark start` without --master.").tag(
        config=True
    )
    spark_app_name = Unicode("lazyscope", help="Spark application name.").tag(config=True)
    spark_conf = Dict(
        {}, help="Extra Spark configuration applied to every session this kernel starts."
    ).tag(config=True)
    spark_log_level = CaselessStrEnum(
        ["ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"],
        "ERROR",
        help="Log level of a local Spark driver (spark.log.level). Its log goes to a file "
        "(`%spark log` shows the end); errors still reach the cell as one message.",
    ).tag(config=True)
    dask_workers = CInt(2, help="Worker processes of `%dask start`.").tag(config=True)
    dask_threads = CInt(0, help="Threads per Dask worker (0: cores / workers).").tag(config=True)
    dask_memory = Unicode("auto", help="Memory limit per Dask worker, e.g. '2GiB'.").tag(
        config=True
    )
    connect_timeout = CFloat(
        10.0, help="Seconds to wait for a remote scheduler or Spark Connect server."
    ).tag(config=True)
    rich_display = Bool(
        True, help="Show lazy Spark/Dask objects with lazyscope's metadata view in every cell."
    ).tag(config=True)
    progress = Bool(True, help="Show live progress in %%spark / %%dask cells.").tag(config=True)


_settings: Lazyscope | None = None


def settings() -> Lazyscope:
    """The kernel's one settings object (created on first use)."""
    global _settings
    if _settings is None:
        _settings = Lazyscope()
    return _settings


def install(shell: object) -> Lazyscope:
    """Make the settings object the shell's, so ``%config Lazyscope`` reaches it."""
    global _settings
    configurables = getattr(shell, "configurables", None)
    if _settings is None:
        _settings = Lazyscope(parent=shell)
    if configurables is not None and _settings not in configurables:
        configurables.append(_settings)
    return _settings
