"""The toy engine's lazy collection: pandas chunks and the steps to run on each, computed
only when asked. Every step of every chunk is one "task", which the progress sources
listening here count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

__all__ = ["ToyError", "ToyFrame", "listeners"]


class ToyError(Exception):
    """What the toy engine raises for a failed task (its engine error)."""


class Listener(Protocol):
    def task(self, step: str, total: int, done: bool) -> None: ...


listeners: list[Listener] = []  # the progress sources of the running cells


@dataclass(frozen=True)
class Step:
    name: str
    fn: Callable[[pd.DataFrame], pd.DataFrame]


class ToyFrame:
    """`ToyFrame.from_pandas(df, chunks=3).map(fn, "name").compute()`."""

    def __init__(self, chunks: list[pd.DataFrame], steps: tuple[Step, ...] = ()) -> None:
        self.chunks = chunks
        self.steps = steps

    @classmethod
    def from_pandas(cls, df: pd.DataFrame, chunks: int) -> ToyFrame:
        size = -(-len(df) // chunks)
        return cls([df.iloc[i : i + size] for i in range(0, len(df), size)])

    @property
    def dtypes(self) -> pd.Series:
        return self.chunks[0].dtypes

    def map(self, fn: Callable[[pd.DataFrame], pd.DataFrame], name: str) -> ToyFrame:
        return ToyFrame(self.chunks, (*self.steps, Step(name, fn)))

    def compute(self) -> pd.DataFrame:
        done = []
        for chunk in self.chunks:
            for step in self.steps:
                for listener in list(listeners):
                    listener.task(step.name, len(self.chunks), done=False)
                try:
                    chunk = step.fn(chunk)
                except Exception as exc:
                    raise ToyError(f"step {step.name} failed: {exc}") from exc
                for listener in list(listeners):
                    listener.task(step.name, len(self.chunks), done=True)
            done.append(chunk)
        return pd.concat(done)

    def __repr__(self) -> str:
        return f"ToyFrame({len(self.chunks)} chunks, {len(self.steps)} steps)"
