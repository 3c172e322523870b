"""Read-only access on a JupyterHub (issue 26, "Shared access"): bob is given read access to
alice's server the way JupyterHub grants it (a role with ``access:servers!user=alice`` and
the custom scope ``custom:jupyter_server:read:*!user=alice``, through a group; or a share
with those scopes); he then opens her dashboards and her saved `%dask status` links, but
cannot start, scale or stop her clusters. The single-user server's Authorizer decides, on
our resource ``lazyscope``: adding ``custom:jupyter_server:write:lazyscope`` lets bob scale.

Runs after the isolation tests (file order), and takes every grant back at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from tests._hub import OPENED, Hub, Work, xsrf
from tests.test_hub_links import save_status_notebook, saved_links

pytestmark = [pytest.mark.slow, pytest.mark.server]

READ_ONLY = ["access:servers", "custom:jupyter_server:read:*"]
_REFUSED = "User is not authorized to write on resource: lazyscope."


@contextmanager
def _in_group(hub: Hub, group: str) -> Iterator[None]:
    """Bob in ``group`` (its role's scopes are his) for the block."""
    added = hub.api("POST", f"groups/{group}/users", json={"users": ["bob"]})
    assert added.status_code == 200, added.text
    try:
        yield
    finally:
        removed = hub.api("DELETE", f"groups/{group}/users", json={"users": ["bob"]})
        assert removed.status_code == 200, removed.text


@pytest.fixture
def reader(hub: Hub) -> Iterator[None]:
    with _in_group(hub, "alice-readers"):
        yield


def _bob_on_alices_server(hub: Hub) -> requests.Session:
    """Bob's browser, signed in as bob, with alice's shared server opened once."""
    bob = hub.login("bob")
    lab = hub.consent(bob, bob.get(hub.server("alice") + "lab", timeout=60))
    assert lab.status_code == 200, lab.status_code
    assert lab.url == hub.server("alice") + "lab", lab.url
    return bob


def _write(browser: requests.Session, method: str, url: str, body: Any, hub: Hub) -> Any:
    server = hub.server("alice")
    return browser.request(method, url, json=body, headers=xsrf(browser, server), timeout=120)


@pytest.mark.usefixtures("reader")
def test_bob_opens_alices_dashboards_but_cannot_start_scale_or_stop(
    hub: Hub, alice_work: Work
) -> None:
    bob = _bob_on_alices_server(hub)
    api = hub.server("alice") + "lazyscope/api/clusters"
    listed = bob.get(api, timeout=30)
    assert listed.status_code == 200, listed.text
    clusters = listed.json()["clusters"]
    assert sorted(c["id"] for c in clusters) == sorted(alice_work.ids)
    for cluster in clusters:
        page = bob.get(hub.url + cluster["proxy"], headers=OPENED, timeout=60)
        assert page.status_code == 200, cluster["proxy"]
        assert b"<title>Dask" in page.content, cluster["proxy"]

    cid = alice_work.cluster["id"]
    for method, url, body in (
        ("POST", api, {"engine": "dask", "workers": 1}),
        ("PATCH", f"{api}/{cid}", {"workers": 2}),
        ("DELETE", f"{api}/{cid}", None),
    ):
        answer = _write(bob, method, url, body, hub)
        assert answer.status_code == 403, (method, answer.status_code, answer.text)
        assert answer.json()["message"] == _REFUSED, answer.text
    after = alice_work.browser.get(api, timeout=30).json()["clusters"]
    assert sorted(c["id"] for c in after) == sorted(alice_work.ids)  # none started or stopped
    mine = next(c for c in after if c["id"] == cid)
    assert mine["status"] == "running", mine
    assert mine["workers"] == 1, mine


@pytest.mark.usefixtures("reader")
def test_the_status_links_alice_saved_open_for_bob(hub: Hub, alice_work: Work) -> None:
    url = save_status_notebook(hub, alice_work)
    bob = _bob_on_alices_server(hub)
    links = saved_links(bob, url)
    assert links, "no link in the saved status"
    for link in links:
        assert link.startswith("/user/alice/lazyscope/dashboard/"), link
        page = bob.get(hub.url + link, headers=OPENED, timeout=60)
        assert page.status_code == 200, link
        assert b"<title>Dask" in page.content, link


@pytest.mark.usefixtures("reader")
def test_the_lazyscope_write_scope_is_what_lets_bob_scale(hub: Hub, alice_work: Work) -> None:
    url = hub.server("alice") + f"lazyscope/api/clusters/{alice_work.cluster['id']}"
    with _in_group(hub, "alice-lazyscope-writers"):
        bob = _bob_on_alices_server(hub)  # a new login: its token carries the new scope
        try:
            scaled = _write(bob, "PATCH", url, {"workers": 2}, hub)
            assert scaled.status_code == 200, scaled.text
            assert scaled.json()["workers"] == 2, scaled.json()
        finally:
            _write(alice_work.browser, "PATCH", url, {"workers": 1}, hub)


def test_a_read_only_share_holds_for_bobs_api_tokens(hub: Hub, alice_work: Work) -> None:
    """JupyterHub's sharing API, alice sharing with the same read scopes: bob's API tokens
    read her clusters and may not change them. (JupyterHub 6.1 does not carry a share's
    custom scopes into the OAuth token of bob's browser, whose sign-in then reads nothing
    of lazyscope's: the browser case needs the role above.)"""
    alice = {"Authorization": f"token {alice_work.token}"}
    shares = f"{hub.url}/hub/api/shares/alice/"
    granted = requests.post(shares, json={"user": "bob", "scopes": READ_ONLY}, headers=alice,
                            timeout=60)  # fmt: skip
    assert granted.status_code == 200, granted.text
    assert sorted(granted.json()["scopes"]) == sorted(f"{s}!server=alice/" for s in READ_ONLY)
    try:
        bob = {"Authorization": f"token {hub.token('bob')}"}
        api = hub.server("alice") + "lazyscope/api/clusters"
        listed = requests.get(api, headers=bob, timeout=30)
        assert listed.status_code == 200, listed.text
        assert sorted(c["id"] for c in listed.json()["clusters"]) == sorted(alice_work.ids)
        url = f"{api}/{alice_work.cluster['id']}"
        scaled = requests.patch(url, json={"workers": 2}, headers=bob, timeout=60)
        assert scaled.status_code == 403, scaled.text
        assert scaled.json()["message"] == _REFUSED
    finally:
        revoked = requests.patch(shares, json={"user": "bob"}, headers=alice, timeout=60)
        assert revoked.status_code == 200, revoked.text
