"""pandas objects: not lazy, but a user moving to an engine benefits from the same card."""

from __future__ import annotations

from typing import Any

from lazyscope.engines import packages
from lazyscope.model import Column, Meta

__all__ = ["pandas_meta"]


def pandas_meta(obj: Any) -> Meta:
    frame = obj.to_frame() if obj.ndim == 1 else obj
    columns = [Column(str(name), str(dtype)) for name, dtype in frame.dtypes.items()]
    # Shallow memory: deep=True reads every string, which is slow on big frames.
    size = (
        int(obj.memory_usage(index=True, deep=False).sum())
        if obj.ndim == 2
        else int(obj.memory_usage(index=True, deep=False))
    )
    meta = Meta(
        engine="pandas",
        collection=type(obj).__name__,
        columns=columns,
        shape=f"{len(obj):,} rows x {len(columns)} columns",
        size_bytes=size,
        plan_text=f"index: {type(obj.index).__name__} ({obj.index.dtype})",
        partitioned=False,  # the data itself, in memory
    )
    ways = [package.SCALE_OUT for package in packages()]
    meta.notes = [
        "pandas is eager: this is the data itself, in this kernel's memory.",
        f"To scale out: {' or '.join(make for make, _ in ways)}; for data that does not fit "
        f"in memory, read it with {' or '.join(read for _, read in ways)} instead.",
    ]
    return meta
