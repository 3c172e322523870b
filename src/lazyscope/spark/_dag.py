"""Spark DataFrames (classic and Connect) as an engine-neutral DAG, without running a job.

Levels:
  parsed, analyzed, optimized   the logical plans
  physical                      the physical plan, operator details as attributes
  executed                      the plan as it ran, with metrics, grouped by stage (from
                                the Spark UI's REST API); needs a DataFrame that has run
  auto                          executed when this DataFrame has run, else physical
"""

from __future__ import annotations

from typing import Any

from lazyscope._errors import LazyscopeError, short_engine_message
from lazyscope.model import Dag

from ._explain import sections
from ._plan_dag import add_logical, add_physical
from ._session import spark_errors

__all__ = ["LEVELS", "is_spark", "spark_dag"]

LEVELS = ("auto", "parsed", "analyzed", "optimized", "physical", "executed")
_LOGICAL = {
    "parsed": "Parsed Logical Plan",
    "analyzed": "Analyzed Logical Plan",
    "optimized": "Optimized Logical Plan",
}


def is_spark(obj: Any) -> bool:
    cls = type(obj)
    return cls.__name__ == "DataFrame" and cls.__module__.startswith("pyspark.sql")


def _explain(df: Any, mode: str) -> str:
    if hasattr(df, "_jdf"):  # classic: the same call `df.explain(mode)` makes
        session = df.sparkSession
        return str(session._jvm.PythonSQLUtils.explainString(df._jdf.queryExecution(), mode))
    return str(df._explain_string(mode=mode))


def spark_dag(df: Any, level: str = "auto", *, ui_url: str | None = None) -> Dag:
    if level not in LEVELS:
        raise LazyscopeError(
            f"Unknown level {level!r} for a Spark DAG; use one of {', '.join(LEVELS)}."
        )
    connect = not hasattr(df, "_jdf")
    dag = Dag("spark-connect" if connect else "spark", level, levels=list(LEVELS[1:]))
    try:
        if level in _LOGICAL:
            parts = sections(_explain(df, "extended"))
            body = parts.get(_LOGICAL[level], "")
            if level == "analyzed":  # its first line is the output schema
                schema, _, body = body.partition("\n")
                dag.notes.append(f"Output: {schema}")
            add_logical(dag, body, f"{level[0].upper()}:")
            dag.title = f"Spark {_LOGICAL[level].lower()}"
            return dag
        formatted = _explain(df, "formatted")
        execution = None if level == "physical" else _execution(df, formatted, ui_url, level)
    except spark_errors() as exc:
        raise LazyscopeError(
            f"Spark could not plan this DataFrame: {short_engine_message(exc, 3)}"
        ) from None
    if execution is not None:
        from ._executed import add_executed

        dag.level = "executed"
        add_executed(dag, execution)
        dag.notes.append(f"Matched to its execution by {execution.matched_by}.")
    else:
        dag.level = "physical"
        add_physical(dag, formatted)
        dag.title = (
            "Spark physical plan (not run yet)" if level == "auto" else "Spark physical plan"
        )
    return dag


def _execution(df: Any, formatted: str, ui_url: str | None, level: str) -> Any:
    from ._rest import find_execution, ui_of

    session = df.sparkSession
    if hasattr(df, "_jdf"):
        query_id, connect_ids = str(df._jdf.queryExecution().queryId().toString()), None
    else:
        query_id, connect_ids = None, (session.session_id, df._plan._plan_id)
    ui = ui_of(session, ui_url)
    found = None
    # A classic DataFrame whose adaptive plan is not final has not run: no need to ask.
    unrun = (
        query_id is not None
        and "isFinalPlan=true" not in formatted
        and ("isFinalPlan=false" in formatted)
    )
    if ui is not None and not (level == "auto" and unrun) and ui.reachable():
        found = find_execution(
            ui,
            query_id=query_id,
            connect_ids=connect_ids,
            formatted=formatted,
            by_plan=level == "executed",
        )
    if found is None and level == "executed":
        where = f"the Spark UI at {ui.base}" if ui else "the Spark UI (it is disabled)"
        raise LazyscopeError(
            f"No execution of this DataFrame was found in {where}: run an action on it first "
            "(collect, count, write...), or use level='physical' for the plan before it runs."
        )
    return found
