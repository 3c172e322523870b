"""The HTTP half of the dashboard proxy: the response is streamed to the browser as it
arrives (jupyter-server-proxy buffers it whole unless it is ``text/event-stream``), with
our header rules both ways.

Request: only the headers a dashboard needs; never Jupyter's cookie, token or Host, nor
a ``token``/``_xsrf`` form field (``_proxy.public_query``).
Response: hop-by-hop headers, cookies and CORS grants of the dashboard dropped (it must
not set cookies on Jupyter's origin); ``Location`` kept under the proxy
(``_proxy.rewrite_location``), a redirect anywhere else answered with a 502; every
response with ``_proxy.SECURITY_HEADERS`` (sandboxed, framed only by Jupyter, no
sniffing, no Referer onwards, so a capability path never leaks through a link).
"""

from __future__ import annotations

from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.httputil import HTTPHeaders, ResponseStartLine, parse_response_start_line
from tornado.iostream import StreamClosedError
from tornado.web import HTTPError

from ._proxy import SECURITY_HEADERS, public_query, rewrite_location
from ._proxy_shim import HeadInjector
from ._proxy_ws import UNREACHABLE

__all__ = ["HTTPStream"]

# No Accept-Encoding: loopback gains nothing from compression, and HTML pages get a
# storage shim (``_proxy_shim``) that a compressed body would not take.
_REQUEST_HEADERS = ("Accept", "Accept-Language", "Content-Type",
                    "If-None-Match", "If-Modified-Since", "Range", "User-Agent")  # fmt: skip
_DROPPED = {"connection", "keep-alive", "proxy-authenticate", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "set-cookie", "server", "date",
            *(name.lower() for name in SECURITY_HEADERS)}  # fmt: skip
_FORM = "application/x-www-form-urlencoded"
# A response may take long (a big dashboard page); only *connecting* has the short timeout.
_REQUEST_TIMEOUT = 300.0
_MAX_BODY = 1 << 40


class HTTPStream:
    """Mixed into the proxy handler (a ``JupyterHandler``)."""

    _status: ResponseStartLine | None = None
    _started = False
    _refused = False  # a redirect out of the dashboard: its answer is never shown
    _shim: HeadInjector | None = None

    async def stream(self: Any, url: str, prefix: str, timeout: float) -> None:
        headers = {k: self.request.headers[k] for k in _REQUEST_HEADERS
                   if k in self.request.headers}  # fmt: skip
        # Where the browser sees the dashboard: a dashboard may prefix its links with it.
        headers["X-Forwarded-Context"] = headers["X-Forwarded-Prefix"] = prefix
        self._upstream = HTTPHeaders()
        method = self.request.method or "GET"
        body = self.request.body if method in ("POST", "PUT", "PATCH") else None
        if body and headers.get("Content-Type", "").startswith(_FORM):
            # Jupyter reads its token in form fields too.
            body = public_query(body.decode("latin-1")).encode("latin-1")
        request = HTTPRequest(
            url, method=method, headers=headers, body=body,
            follow_redirects=False, decompress_response=False, allow_nonstandard_methods=True,
            connect_timeout=timeout, request_timeout=_REQUEST_TIMEOUT,
            header_callback=lambda line: self._header_line(line, url, prefix),
            streaming_callback=self._chunk,
        )  # fmt: skip
        # Tornado's shared client caps bodies at 100 MB, streamed or not: a big event log
        # download would be cut off. Streamed, the size costs no memory here.
        client = AsyncHTTPClient(force_instance=True, max_body_size=_MAX_BODY)
        try:
            await client.fetch(request, raise_error=False)
        except HTTPClientError:  # raise_error=False still raises these (599)
            if self._started:  # the answer broke off half-way: end it where it stopped
                self.request.connection.close()
                return
            raise HTTPError(504, f"the dashboard did not answer within {timeout:g} s") from None
        except (OSError, StreamClosedError):  # refused, reset, no route
            if self._started:
                self.request.connection.close()
                return
            raise HTTPError(502, UNREACHABLE) from None
        finally:
            client.close()
            self._record_activity()
        if self._refused:
            raise HTTPError(502, "the dashboard redirected outside itself: refused")
        self._start(url, prefix)  # an answer without a body
        if self._shim is not None:
            self._write(self._shim.close())
        self.finish()

    def _header_line(self: Any, line: str, url: str, prefix: str) -> None:
        if line.startswith("HTTP/"):
            self._status = parse_response_start_line(line.strip())
            self._upstream = HTTPHeaders()
        elif line.strip():
            self._upstream.parse_line(line)
        elif self._status is not None and self._status.code >= 200:  # end of the headers
            self._start(url, prefix)

    def _start(self: Any, url: str, prefix: str) -> None:
        if self._started or self._refused:
            return
        location = self._upstream.get("Location")
        moved = None if location is None else rewrite_location(location, url, prefix)
        if location is not None and moved is None:
            self._refused = True  # nothing is sent (``stream`` answers); the body is dropped
            return
        self._started = True
        status = self._status
        if status is not None:
            self.set_status(status.code, status.reason)
        self._headers = HTTPHeaders()  # not Jupyter's defaults: the dashboard's
        html = self._upstream.get("Content-Type", "").startswith("text/html")
        if html and "Content-Encoding" not in self._upstream:
            self._shim = HeadInjector()
        for name, value in self._upstream.get_all():
            lower = name.lower()
            if lower in _DROPPED or lower.startswith("access-control-"):
                continue
            if lower == "content-length" and self._shim is not None:
                continue  # the shim makes the page longer
            self.add_header(name, moved if lower == "location" else value)
        for name, value in SECURITY_HEADERS.items():
            self.set_header(name, value)
        if self.capability_path and self.request.headers.get("Origin") == "null":
            # The sandboxed dashboard's own fetches (its REST calls): the token in
            # the path is the credential, no cookie is involved.
            self.set_header("Access-Control-Allow-Origin", "null")

    def _chunk(self: Any, chunk: bytes) -> None:
        if not self._started:
            return  # body of an interim (1xx) answer
        self._write(self._shim.feed(chunk) if self._shim is not None else chunk)

    def _write(self: Any, data: bytes) -> None:
        if data and self.request.method != "HEAD":
            self.write(data)
            self.flush()
