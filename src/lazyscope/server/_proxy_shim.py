"""Web storage for sandboxed dashboards.

A proxied dashboard runs without an origin of its own (``_proxy.SANDBOX``), where
reading ``window.localStorage`` throws. A dashboard may keep UI state there (shown
columns, open sections, a DAG toggle) and stop half-way when it throws (one engine's UI
does, on its executors, stages and environment pages; measured: the "Loading..." overlay
of the executors page never goes away). So every proxied HTML page gets, first thing in
its ``<head>``, a per-page in-memory ``localStorage`` / ``sessionStorage`` where the real
one is missing.
"""

from __future__ import annotations

import re

__all__ = ["HeadInjector"]

_SHIM = (
    b"<script>(function(){function mk(){var d={},s={"
    b"getItem:function(k){k=String(k);return Object.prototype.hasOwnProperty.call(d,k)?d[k]:null},"
    b"setItem:function(k,v){d[String(k)]=String(v)},removeItem:function(k){delete d[String(k)]},"
    b"clear:function(){d={}},key:function(i){var k=Object.keys(d);return i<k.length?k[i]:null}};"
    b"Object.defineProperty(s,'length',{get:function(){return Object.keys(d).length}});return s}"
    b"['localStorage','sessionStorage'].forEach(function(n){try{window[n];}catch(e){"
    b"try{Object.defineProperty(window,n,{value:mk(),configurable:true})}catch(e2){}}})})();"
    b"</script>"
)
_HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
# A page whose <head> is not within this many bytes is passed on unchanged.
_LIMIT = 64 * 1024


class HeadInjector:
    """Feed the body's chunks in order; what comes out is the body with the shim."""

    def __init__(self) -> None:
        self._buffer = b""
        self._done = False

    def feed(self, chunk: bytes) -> bytes:
        if self._done:
            return chunk
        self._buffer += chunk
        head = _HEAD.search(self._buffer)
        if head is None and len(self._buffer) < _LIMIT:
            return b""  # wait for more of the page
        out, self._buffer, self._done = self._buffer, b"", True
        return out if head is None else out[: head.end()] + _SHIM + out[head.end() :]

    def close(self) -> bytes:
        out, self._buffer, self._done = self._buffer, b"", True
        return out
