"""A real JupyterHub on loopback, once per test session (the ``hub`` fixture): the hub with
the Python configurable-http-proxy, a password authenticator (``DummyAuthenticator`` with a
password), and the local process spawner, so that the single-user servers of ``alice`` and
``bob``, real OS users made here, run as those users with their own homes and runtime
directories, as on a shared node.

The single-user servers run from their own virtual environment, as a hub's single-user image
would: Debian's ``/usr/bin/python3`` (the suite's Python lives under /root, which the users
cannot read), with ``jupyterhub`` and lazyscope installed from a clean copy of this checkout.
It is kept in ``.tmp/hub-venv`` and reused while what it was installed from is unchanged.

Their ``Authorizer`` is JupyterHub's granular one (JupyterHub's "read-only" example): an
action on a resource of a server needs the custom scope
``custom:jupyter_server:<action>:<resource>`` (or ``:*``) on that server. Owners have
``execute:*`` (everything) on their own servers; a role (through a group the tests put bob
in) or a share can grant others less."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
import tomllib

from tests._hub_kernel import HubKernel, texts
from tests._paths import ROOT
from tests._processes import TEST_ENV, free_port
from tests._venvs import activated, checkout_files, copy_files, digest, run

__all__ = [
    "CPU_LIMIT",
    "MEM_LIMIT",
    "OPENED",
    "Hub",
    "Work",
    "alice_work",
    "hub",
    "running_hub",
    "xsrf",
]

USERS = ("alice", "bob")
# Every user's share, as a hub states it (c.Spawner.mem_limit, cpu_limit): the spawner passes
# it on as MEM_LIMIT and CPU_LIMIT (LocalProcessSpawner enforces nothing), and lazyscope sizes
# local clusters from it (test_hub_limits.py).
MEM_LIMIT = 4 * 2**30
CPU_LIMIT = 2.0
VENV = ROOT / ".tmp" / "hub-venv"
_SYSTEM_PYTHON = "/usr/bin/python3"
_STAMP = "lazyscope-test-stamp"
_GECOS = "lazyscope test user"  # marks the users this module made (and may remove)
# What a wheel of lazyscope is built from (the built lab extension included: pip installs it
# as it is, see _venvs.checkout_files); nothing else of the checkout changes the install.
_INSTALLED = ("src/", "jupyter-config/")
_INSTALLED_FILES = ("pyproject.toml", "package.json", "install.json", "README.md", "LICENSE")
_CUSTOM = "custom:jupyter_server"
# The hidden inputs of the hub's OAuth consent form (what its "Authorize" button posts).
_HIDDEN = re.compile(r'<input type="hidden" name="(_xsrf|scopes)" value="([^"]*)"')

# The single-user servers' config: JupyterHub's granular authorizer (its examples/read-only).
_SINGLEUSER_CONFIG = f'''\
import os

from jupyterhub.singleuser.extension import JupyterHubAuthorizer


class ScopedAuthorizer(JupyterHubAuthorizer):
    """An action on a resource needs {_CUSTOM}:<action>:<resource> (or :*) on this server."""

    def is_authorized(self, handler, user, action, resource):
        owner = os.environ["JUPYTERHUB_USER"]
        server = os.environ["JUPYTERHUB_SERVER_NAME"]
        wanted = {{
            f"{_CUSTOM}:{{action}}:{{name}}!{{where}}"
            for name in (resource, "*")
            for where in (f"user={{owner}}", f"server={{owner}}/{{server}}")
        }}
        return bool(self.hub_auth.check_scopes(wanted, user.hub_user))


c.ServerApp.authorizer_class = ScopedAuthorizer
'''


def _installed(name: str) -> bool:
    return name.startswith(_INSTALLED) or name in _INSTALLED_FILES


def _traversable(path: Path) -> None:
    """The users' processes must reach the venv: every folder above it searchable by all."""
    for folder in [path, *path.parents]:
        if folder.exists():
            mode = folder.stat().st_mode
            assert mode & stat.S_IXOTH, f"{folder} is not searchable by other users: {oct(mode)}"


