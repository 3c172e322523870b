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
cluster or kernel reported), and the path stays below the registry's root for it (the
dashboard of one cluster of a gateway, never the gateway's API). The request contributes
a *path*, and only a path that is plainly a path: no dot segments, no empty segments
(``//host``), no encoded slash or backslash, no double encoding, no control characters.
Whatever the path says (``@host``, ``http:``...), the URL is built as registry origin +
path, and is checked once more.
Jupyter's credentials (``token``, ``_xsrf``) never go upstream (``public_query``), and a
redirect of the dashboard is read as a browser reads it and kept below the proxy path, or
refused (``rewrite_location``). Every response of the proxy, errors included, carries
``SECURITY_HEADERS``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import unquote, unquote_plus, urljoin, urlsplit

__all__ = ["CAPABILITY", "PREFLIGHT", "SANDBOX", "SECURITY_HEADERS", "ProxyPathError",
           "capability", "public_query", "rewrite_location", "target_url",
           "valid_capability"]  # fmt: skip

# The route pattern of a capability segment ("cap-" keeps it apart from any real path).
CAPABILITY = r"cap-[0-9a-f]{32}"
# Everything a dashboard needs (scripts, forms and kill confirmations, links that
# open a tab, downloads), except its own origin: no allow-same-origin, ever.
SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads"
# On every response of the proxy (the dashboard's own are replaced): the sandbox; framed
# only by Jupyter's own pages (the lab's dashboard tab), not by any site that has the
# link; no content sniffing; no Referer (a capability path never leaks through a link).
SECURITY_HEADERS = {
    "Content-Security-Policy": f"{SANDBOX}; frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
# The answer to a CORS preflight of a sandboxed dashboard's own request (opaque origin
# "null", on its capability path): jQuery adds X-Requested-With to requests it takes for
# same-origin ones, so a dashboard page built on it asks before loading its tables.
PREFLIGHT = {
    "Access-Control-Allow-Origin": "null",
    "Access-Control-Allow-Methods": "GET, HEAD, POST",
    "Access-Control-Allow-Headers": "X-Requested-With, Content-Type",
    "Access-Control-Max-Age": "600",
}
# Query parameters (and form fields) in which Jupyter reads its credentials.
_CREDENTIALS = frozenset({"token", "_xsrf"})

# RFC 3986 path characters (pchar and "/"), percent escapes checked separately.
_PATH = re.compile(r"^(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)*/?$")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# A scheme ("javascript:", "data:", "http:") at the start of a URL; and with the slashes
# after it (or none) that a browser reads as "//" before a host.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_SLASHES = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*:)?//+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    for seg in path.split("/")[1:]:
        # Jetty (a Java dashboard's server) cuts ";parameters" off a segment: "..;x" is "..".
        name = unquote(seg).split(";")[0]
        if name in (".", "..") or (seg and not name):
            raise ProxyPathError("dot segments (also with ;parameters) not allowed")


def public_query(query: str) -> str:
    """``query`` (raw) without Jupyter's credentials: ``token`` authenticates a request
    to Jupyter and must never reach a dashboard, nor a page URL a dashboard's script
    reads. Pairs are split at "&" only, as Jupyter (tornado) and browsers split them."""
    kept = [p for p in query.split("&")
            if unquote_plus(p.split("=", 1)[0]).lower() not in _CREDENTIALS]  # fmt: skip
    return "&".join(kept)


def target_url(
    dashboard: str, path: str, query: str = "", scheme: str | None = None, root: str = "/"
) -> str:
    """The upstream URL for ``path`` (raw, still percent-encoded) below ``dashboard``'s
    origin; ``scheme`` "ws"/"wss" for websockets. ``root``: the path below which the
    dashboard is (a cluster gateway serves its API beside its clusters' dashboards)."""
    origin = urlsplit(dashboard)
    if origin.scheme not in ("http", "https") or not origin.hostname:
        raise ProxyPathError("the cluster reported no http(s) dashboard")
    _check_path(path or "/")
    # Sound on a checked path: no dot segments nor encoded slashes can climb out of it.
    if not (path or "/").startswith(root) and (path or "/") + "/" != root:
        raise ProxyPathError(f"only {root} and below is this cluster's dashboard")
    if scheme is None:
        scheme = origin.scheme
    query = public_query(query)
    url = f"{scheme}://{origin.netloc}{path or '/'}" + (f"?{query}" if query else "")
    final = urlsplit(url)
    # Belt and braces: whatever the checks above missed cannot change the authority.
    if final.netloc != origin.netloc or final.path != (path or "/"):
        raise ProxyPathError("path would leave the dashboard")
    return url


def _as_browsers_read(location: str) -> str:
    """``location`` as a browser's URL parser (WHATWG) reads it for an http(s) page:
    spaces and controls around it trimmed, tabs and newlines dropped, before the query a
    backslash taken as a slash (``\\\\host/x`` is ``//host/x``), and more slashes
    than two before a host as two."""
    loc = re.sub(r"[\t\n\r]", "", location.strip("".join(map(chr, range(0x21)))))
    end = min((i for i in (loc.find("?"), loc.find("#")) if i >= 0), default=len(loc))
    loc = loc[:end].replace("\\", "/") + loc[end:]
    return _SLASHES.sub(r"\1//", loc)


def rewrite_location(location: str, upstream: str, prefix: str) -> str | None:
    """A redirect of the dashboard (answering ``upstream``), as a path below the proxy's
    ``prefix`` for this dashboard; ``None`` for a redirect anywhere else.

    The redirect is resolved as a browser would resolve it; only one to the dashboard's
    own origin is kept, and what is sent on is always ``prefix`` + path: a path on
    Jupyter's origin that no reading of a browser's takes out of the prefix."""
    loc = _as_browsers_read(location)
    if _CONTROL.search(loc):  # no header value
        return None
    if _SCHEME.match(loc) and not loc.lower().startswith(("http:", "https:")):
        return None  # javascript:, data:, ...
    moved, origin = urlsplit(urljoin(upstream, loc)), urlsplit(upstream)
    if (moved.scheme, moved.netloc.lower()) != (origin.scheme, origin.netloc.lower()):
        return None
    path = moved.path or "/"
    if any(unquote(seg) in (".", "..") for seg in path.split("/")):
        return None  # browsers also read "%2e%2e" as ".."
    base = prefix.rstrip("/")
    if not path.startswith(base + "/"):  # the dashboard may already add its proxy base
        path = base + path
    query = public_query(moved.query)
    return path + (f"?{query}" if query else "") + (f"#{moved.fragment}" if moved.fragment else "")


def capability(secret: bytes, cid: str) -> str:
    """The capability segment of the dashboard of cluster ``cid``."""
    return "cap-" + hmac.new(secret, cid.encode(), hashlib.sha256).hexdigest()[:32]


def valid_capability(secret: bytes, cid: str, segment: str) -> bool:
    return hmac.compare_digest(capability(secret, cid), segment)
