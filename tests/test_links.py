"""The one link rule (lazyscope._links) as the status table shows it: through the
Jupyter server's proxy when the kernel runs under one, the direct URL otherwise."""

from __future__ import annotations

import pytest

from lazyscope._links import PREFIX_VARIABLE, dashboard_link
from lazyscope.engines import SessionInfo
from lazyscope.views.status import StatusView

DASK = "http://127.0.0.1:8787/status"


def _dask(dashboard: str | None = DASK) -> SessionInfo:
    return SessionInfo(engine="dask", address="tcp://127.0.0.1:8786", dashboard=dashboard, id="s1")


def test_without_a_server_the_direct_url_is_the_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PREFIX_VARIABLE, raising=False)  # plain IPython, a script
    view = StatusView(_dask())
    assert f'<a href="{DASK}" target="_blank">' in view._repr_html_()
    assert "direct:" not in repr(view)
    assert DASK in repr(view)


def test_under_a_server_the_link_goes_through_its_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREFIX_VARIABLE, "/user/alice/lazyscope/dashboard/")
    view = StatusView(_dask())
    html = view._repr_html_()
    assert '<a href="/user/alice/lazyscope/dashboard/s1/status" target="_blank">' in html
    assert f"direct: {DASK}" in html  # secondary text, not a second link
    assert html.count("<a ") == 1
    assert f"/user/alice/lazyscope/dashboard/s1/status (direct: {DASK})" in repr(view)


def test_spark_ui_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREFIX_VARIABLE, "/lazyscope/dashboard")  # no trailing slash
    assert dashboard_link("s2", "http://127.0.0.1:4041").href == "/lazyscope/dashboard/s2/"
    jobs = dashboard_link("s2", "http://127.0.0.1:4041", "jobs/")
    assert jobs.href == "/lazyscope/dashboard/s2/jobs/"
    assert jobs.direct == "http://127.0.0.1:4041/jobs/"


def test_no_dashboard_and_odd_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREFIX_VARIABLE, "/lazyscope/dashboard/")
    assert "not available" in repr(StatusView(_dask(None)))
    # Not an http(s) dashboard: nothing to proxy, and never an active link.
    odd = StatusView(_dask("javascript:alert(1)"))
    assert "<a " not in odd._repr_html_()
    # A prefix that is not a URL path is ignored (the direct URL stays the link).
    monkeypatch.setenv(PREFIX_VARIABLE, "http://elsewhere/")
    assert dashboard_link("s1", DASK).href == DASK


def test_a_kept_spark_application_is_linked_by_its_id(monkeypatch: pytest.MonkeyPatch) -> None:
    # Its event log is kept: the server sends the link to the live UI or, once the
    # application ended, to the History Server's pages for it (a saved link keeps working).
    monkeypatch.setenv(PREFIX_VARIABLE, "/user/alice/lazyscope/dashboard/")
    spark = SessionInfo(engine="spark", address="local[2]", dashboard="http://127.0.0.1:4041",
                        app_id="local-17", history=True, id="s3")  # fmt: skip
    link = StatusView(spark).link
    assert link == ("/user/alice/lazyscope/history/local-17/", "http://127.0.0.1:4041")
    assert dashboard_link("s3", "http://127.0.0.1:4041", "jobs/", app="local-17").href == (
        "/user/alice/lazyscope/history/local-17/jobs/"
    )
    # Not kept (the user's own spark.eventLog settings): the session's dashboard path.
    spark.history = False
    assert StatusView(spark).link == (
        "/user/alice/lazyscope/dashboard/s3/",
        "http://127.0.0.1:4041",
    )
    # Without a server, the direct URL as ever.
    monkeypatch.delenv(PREFIX_VARIABLE)
    assert dashboard_link("s3", "http://127.0.0.1:4041", app="local-17").href == (
        "http://127.0.0.1:4041"
    )
