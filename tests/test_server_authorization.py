"""Who may do what with clusters: every cluster route asks the server's Authorizer
(resource ``lazyscope``; GET is a read, POST/PATCH/DELETE are writes). A read-only
user, as a deployment would configure one, sees the list but cannot change anything."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from jupyter_server.auth import Authorizer
from tornado.httpclient import HTTPClientError

pytestmark = pytest.mark.server

Fetch = Callable[..., Awaitable[Any]]


class ReadOnlyAuthorizer(Authorizer):  # type: ignore[misc]  # jupyter_server is untyped
    """Lets its user read everything and write nothing (a shared, view-only server)."""

    asked: list[tuple[str, str]] = []

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        ReadOnlyAuthorizer.asked.append((action, resource))
        return action == "read"


@pytest.fixture
def jp_server_config() -> dict[str, object]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"lazyscope": True},
            "authorizer_class": ReadOnlyAuthorizer,
        }
    }


async def _refused(fetch: Awaitable[Any]) -> str:
    with pytest.raises(HTTPClientError) as error:
        await fetch
    assert error.value.code == 403
    message: str = json.loads(error.value.response.body)["message"]
    return message


async def test_a_read_only_user_lists_but_cannot_start_scale_or_stop(
    jp_fetch: Fetch, jp_serverapp: Any
) -> None:
    ReadOnlyAuthorizer.asked.clear()
    listed = await jp_fetch("lazyscope", "api", "clusters")
    assert json.loads(listed.body) == {"clusters": []}

    message = await _refused(
        jp_fetch("lazyscope", "api", "clusters", method="POST", body='{"engine": "dask"}')
    )
    assert message == "User is not authorized to write on resource: lazyscope."
    # Refused before anything ran: no cluster was even registered.
    assert jp_serverapp.web_app.settings["lazyscope_manager"].clusters == {}
    body = '{"workers": 2}'
    await _refused(jp_fetch("lazyscope", "api", "clusters", "x", method="PATCH", body=body))
    await _refused(jp_fetch("lazyscope", "api", "clusters", "x", method="DELETE"))
    # A read of one cluster is allowed (and answers 404 for an unknown id).
    with pytest.raises(HTTPClientError) as error:
        await jp_fetch("lazyscope", "api", "clusters", "x")
    assert error.value.code == 404

    assert [a for a in ReadOnlyAuthorizer.asked if a[1] == "lazyscope"] == [
        ("read", "lazyscope"),
        ("write", "lazyscope"),
        ("write", "lazyscope"),
        ("write", "lazyscope"),
        ("read", "lazyscope"),
    ]
