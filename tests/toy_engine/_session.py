"""The toy engine's session (an `Engine`) and its progress source (a `ProgressSource`)."""

from __future__ import annotations

from typing import Any

from lazyscope._sessions import SessionInfo
from lazyscope.model import ProgressBoard, StageProgress

from . import _frame

__all__ = ["ToyProgress", "ToySession"]


class ToySession:
    name = "toy"

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.info = SessionInfo(engine="toy", address="toy://in-process", workers=chunks)

    def status(self) -> SessionInfo:
        return self.info

    def stop(self) -> None:
        """Nothing runs outside the kernel."""

    def namespace(self) -> dict[str, Any]:
        return {"toy": self}

    def conflicts(self, wanted: dict[str, Any]) -> list[str]:
        chunks = wanted.get("chunks")
        if chunks is not None and chunks != self.chunks:
            return [f"--chunks {chunks} (running: {self.chunks})"]
        return []


class ToyProgress:
    """Counts the tasks of every step the cell computes, one stage per step."""

    def __init__(self) -> None:
        self.board = ProgressBoard("Toy")
        self._stages: dict[str, StageProgress] = {}

    def task(self, step: str, total: int, done: bool) -> None:
        stage = self._stages.setdefault(step, StageProgress(step, f"step {step}", 0))
        if done:
            stage.done += 1
            stage.running -= 1
        else:
            stage.total = max(stage.total, stage.done + stage.running + 1, total)
            stage.running += 1
        self.board.put(StageProgress(**vars(stage)))

    def start(self) -> None:
        _frame.listeners.append(self)

    def poll(self) -> None:
        """The frame pushes its counts."""

    def cancel(self) -> None:
        """Toy tasks are too short to stop."""

    def stop(self, error: BaseException | None) -> None:
        if self in _frame.listeners:
            _frame.listeners.remove(self)
