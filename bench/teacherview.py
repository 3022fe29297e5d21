"""The teacher's view as the benches read it: its websocket, every `student` message with when it
arrived (bench/classroom.py matches them to the students' runs)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass

from .classes import Browser
from .site import connect, next_message


@dataclass(frozen=True)
class Update:
    """A `student` message at the teacher's: when it arrived, whose, and what it said."""

    at: float
    name: str
    runs: int
    state: str


class TeacherView:
    """The teacher's websocket, read all along: every `student` message, when it arrived."""

    def __init__(self, websocket) -> None:
        self.websocket = websocket
        self.updates: list[Update] = []
        self.frames = 0
        self.bytes = 0
        self._reader: asyncio.Task | None = None

    @classmethod
    async def open(cls, base: str, teacher: Browser, code: str) -> TeacherView:
        websocket = await connect(base, teacher.cookie(), path=f"/ws/class/{code}/")
        roster = await next_message(websocket)
        assert roster["type"] == "roster", roster
        view = cls(websocket)
        view._reader = asyncio.create_task(view._read())
        return view

    async def _read(self) -> None:
        with contextlib.suppress(Exception):  # closed at the end
            while True:
                frame = await self.websocket.recv()
                at = time.perf_counter()
                self.frames += 1
                self.bytes += len(frame)
                for line in frame.split("\n"):
                    message = json.loads(line)
                    if message["type"] == "student":
                        student = message["student"]
                        self.updates.append(Update(at, student["name"], student["runs"], student["state"]))

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self.websocket.close()
