"""Two people on one JupyterHub (issue 26, "Isolation"): bob, signed in as himself, sees none
of alice's clusters in his own server, gets a refusal from every lazyscope route and
dashboard path of alice's server (the capability path alice's browser was sent to
included), cannot read her announcement files or logs from his processes, and a script in
a dashboard runs sandboxed, away from the hub's and the server's APIs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import requests

from tests._hub import OPENED, Hub, Work, xsrf

pytestmark = [pytest.mark.slow, pytest.mark.server]

# What a dashboard's content would show: Bokeh's page of the Dask dashboard.
_CONTENT = re.compile(rb"bokeh|Dask", re.I)


def _capability(hub: Hub, work: Work, cid: str) -> str:
    """Where alice's browser is sent when she opens her cluster's dashboard."""
    plain = hub.server("alice") + f"lazyscope/dashboard/{cid}/status"
    moved = work.browser.get(plain, headers=OPENED, allow_redirects=False, timeout=60)
    assert moved.status_code == 302, (moved.status_code, moved.text[:300])
    location = moved.headers["Location"]
    assert re.fullmatch(rf"/user/alice/lazyscope/dashboard/{cid}/cap-[0-9a-f]{{32}}/status",
                        location), location  # fmt: skip
    return hub.url + location


def _refused(answer: requests.Response, what: str, browser: requests.Session) -> None:
    """A refusal: 403/404, or a redirect to the hub's login, which ends in a refusal for
    ``browser``; never any of the dashboard."""
    if answer.status_code in (301, 302, 303, 307):
        location = answer.headers["Location"]
        assert location.startswith("/hub/"), (what, location)
        followed = browser.get(answer.url.split("/user/")[0] + location, timeout=60)
        assert followed.status_code == 403, (what, followed.status_code, followed.url)
        assert not _CONTENT.search(followed.content), (what, followed.text[:300])
    else:
        assert answer.status_code in (403, 404), (what, answer.status_code, answer.text[:300])
    assert not _CONTENT.search(answer.content), (what, answer.text[:300])


def test_bobs_server_lists_none_of_alices_clusters(hub: Hub, alice_work: Work) -> None:
    alice = alice_work.browser.get(hub.server("alice") + "lazyscope/api/clusters", timeout=30)
    assert sorted(c["id"] for c in alice.json()["clusters"]) == sorted(alice_work.ids)

    bob = hub.login("bob")
    listed = bob.get(hub.server("bob") + "lazyscope/api/clusters", timeout=30)
    assert listed.status_code == 200, listed.text
    assert listed.json() == {"clusters": []}
    for cid in alice_work.ids:
        assert cid not in listed.text
    for cluster in alice.json()["clusters"]:
        for value in (cluster["dashboard"], cluster["address"]):
            assert value, cluster
            assert value not in listed.text, cluster


def test_every_route_of_alices_server_refuses_bob(hub: Hub, alice_work: Work) -> None:
    server = hub.server("alice")
    caps = {cid: _capability(hub, alice_work, cid) for cid in alice_work.ids}
    # Alice herself gets her dashboards there (so the refusals below are bob's, not a 404).
    for url in caps.values():
        page = alice_work.browser.get(url, headers=OPENED, timeout=60)
        assert page.status_code == 200, url
        assert _CONTENT.search(page.content), url

    bob = hub.login("bob")
    bob_token = {"Authorization": f"token {hub.token('bob')}"}
    api = server + "lazyscope/api/clusters"
    cid = alice_work.cluster["id"]
    checks: list[tuple[str, str, str, dict[str, str], object]] = [
        ("list", "GET", api, {}, None),
        ("start", "POST", api, {}, {"engine": "dask"}),
        ("read", "GET", f"{api}/{cid}", {}, None),
        ("scale", "PATCH", f"{api}/{cid}", {}, {"workers": 2}),
        ("stop", "DELETE", f"{api}/{cid}", {}, None),
    ]
    for sid in alice_work.ids:
        plain = f"{server}lazyscope/dashboard/{sid}/status"
        checks += [
            (f"{sid}: plain path", "GET", plain, {}, None),
            (f"{sid}: plain path, opened", "GET", plain, OPENED, None),
            (f"{sid}: plain path, posted", "POST", plain, {}, {}),
            (f"{sid}: capability path copied from alice, opened", "GET", caps[sid], OPENED, None),
        ]
    for what, method, url, headers, body in checks:
        for who, auth in (("cookies", {}), ("token", bob_token)):
            answer = bob.request(method, url, headers={**headers, **auth, **xsrf(bob, server)},
                                 json=body, allow_redirects=False, timeout=60)  # fmt: skip
            _refused(answer, f"bob ({who}): {what}", bob)
    # Nothing changed: alice's cluster still runs with its one worker.
    mine = alice_work.browser.get(f"{api}/{cid}", timeout=30).json()
    assert mine["status"] == "running", mine
    assert mine["workers"] == 1, mine


def _runuser(user: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", user, "--", "cat", str(path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_alices_announcements_and_logs_are_not_readable_by_bobs_processes(
    alice_work: Work,
) -> None:
    home = Path("/home/alice")
    announcements = list(home.glob(".local/share/jupyter/runtime/lazyscope-kernel-*.json"))
    assert len(announcements) == 1, announcements
    assert alice_work.session["id"] in announcements[0].read_text()
    # The logs of her kernel's cluster (its log path is in `%dask status`) and of the
    # cluster her server started: in folders of her own.
    status = "\n".join(str(o["content"].get("data", {}).get("text/plain", ""))
                       for o in alice_work.status)  # fmt: skip
    logs = [Path(p) for p in re.findall(r"(/\S+\.log)\b", status)]
    assert logs, status
    alice_uid = home.stat().st_uid
    logs += [p for p in Path("/tmp").glob("lazyscope-*/**/*") if p.is_file()
             and p.stat().st_uid == alice_uid and p not in logs]  # fmt: skip
    assert len(logs) >= 2, logs
    for path in [*announcements, *logs]:
        assert path.stat().st_uid == alice_uid, path
        assert _runuser("alice", path).returncode == 0, path  # hers to read
        refused = _runuser("bob", path)
        assert refused.returncode != 0, path
        assert "Permission denied" in refused.stderr, (path, refused.stderr)


def test_a_dashboard_runs_sandboxed_away_from_the_hub_and_server_apis(
    hub: Hub, alice_work: Work
) -> None:
    # The dashboard as the hub's proxy hands it to alice's browser.
    page = alice_work.browser.get(
        _capability(hub, alice_work, alice_work.cluster["id"]), headers=OPENED, timeout=60
    )
    assert page.status_code == 200
    assert _CONTENT.search(page.content)
    policy = page.headers["Content-Security-Policy"]
    # Scripts run in an opaque origin: not the hub's, so neither /hub/api nor
    # /user/alice/api answers them with alice's cookies, nor may they read an answer.
    assert policy.startswith("sandbox allow-scripts"), policy
    assert "allow-same-origin" not in policy
    assert "frame-ancestors 'self'" in policy
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    # Every header of that name on the answer is ours (the proxy adds no looser one).
    assert page.raw.headers.getlist("Content-Security-Policy") == [policy]
