"""A bounded send buffer for one websocket: a browser that stops reading costs the server at
most `limit_bytes`, never more.

The consumer hands every message to the buffer at once and one task writes them out in order,
waiting whenever the connection is not writable (uvicorn's websocket protocol waits for the
transport to drain). While the buffer is over its limit, progress is coalesced (only the latest
is kept), output and results are dropped with one notice, and what ends or explains a run
(`done`, `error`, `status`, file replies) is always kept: there are few of those.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import deque
from collections.abc import Awaitable, Callable

from . import messages

DROPPABLE = frozenset({"stream", "result", "variables"})
NOTICE = "\n[output dropped: the page was not reading fast enough; the run goes on]\n"
# Every message names its run near its start ("type" and "id" come first as senders build them);
# reading it there spares parsing a large message only to drop it.
_RUN_ID = re.compile(r'"id":\s*"([^"\\]{1,128})"')


class SendBuffer:
    def __init__(self, send: Callable[[str], Awaitable[None]], limit_bytes: int):
        self._send = send
        self._limit = limit_bytes
        self._queue: deque[tuple[str, str]] = deque()  # (kind, text)
        self._bytes = 0
        self._noted: set[str | None] = set()  # runs told that output was dropped
        self._ready = asyncio.Event()
        self._writer = asyncio.create_task(self._write_loop(), name="websocket-writer")

    @property
    def queued_bytes(self) -> int:
        return self._bytes

    def put(self, kind: str, text: str) -> None:
        if self._bytes + len(text) > self._limit and kind in DROPPABLE | {"progress"}:
            self._make_room(kind, text)
            return
        self._append(kind, text)

    async def close(self) -> None:
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer

    def _make_room(self, kind: str, text: str) -> None:
        if kind == "progress":  # only the latest matters: replace every queued one
            kept = [(k, t) for k, t in self._queue if k != "progress"]
            self._queue = deque(kept)
            self._bytes = sum(len(t) for _, t in kept)
            if self._bytes + len(text) <= self._limit:
                self._append(kind, text)
            return
        run = _run_id(text)
        if run not in self._noted:  # one notice per run; small, so it always fits
            self._noted.add(run)
            self._append("stream", json.dumps(messages.stream(run, "stderr", NOTICE)))

    def _append(self, kind: str, text: str) -> None:
        self._queue.append((kind, text))
        self._bytes += len(text)
        if kind == "done":
            self._noted.discard(_run_id(text))
        self._ready.set()

    async def _write_loop(self) -> None:
        while True:
            await self._ready.wait()
            self._ready.clear()
            while self._queue:
                _, text = self._queue.popleft()
                self._bytes -= len(text)
                await self._send(text)


def _run_id(text: str) -> str | None:
    found = _RUN_ID.search(text, 0, 300)
    return found.group(1) if found else None