def single_user_venv() -> Path:
    """The single-user servers' environment, installed now unless it is up to date. When
    only lazyscope's own files changed (the usual rerun), only lazyscope is reinstalled."""
    import jupyterhub

    names = [name for name in checkout_files(built_labextension=True) if _installed(name)]
    hub = f"jupyterhub=={jupyterhub.__version__}"
    deps = digest(["pyproject.toml", "package.json"])
    stamp = f"{deps} {hub} {digest(names)}\n"
    marker = VENV / _STAMP
    before = marker.read_text() if marker.is_file() else ""
    if before == stamp:
        return VENV
    _traversable(VENV.parent)
    marker.unlink(missing_ok=True)
    python = VENV / "bin" / "python"
    if not python.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        subprocess.run([_SYSTEM_PYTHON, "-m", "venv", str(VENV)], check=True, timeout=300)
    env = activated(VENV)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    same_deps = before.startswith(f"{deps} {hub} ")
    if not same_deps:
        # lazyscope's build requirements, so that it builds without an isolated build
        # environment (which installs JupyterLab again for every build).
        with (ROOT / "pyproject.toml").open("rb") as f:
            build = tomllib.load(f)["build-system"]["requires"]
        run([*pip, hub, *build], env, ROOT, 1800)
    with tempfile.TemporaryDirectory(prefix="hub-venv-src-", dir=ROOT / ".tmp") as tmp:
        source = Path(tmp) / "lazyscope"
        copy_files(names, source)
        only = ["--no-deps", "--force-reinstall"] if same_deps else []
        run([*pip, "--no-build-isolation", *only, str(source)], env, source, 1800)
    marker.write_text(stamp)
    return VENV


# ---------------------------------------------------------------- OS users


def _ours(name: str) -> bool:
    try:
        return pwd.getpwnam(name).pw_gecos == _GECOS
    except KeyError:
        return False


def _remove_user(name: str) -> None:
    """The user, their home, their processes and what they left in the temp folders."""
    uid = pwd.getpwnam(name).pw_uid
    _kill([p for p in psutil.process_iter(["uids"]) if p.info["uids"].real == uid])
    for temp in map(Path, ("/tmp", "/var/tmp", "/dev/shm")):
        for path in temp.iterdir() if temp.is_dir() else []:
            try:
                owner = path.lstat().st_uid
            except FileNotFoundError:  # another process's, gone since the listing
                continue
            if owner == uid:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
    subprocess.run(["userdel", "-r", name], check=True, capture_output=True, timeout=60)


def _make_users(users: tuple[str, ...] = USERS) -> None:
    for name in users:
        if _ours(name):  # left by a run that was killed
            _remove_user(name)
        try:
            pwd.getpwnam(name)
        except KeyError:
            pass
        else:
            raise AssertionError(f"a user {name!r} exists that these tests did not make")
        subprocess.run(["useradd", "-m", "-c", _GECOS, "-s", "/bin/bash", name], check=True,
                       capture_output=True, timeout=60)  # fmt: skip


def _kill(processes: list[psutil.Process]) -> None:
    for proc in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(processes, timeout=20)


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


# ---------------------------------------------------------------- the hub


