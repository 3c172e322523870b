"""Debounced, newest-wins execution of re-aggregations, off the kernel's main thread.

A pan or wheel-zoom sends a burst of range changes. We wait until the burst is quiet
(`debounce` seconds), run one aggregation in a worker thread, and when a newer request
arrives we cancel the running one (its engine work is interrupted where the engine allows,
and its result is never shown).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Latest", "SupersededError", "Ticket", "Token"]

Req = TypeVar("Req")


class SupersededError(Exception):
    """Raised inside a back-end when the request it serves was superseded."""


class Token:
    """Cancellation of one request; back-ends register how to stop their engine work."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._callbacks: list[Callable[[], Any]] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            fn()

    def on_cancel(self, fn: Callable[[], Any]) -> None:
        with self._lock:
            if not self._cancelled:
                self._callbacks.append(fn)
                return
        fn()

    def check(self) -> None:
        if self._cancelled:
            raise SupersededError


class Ticket:
    """The outcome of one submitted request, for callers that want to wait (`.zoom()`)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.superseded = False


class Latest(Generic[Req]):
    """Runs `work(req, token)` for the newest request only, then `apply(req, result)`.

    `busy(True/False)` brackets every run (the widget's spinner); `failed(req, exc)` gets
    errors so a background failure is shown instead of lost.
    """

    def __init__(
        self,
        work: Callable[[Req, Token], Any],
        apply: Callable[[Req, Any], None],
        busy: Callable[[bool], None],
        failed: Callable[[Req, BaseException], None],
        debounce: float = 0.2,
    ) -> None:
        self._work, self._apply, self._busy, self._failed = work, apply, busy, failed
        self.debounce = debounce
        self._cond = threading.Condition()
        self._pending: tuple[Req, float, Ticket] | None = None
        self._running: tuple[Token, Ticket] | None = None
        self._thread: threading.Thread | None = None
        self.runs = 0  # aggregations started: what debouncing saves is visible in tests
        self.cancelled = 0  # running aggregations interrupted by a newer request

    def submit(self, req: Req, delay: float | None = None) -> Ticket:
        ticket = Ticket()
        due = time.monotonic() + (self.debounce if delay is None else delay)
        with self._cond:
            if self._pending is not None:  # never started: just replaced
                self._pending[2].superseded = True
                self._pending[2].done.set()
            self._pending = (req, due, ticket)
            if self._running is not None:
                self._running[1].superseded = True
                token = self._running[0]
            else:
                token = None
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="lazyscope-plot", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()
        if token is not None and not token.cancelled:
            self.cancelled += 1
            token.cancel()  # outside the lock: engine cancellation may block briefly
        return ticket

    def _next(self) -> tuple[Req, Ticket] | None:
        """Wait for a due request; None (and the thread ends) when there is nothing to do."""
        with self._cond:
            while True:
                if self._pending is None:
                    self._thread = None
                    return None
                req, due, ticket = self._pending
                wait = due - time.monotonic()
                if wait <= 0:
                    self._pending = None
                    return req, ticket
                self._cond.wait(wait)

    def _loop(self) -> None:
        while (item := self._next()) is not None:
            req, ticket = item
            token = Token()
            with self._cond:
                self._running = (token, ticket)
            self.runs += 1
            self._busy(True)
            try:
                self._run_one(req, token, ticket)
            finally:
                with self._cond:
                    self._running = None
                    idle = self._pending is None
                if idle:
                    self._busy(False)
                ticket.done.set()

    def _run_one(self, req: Req, token: Token, ticket: Ticket) -> None:
        try:
            result = self._work(req, token)
            if token.cancelled:
                return
            self._apply(req, result)
        except SupersededError:
            return
        except BaseException as exc:  # shown by `failed`; a worker thread must not die silently
            if token.cancelled:
                return
            ticket.error = exc
            self._failed(req, exc)
