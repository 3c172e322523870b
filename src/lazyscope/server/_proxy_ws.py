"""The websocket half of the dashboard proxy: the upstream handshake happens *before*
the browser's, so the subprotocol is negotiated end to end.

jupyter-server-proxy's ``proxy_open`` accepts the browser's handshake first, blindly
selecting the first offered subprotocol, and connects upstream afterwards
(jupyter-server-proxy#459); it also gives the upstream 250 s to connect. Bokeh offers
``bokeh, <token>`` and needs ``bokeh`` back, which happens to work, but a refusal or an
unreachable dashboard then surfaces as an accepted socket that closes at once. Here:
target and origin are checked first (no upstream socket before they pass), then the
upstream handshake (short timeout, a clean HTTP error if it fails), then the browser's
with whatever the upstream selected. Messages relay through the library's handlers,
except that a write to a side that is closing fails quietly (tornado returns a task that
would otherwise log "Task exception was never retrieved: WebSocketClosedError"): that
side's own close ends the relay.
"""

from __future__ import annotations

from asyncio import Future
from typing import Any

from jupyter_server_proxy.websocket import pingable_ws_connect  # type: ignore[import-untyped]
from tornado import websocket
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.iostream import StreamClosedError
from tornado.web import HTTPError

__all__ = ["UNREACHABLE", "WebSocketRelay"]

UNREACHABLE = "the dashboard is unreachable (is the cluster still running?)"


def _quietly(sent: Future[None]) -> None:
    """Retrieve the outcome of a relayed write: a failure means that socket is closing."""
    sent.add_done_callback(lambda done: done.cancelled() or done.exception())


class WebSocketRelay:
    """Mixed into the proxy handler (a ``ProxyHandler``, hence a ``WebSocketHandler``)."""

    _opened = False
    _early: list[str | bytes | None]

    async def relay_websocket(self: Any, url: str, timeout: float, *args: Any) -> None:
        origin = self.request.headers.get("Origin") or self.request.headers.get(
            "Sec-Websocket-Origin"
        )
        if origin is not None and not self.check_origin(origin):
            raise HTTPError(403, "cross-origin websocket refused")
        offered = self.request.headers.get("Sec-WebSocket-Protocol", "")
        subprotocols = [p.strip() for p in offered.split(",") if p.strip()]
        self._early = []
        request = HTTPRequest(url, connect_timeout=timeout, request_timeout=timeout)
        try:
            self.ws = await pingable_ws_connect(
                request=request,
                on_message_callback=self._from_upstream,
                on_ping_callback=self._ping_from_upstream,
                subprotocols=subprotocols or None,
            )
        except HTTPClientError as exc:  # the dashboard answered, but not with a websocket
            if exc.code == 599:
                raise HTTPError(504, f"the dashboard did not answer within {timeout:g} s") from None
            raise HTTPError(exc.code, "the dashboard refused the websocket") from None
        except (OSError, StreamClosedError):
            raise HTTPError(502, UNREACHABLE) from None
        try:
            await websocket.WebSocketHandler.get(self, *args)
        finally:
            if not self._opened:  # the browser's handshake failed: nothing to relay
                self.ws.close()

    def select_subprotocol(self: Any, subprotocols: list[str]) -> str | None:
        # Whatever the dashboard chose in its own handshake, or none.
        chosen = getattr(self, "ws", None) and self.ws.selected_subprotocol
        return chosen if chosen in subprotocols else None

    async def open(self: Any, *args: Any, **kwargs: Any) -> None:
        self._opened = True
        for message in self._early:  # what the dashboard sent before the browser was in
            self._from_upstream(message)
        self._early = []

    def _from_upstream(self: Any, message: str | bytes | None) -> None:
        self._record_activity()
        if not self._opened:
            self._early.append(message)
        elif message is None:  # the dashboard closed its end
            self.close()
        else:
            try:
                _quietly(self.write_message(message, binary=isinstance(message, bytes)))
            except websocket.WebSocketClosedError:
                self.ws.close()

    def on_message(self: Any, message: str | bytes) -> None:
        self._record_activity()
        try:
            _quietly(self.ws.write_message(message, binary=isinstance(message, bytes)))
        except websocket.WebSocketClosedError:  # the dashboard's end is gone
            self.close()

    def _ping_from_upstream(self: Any, data: bytes) -> None:
        if self._opened:
            self.ping(data)
