"""The global display formatters: registered by name, switchable, never raising."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pandas as pd
import pytest

from lazyscope._config import settings

MIME = "application/vnd.lazyscope.describe+json"


def test_loading_the_extension_imports_no_engine() -> None:
    code = (
        "import sys; from IPython.testing.globalipapp import start_ipython; "
        "start_ipython().run_line_magic('load_ext', 'lazyscope'); "
        "engines = ('pyspark', 'dask', 'distributed'); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in engines))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.spark
@pytest.mark.dask
def test_lazy_objects_show_the_view_and_the_setting_turns_it_off(
    ipshell: Any, spark: Any, dask_client: Any
) -> None:
    import dask.array as da

    objects = [spark.range(10), da.ones(10, chunks=5)]
    for obj in objects:
        shown, _ = ipshell.display_formatter.format(obj)
        assert MIME in shown
        assert "text/html" in shown
    assert (
        MIME not in ipshell.display_formatter.format(pd.DataFrame({"a": [1]}))[0]
    )  # pandas' own HTML
    settings().rich_display = False
    try:
        for obj in objects:
            assert MIME not in ipshell.display_formatter.format(obj)[0]
    finally:
        settings().rich_display = True


@pytest.mark.dask
def test_a_view_that_cannot_be_built_says_why_instead_of_raising(
    ipshell: Any, dask_client: Any
) -> None:
    import dask.array as da
    from distributed import Client

    own = Client(
        processes=False,
        n_workers=1,
        threads_per_worker=1,
        dashboard_address=":0",
        set_as_default=False,
    )
    try:
        persisted = own.persist(da.ones(10, chunks=5))
    finally:
        own.close()
    shown, _ = ipshell.display_formatter.format(persisted)
    assert MIME not in shown
    assert "lazyscope: This Dask collection was persisted" in shown["text/plain"]
