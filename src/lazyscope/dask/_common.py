"""Small helpers shared by the Dask metadata readers: cores, sizes, dead futures."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterable
from typing import Any

from lazyscope._errors import LazyscopeError

__all__ = ["check_futures", "cores", "held_bytes", "nbytes"]

_SAMPLE = 1000  # persisted partitions whose sizes are asked for


def cores() -> int | None:
    """Threads the collection would run on: the kernel's cluster, else the default client."""
    from lazyscope._sessions import current

    engine = current("dask")
    if engine is not None and engine.info.cores:
        return engine.info.cores
    if "distributed" in sys.modules:  # never import distributed just to find no client
        from distributed import default_client

        try:
            client = default_client()
        except ValueError:  # no client: the local threaded scheduler
            return os.cpu_count()
        try:
            return int(sum(client.nthreads().values())) or None
        except (OSError, TimeoutError):  # a client that lost its scheduler
            return None
    return os.cpu_count()


def nbytes(obj: Any) -> int:
    """Shallow size of a pandas / NumPy object (deep=False: reading every string is O(n))."""
    usage = getattr(obj, "memory_usage", None)
    if usage is not None:
        total = usage(index=True, deep=False)
        return int(total.sum() if hasattr(total, "sum") else total)
    return int(getattr(obj, "nbytes", 0))


def check_futures(layers: Iterable[Any]) -> None:
    """A persisted collection holds futures; if their client is gone, so is the data."""
    for layer in layers:
        values = layer.values() if hasattr(layer, "values") else ()
        for value in values:
            client = getattr(value, "client", None)
            if client is not None and getattr(client, "status", "") in ("closing", "closed"):
                raise LazyscopeError(
                    "This Dask collection was persisted through a client that has since "
                    "disconnected, so its data is gone. Connect again (%dask start or %dask "
                    "connect) and rebuild it from its source."
                )
            break  # one future tells for the whole layer: they share one client


def held_bytes(layers: Iterable[Any]) -> int | None:
    """Bytes that persisted layers hold in worker memory, as the scheduler counts them (one
    short call, no task); None while any of it is still being computed, or unknown. Past
    _SAMPLE partitions the total is scaled from the first ones, so describing a frame of
    10^6 persisted partitions stays one small call."""
    layers = list(layers)
    total = sum(len(layer) for layer in layers)
    sample = list(itertools.islice((k for layer in layers for k in layer), _SAMPLE))
    if not sample:
        return None
    client = getattr(layers[0][sample[0]], "client", None)
    if client is None:
        return None
    try:
        sizes = client.sync(client.scheduler.nbytes, keys=sample, summary=False, callback_timeout=2)
    except (KeyError, OSError, TimeoutError):  # not in the scheduler yet; a lost scheduler
        return None
    values = list(sizes.values())
    if not values or min(values) < 0:
        return None
    return int(sum(values) * total / len(values))
