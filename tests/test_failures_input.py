"""Bad input and failing tasks read as one paragraph in the user's words (real IPython
shell, the shared Dask LocalCluster)."""

from __future__ import annotations

from typing import Any

import pytest

from lazyscope._errors import LazyscopeError

FAILING = """
def fail_on_three(x):
    if x == 3:
        raise ValueError("boom at 3")
    return x
"""


@pytest.mark.parametrize("name", ["1bad", "class", "a-b"])
def test_sql_output_name_must_be_a_variable_name(ipshell: Any, name: str) -> None:
    # Refused before any session starts: no Spark is needed to see the mistake.
    result = ipshell.run_cell(f"%%spark --sql -o {name}\nSELECT 1 AS one")
    assert isinstance(result.error_in_exec, LazyscopeError)
    assert f"-o {name}: the result needs a Python variable name" in str(result.error_in_exec)
    assert name not in ipshell.user_ns
    assert ipshell.run_cell("6 * 7").result == 42


@pytest.mark.dask
@pytest.mark.parametrize(
    "body",
    [
        "client.gather(client.map(fail_on_three, range(10)))",
        "import dask\ndask.delayed(fail_on_three)(3).compute()",
    ],
)
def test_a_failing_dask_task_is_one_paragraph(ipshell: Any, dask_engine: Any, body: str) -> None:
    ipshell.push(dask_engine.namespace())
    ipshell.run_cell(FAILING)
    error = ipshell.run_cell(f"%%dask\n{body}").error_in_exec
    assert isinstance(error, LazyscopeError)
    text = str(error)
    first = text.splitlines()[0]
    assert first.startswith("Dask task fail_on_three-")
    assert first.endswith("failed: ValueError: boom at 3")
    assert "in fail_on_three" in text  # the user's own frame
    assert "distributed" not in text
    assert "site-packages" not in text
    assert len(text.splitlines()) <= 6
    assert ipshell.run_cell("6 * 7").result == 42