@dataclass
class Hub:
    """The running hub: ``url`` is its proxy (what a browser opens)."""

    url: str
    venv: Path
    log: Path
    passwords: dict[str, str]
    admin: requests.Session
    sessions: list[requests.Session] = field(default_factory=list)

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The hub's REST API as the tests' admin service."""
        return self.admin.request(method, f"{self.url}/hub/api/{path}", timeout=60, **kwargs)

    def server(self, user: str) -> str:
        """The URL of ``user``'s single-user server through the proxy (ends in "/")."""
        return f"{self.url}/user/{user}/"

    def token(self, user: str, note: str = "tests") -> str:
        """A new API token of ``user``, with the user's own permissions."""
        answer = self.api("POST", f"users/{user}/tokens", json={"note": note})
        answer.raise_for_status()
        token: str = answer.json()["token"]
        return token

    def start(self, user: str, timeout: float = 120) -> None:
        """Start ``user``'s server (if it is not running) and wait until it is ready."""
        answer = self.api("POST", f"users/{user}/server")
        assert answer.status_code in (201, 202, 400), answer.text  # 400: already running
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"users/{user}").json()["servers"].get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server not ready in {timeout} s:\n{self.tail()}")

    def login(self, user: str) -> requests.Session:
        """A browser's cookies after ``user`` signed in on the hub's login form and opened
        their server (JupyterHub's OAuth dance included)."""
        browser = requests.Session()
        self.sessions.append(browser)
        browser.get(f"{self.url}/hub/login", timeout=30).raise_for_status()
        form = {"username": user, "password": self.passwords[user],
                "_xsrf": browser.cookies.get("_xsrf", path="/hub/")}  # fmt: skip
        answer = browser.post(f"{self.url}/hub/login", data=form, timeout=60)
        assert answer.ok, f"{user} could not log in: {answer.status_code}"
        opened = browser.get(self.server(user) + "lab", timeout=60)
        assert opened.status_code == 200, f"{user}'s lab: {opened.status_code} {opened.url}"
        assert opened.url == self.server(user) + "lab", opened.url
        return browser

    def consent(self, browser: requests.Session, page: requests.Response) -> requests.Response:
        """Click "Authorize" on the page where the hub asks a user to let another user's
        server (shared with them) know who they are; other pages are returned as they are."""
        if not page.url.startswith(f"{self.url}/hub/api/oauth2/authorize"):
            return page
        form = [(name, unescape(value)) for name, value in _HIDDEN.findall(page.text)]
        assert any(name == "_xsrf" for name, _ in form), page.text[:500]
        return browser.post(page.url, data=form, timeout=60)

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def xsrf(browser: requests.Session, server: str) -> dict[str, str]:
    """The header that lets a cookie-authenticated POST/PATCH/DELETE through to ``server``
    (Jupyter's XSRF check), as JupyterLab sends it."""
    path = server.split("://", 1)[1].split("/", 1)[1]
    return {"X-XSRFToken": browser.cookies.get("_xsrf", path=f"/{path}") or ""}


# The hub's proxy: configurable-http-proxy's Python port, made to relay websockets as the npm
# configurable-http-proxy (JupyterHub's default) does: whatever their Origin, answering with
# the subprotocol the server behind chose, binary frames passed on as binary. The port (0.4.0)
# keeps tornado's same-origin check, which refuses the websocket of every sandboxed page
# (Origin: null), answers no subprotocol, which browsers refuse when they asked for one (a
# Bokeh dashboard in lazyscope's sandboxed frame: Origin null, subprotocols "bokeh" and its
# token, would draw nothing), and sends a browser's binary frames on as text (JupyterLab's
# kernel protocol v1). The servers behind it still check the origins of their own websockets.
_PROXY = """\
import sys

from configurable_http_proxy.cli import main
from configurable_http_proxy.handlers import ProxyHandler


def _upstream_subprotocol(self, subprotocols):
    return getattr(self.ws_client, "selected_subprotocol", None)


def _relay(self, message):
    if self.ws_client:
        prefix = self.target["prefix"] if self.target else ""
        if prefix:
            self.proxy.update_last_activity(prefix)
        self.ws_client.write_message(message, binary=isinstance(message, bytes))


ProxyHandler.check_origin = lambda self, origin: True
ProxyHandler.select_subprotocol = _upstream_subprotocol
ProxyHandler.on_message = _relay
sys.exit(main())
"""


