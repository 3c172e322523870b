"""Spark's options in `%config Lazyscope` (`lazyscope.spark.config`)."""

from __future__ import annotations

from typing import Any

from traitlets import CaselessStrEnum, Dict, Unicode

__all__ = ["config"]


def config() -> dict[str, Any]:
    return {
        "spark_master": Unicode(
            "local[*]", help="Master used by `%spark start` without --master."
        ).tag(config=True),
        "spark_app_name": Unicode("lazyscope", help="Spark application name.").tag(config=True),
        "spark_conf": Dict(
            {}, help="Extra Spark configuration applied to every session this kernel starts."
        ).tag(config=True),
        "spark_log_level": CaselessStrEnum(
            ["ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF"],
            "ERROR",
            help="Log level of a local Spark driver (spark.log.level). Its log goes to a file "
            "(`%spark log` shows the end); errors still reach the cell as one message.",
        ).tag(config=True),
    }
