"""No HTML view of ours can be typeset as LaTeX: `$` in a stage name, column name, plan
or value stays text. JupyterLab's MathJax skips elements of class `mathjax_ignore`
(MathJax 2: `tex2jax_ignore`); every view's root carries both. The browser side is
tests/ui/tests/mathjax.spec.ts."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import lazyscope
from lazyscope.engines import SessionInfo
from lazyscope.model import StageProgress
from lazyscope.views._progress_text import ProgressSummary, Section
from lazyscope.views.status import StatusView
from tests._mathsafe import root_classes, typeset_text

ANONFUN = "$anonfun$withThreadLocalCaptured$1 at CompletableFuture.java:1768"


def assert_math_safe(html: str) -> None:
    assert "$" in html  # the case is real: there is something MathJax would typeset
    assert {"mathjax_ignore", "tex2jax_ignore"} <= root_classes(html)
    for ignore in ("mathjax_ignore", "tex2jax_ignore"):
        assert typeset_text(html, ignore) == []


def dollar_frame() -> pd.DataFrame:
    return pd.DataFrame({"$price$": [1.5, 2.5], "cost $x$": ["$a$", "$b$"]})


def test_progress_summary_is_math_safe() -> None:
    stages = [
        StageProgress("2", f"stage 2 ({ANONFUN})", 4, 4, job="job 1", started=1.0, ended=2.0),
        StageProgress("3", f"stage 3 ({ANONFUN})", 1, 0, failed=1, job="job 2"),
    ]
    summary = ProgressSummary([Section("Spark", stages, note="$x$")], 2.0, "failed", "E: $y$")
    assert_math_safe(summary._repr_html_())


def test_progress_summary_without_stages_is_math_safe() -> None:
    assert_math_safe(ProgressSummary([Section("Spark", [], note="$x$")], 0.5)._repr_html_())


def test_status_is_math_safe() -> None:
    info = SessionInfo("spark", "local[$n$]", app_id="$app$", version="$v$")
    assert_math_safe(StatusView(info)._repr_html_())


def test_describe_of_pandas_is_math_safe() -> None:
    bundle = lazyscope.describe(dollar_frame())._repr_mimebundle_()
    assert_math_safe(bundle["text/html"])


def test_describe_of_dask_is_math_safe() -> None:
    import dask.dataframe as dd

    frame = dd.from_pandas(dollar_frame(), npartitions=2)
    frame = frame[frame["cost $x$"] == "$a$"]
    assert_math_safe(lazyscope.describe(frame)._repr_mimebundle_()["text/html"])


@pytest.mark.spark
def test_describe_and_dag_of_spark_are_math_safe(spark: Any) -> None:
    frame = spark.createDataFrame(dollar_frame()).where("`cost $x$` = '$a$'")
    bundle = lazyscope.describe(frame)._repr_mimebundle_()
    assert_math_safe(bundle["text/html"])
    # The DAG's fallbacks are SVG (shown as an image, never typeset) and text.
    assert "text/html" not in lazyscope.dag(frame)._repr_mimebundle_()


def test_dag_of_dask_has_no_typesettable_html() -> None:
    import dask.dataframe as dd

    bundle = lazyscope.dag(dd.from_pandas(dollar_frame(), npartitions=2))._repr_mimebundle_()
    assert "text/html" not in bundle