def _config(
    folder: Path,
    venv: Path,
    singleuser: Path,
    token: str,
    password: str,
    users: tuple[str, ...] = USERS,
) -> tuple[str, str]:
    """The hub's URL and its config."""
    port, hub_port, api_port = free_port(), free_port(), free_port()
    assert (Path(sys.executable).parent / "configurable-http-proxy").exists(), (
        f"no configurable-http-proxy beside {sys.executable}"
    )
    proxy = folder / "proxy.py"
    proxy.write_text(_PROXY)
    own = f"{_CUSTOM}:execute:*"
    return (
        f"http://127.0.0.1:{port}",
        f"""
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.JupyterHub.db_url = "sqlite:///{folder}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{folder}/cookie_secret"
c.JupyterHub.pid_file = "{folder}/jupyterhub.pid"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = ["{sys.executable}", "{proxy}"]
c.ConfigurableHTTPProxy.pid_file = "{folder}/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = {set(users)!r}
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = ["{venv}/bin/jupyterhub-singleuser"]
c.Spawner.args = ["--config={singleuser}"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {{"PATH": "{venv}/bin:/usr/local/bin:/usr/bin:/bin", **{TEST_ENV!r}}}
c.LocalProcessSpawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.mem_limit = {MEM_LIMIT}
c.Spawner.cpu_limit = {CPU_LIMIT}
c.JupyterHub.custom_scopes = {{
    "{_CUSTOM}:read:lazyscope": {{"description": "list clusters, open their dashboards"}},
    "{_CUSTOM}:write:lazyscope": {{"description": "start, scale and stop clusters",
                                   "subscopes": ["{_CUSTOM}:read:lazyscope"]}},
    "{_CUSTOM}:read:*": {{"description": "read a server's resources",
                          "subscopes": ["{_CUSTOM}:read:lazyscope"]}},
    "{_CUSTOM}:write:*": {{"description": "change them",
                           "subscopes": ["{_CUSTOM}:read:*", "{_CUSTOM}:write:lazyscope"]}},
    "{_CUSTOM}:execute:*": {{"description": "run code", "subscopes": ["{_CUSTOM}:write:*"]}},
}}
# Owners may do everything on their own servers and share them (with less, if they like).
c.JupyterHub.load_roles = [
    {{"name": "user", "scopes": ["self", "{own}!user", "shares!user", "read:users:name"]}},
    {{"name": "tests", "scopes": ["admin:users", "admin:servers", "tokens", "shares",
                                  "admin:groups"], "services": ["lazyscope-tests"]}},
    # Read-only access to alice's server (JupyterHub's read-only recipe), and write on
    # lazyscope only: the tests add bob to these groups and take him out again.
    {{"name": "alice-readers", "groups": ["alice-readers"],
      "scopes": ["access:servers!user=alice", "{_CUSTOM}:read:*!user=alice"]}},
    {{"name": "alice-lazyscope-writers", "groups": ["alice-lazyscope-writers"],
      "scopes": ["{_CUSTOM}:write:lazyscope!user=alice"]}},
]
c.JupyterHub.load_groups = {{"alice-readers": {{"users": []}},
                             "alice-lazyscope-writers": {{"users": []}}}}
c.JupyterHub.services = [{{"name": "lazyscope-tests", "api_token": {token!r}}}]
# The servers' OAuth clients may carry the custom scopes, for their owner and for shares.
c.Spawner.oauth_client_allowed_scopes = [
    "{own}!server", "{_CUSTOM}:read:*!server",
    "{_CUSTOM}:read:lazyscope!server", "{_CUSTOM}:write:lazyscope!server",
]
""",
    )


@pytest.fixture(scope="session")
def hub() -> Iterator[Hub]:
    """One JupyterHub for the test session, with alice's and bob's servers running. At the
    end the hub, its proxy, the servers and every process of the users are gone, and so are
    the users."""
    if os.geteuid() != 0:
        pytest.skip("the hub tests make OS users (useradd): run them as root, as CI does")
    with running_hub(USERS) as running:
        yield running


# OS users are machine-wide: two test sessions (or a test and the load benchmark) on one
# machine would remove each other's users and kill their servers, so hubs take turns.
_MACHINE_LOCK = Path("/tmp/lazyscope-test-hub.lock")


@contextlib.contextmanager
def _one_hub_per_machine() -> Iterator[None]:
    with _MACHINE_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def running_hub(users: tuple[str, ...]) -> Iterator[Hub]:
    """A JupyterHub with ``users`` (made as OS users here) and their servers running; on
    exit the hub, its proxy, the servers, every process of the users and the users are
    gone. The ``hub`` fixture's, and the hub load benchmark's (with more users)."""
    with _one_hub_per_machine():
        yield from _running_hub(users)


