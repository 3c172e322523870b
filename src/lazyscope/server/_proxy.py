"""Where a dashboard request may go, and who may read the answer: pure functions, no
tornado, so that the security rules are easy to read and to test.

URL scheme (under the server's base URL; ``<id>`` is a cluster or session id):

- ``lazyscope/dashboard/<id>/<path>``: the *plain* path, what every link shows (kernels
  build it from ``LAZYSCOPE_DASHBOARD_PREFIX``). Jupyter authentication and
  authorization as every lazyscope route. A browser navigation (``Sec-Fetch-Mode:
  navigate``) is redirected into the capability path; anything else is proxied.
- ``lazyscope/dashboard/<id>/cap-<token>/<path>``: the *capability* path, where the
  dashboard runs. ``token`` = HMAC-SHA256(per-server secret, id): it grants that one
  dashboard and nothing else of Jupyter, needs no cookie, and changes when the server
  restarts. Its responses carry ``Content-Security-Policy: sandbox`` without
  ``allow-same-origin``, so a script in a dashboard (which shows strings users control:
  task keys, job descriptions) runs in an opaque origin: it cannot read the Jupyter API
  and gets none of Jupyter's cookies. Its own sub-resources and websockets then arrive
  cross-site without cookies; the token in their path is what lets them through.

The target host and port come only from the cluster registry (the dashboard URL the
cluster or kernel reported). The request contributes a *path*, and only a path that is
plainly a path: no dot segments, no empty segments (``//host``), no encoded slash or
backslash, no double encoding, no control characters. Whatever the path says (``@host``,
``http:``...), the URL is built as registry origin + path, and is checked once more.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import unquote, urlsplit

__all__ = ["CAPABILITY", "SANDBOX", "ProxyPathError", "capability", "rewrite_location",
           "target_url", "valid_capability"]  # fmt: skip

# The route pattern of a capability segment ("cap-" keeps it apart from any real path).
CAPABILITY = r"cap-[0-9a-f]{32}"
# Everything a dashboard needs (scripts, Spark's forms and kill confirmations, links that
# open a tab, downloads), except its own origin: no allow-same-origin, ever.
SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"

# RFC 3986 path characters (pchar and "/"), percent escapes checked separately.
_PATH = re.compile(r"^(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)*/?$")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


class ProxyPathError(ValueError):
    """A request path the proxy refuses (HTTP 400)."""


def _check_path(path: str) -> None:
    if not _PATH.match(path):
        raise ProxyPathError("not a plain path (empty segment, or a character outside RFC 3986)")
    if "%" in _ESCAPE.sub("", path):
        raise ProxyPathError("malformed percent escape")
    for code in _ESCAPE.findall(path):
        byte = int(code, 16)
        # / \ % encoded, or control characters: each could re-route a lenient upstream.
        if chr(byte) in "/\\%" or byte < 0x20 or byte == 0x7F:
            raise ProxyPathError(f"encoded character %{code} not allowed")
    if any(unquote(seg) in (".", "..") for seg in path.split("/")):
        raise ProxyPathError("dot segments not allowed")


def target_url(dashboard: str, path: str, query: str = "", scheme: str | None = None) -> str:
    """The upstream URL for ``path`` (raw, still percent-encoded) below ``dashboard``'s
    origin; ``scheme`` "ws"/"wss" for websockets."""
    origin = urlsplit(dashboard)
    if origin.scheme not in ("http", "https") or not origin.hostname:
        raise ProxyPathError("the cluster reported no http(s) dashboard")
    _check_path(path or "/")
    if scheme is None:
        scheme = origin.scheme
    url = f"{scheme}://{origin.netloc}{path or '/'}" + (f"?{query}" if query else "")
    final = urlsplit(url)
    # Belt and braces: whatever the checks above missed cannot change the authority.
    if final.netloc != origin.netloc or final.path != (path or "/"):
        raise ProxyPathError("path would leave the dashboard")
    return url


def rewrite_location(location: str, dashboard: str, prefix: str) -> str | None:
    """A redirect of the dashboard, as a URL through the proxy (``prefix`` = the proxy's
    path for this cluster); ``None`` for a redirect to anywhere else."""
    origin, loc = urlsplit(dashboard), urlsplit(location)
    if loc.scheme or loc.netloc:
        if (loc.scheme, loc.netloc) not in ((origin.scheme, origin.netloc), ("", origin.netloc)):
            return None
    elif not loc.path.startswith("/"):
        return location  # relative: the browser resolves it below the proxy already
    path = loc.path
    if not path.startswith(prefix.rstrip("/") + "/"):  # Spark may already add its proxy base
        path = prefix.rstrip("/") + path
    return path + (f"?{loc.query}" if loc.query else "")


def capability(secret: bytes, cid: str) -> str:
    """The capability segment of the dashboard of cluster ``cid``."""
    return "cap-" + hmac.new(secret, cid.encode(), hashlib.sha256).hexdigest()[:32]


def valid_capability(secret: bytes, cid: str, segment: str) -> bool:
    return hmac.compare_digest(capability(secret, cid), segment)