def _running_hub(users: tuple[str, ...]) -> Iterator[Hub]:
    venv = single_user_venv()
    folder = Path(tempfile.mkdtemp(prefix="hub-", dir=ROOT / ".tmp"))  # 0700: its secrets
    shared = Path(tempfile.mkdtemp(prefix="hub-singleuser-", dir=ROOT / ".tmp"))
    shared.chmod(0o755)  # the users' servers read their config here
    singleuser = shared / "jupyter_server_config.py"
    singleuser.write_text(_SINGLEUSER_CONFIG)
    token, password = secrets.token_hex(16), secrets.token_hex(8)
    url, config = _config(folder, venv, singleuser, token, password, users)
    (folder / "jupyterhub_config.py").write_text(config)
    admin = requests.Session()
    admin.headers["Authorization"] = f"token {token}"
    hub = Hub(url, venv, folder / "jupyterhub.log", dict.fromkeys(users, password), admin)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTEST"))}
    tree: list[psutil.Process] = []
    try:
        _make_users(users)
        with hub.log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(folder / "jupyterhub_config.py")],
                cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, start_new_session=True,
            )  # fmt: skip
        tree.append(psutil.Process(proc.pid))
        _wait_for_hub(hub, proc)
        for user in users:
            hub.start(user)
        tree = _tree(tree[0])  # the proxy and the servers too
        yield hub
    finally:
        for browser in [hub.admin, *hub.sessions]:
            browser.close()
        if tree and tree[0].is_running():
            hub_proc = tree[0]
            tree += [p for p in _tree(hub_proc) if p not in tree]
            # The hub stops the servers and its proxy on SIGTERM (cleanup_servers).
            hub_proc.terminate()
            psutil.wait_procs([hub_proc], timeout=60)
        _kill([p for p in tree if p.is_running()])
        for user in users:
            if _ours(user):
                _remove_user(user)  # and the processes they still had
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(shared, ignore_errors=True)


def _wait_for_hub(hub: Hub, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the hub exited ({proc.returncode}):\n{hub.tail()}")
        try:
            if hub.api("GET", "").ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the hub did not answer in {timeout} s:\n{hub.tail()}")


# ---------------------------------------------------------------- alice's work

# Headers of a browser that opens a URL itself (typed, pasted, a bookmark): a navigation.
OPENED = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none", "Sec-Fetch-Dest": "document"}


@dataclass
class Work:
    """What alice has running on her server: a Dask cluster she started from the Clusters
    API and a kernel with a `%dask start` session, and what her server and kernel show."""

    browser: requests.Session
    token: str
    kernel: HubKernel
    cluster: dict[str, Any]  # the answer to her POST
    session: dict[str, Any]  # the kernel's session, as her server lists it
    status: list[dict[str, Any]]  # the outputs of `%dask status`
    summary: list[dict[str, Any]]  # the outputs of a `%%dask` cell (its progress summary)

    @property
    def ids(self) -> list[str]:
        return [self.cluster["id"], self.session["id"]]


@pytest.fixture(scope="session")
def alice_work(hub: Hub) -> Iterator[Work]:
    browser = hub.login("alice")
    server = hub.server("alice")
    api = server + "lazyscope/api/clusters"
    body = {"engine": "dask", "workers": 1, "cores": 1, "memory": "1GiB"}
    made = browser.post(api, json=body, headers=xsrf(browser, server), timeout=120)
    assert made.status_code == 201, made.text
    token = hub.token("alice")
    kernel = HubKernel(server, token)
    try:
        started = kernel.run("%load_ext lazyscope\n%dask start --workers 1 --threads 1")
        assert not [o for o in started if o["header"]["msg_type"] == "error"], texts(started)
        status = kernel.run("%dask status")
        summary = kernel.run("%%dask\nimport dask.array as da\nda.ones(100, chunks=10).sum()")
        sessions = [c for c in browser.get(api, timeout=30).json()["clusters"]
                    if c["id"] != made.json()["id"]]  # fmt: skip
        assert len(sessions) == 1, sessions
        yield Work(browser, token, kernel, made.json(), sessions[0], status, summary)
    finally:
        kernel.close()
        browser.delete(f"{api}/{made.json()['id']}", headers=xsrf(browser, server), timeout=120)
