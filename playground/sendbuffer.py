"""A bounded send buffer for one websocket: a browser that stops reading costs the server at
most `limit_bytes`, never more.

The consumer hands every message to the buffer at once and one task writes them out in order,
waiting whenever the connection is not writable (uvicorn's websocket protocol waits for the
transport to drain). While the buffer is over its limit, a fit's batch progress is coalesced
(only the latest moves the bar), its epochs are thinned (every other one queued goes, the first
and last stay: the curve keeps its shape, as TensorBoard samples), output and results are dropped
with one notice, and what ends or explains a run (`done`, `error`, `status`, file replies) is
always kept: there are few of those.

What is queued when the writer runs leaves as one frame, its messages separated by newlines
(docs/protocol.md): a quick run's result, variables and done are one websocket frame, not three,
and a frame's cost on the server (ASGI, framing, compression, a socket write) is paid once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import deque
from collections.abc import Awaitable, Callable

from . import messages, metrics

DROPPABLE = frozenset({"stream", "result", "variables"})
FOLLOWED = "follow"  # the teacher's output, for a page that follows it: dropped first, without a notice
NOTICE = "\n[output dropped: the page was not reading fast enough; the run goes on]\n"
# Every message names its run near its start ("type" and "id" come first as senders build them);
# reading it there spares parsing a large message only to drop it.
_RUN_ID = re.compile(r'"id":\s*"([^"\\]{1,128})"')
_EVENT = re.compile(r'"event":\s*"([a-z_]{1,16})"')
CURVE_EVENTS = frozenset({"epoch", "end"})  # what the Training panel draws and lists
FRAME_BYTES = 256 * 1024  # messages join one frame up to this size; a larger message goes alone


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
        if self._bytes + len(text) > self._limit and kind in DROPPABLE | {"progress", FOLLOWED}:
            self._make_room(kind, text)
            return
        self._append(kind, text)

    async def close(self) -> None:
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer

    def _make_room(self, kind: str, text: str) -> None:
        if kind == "progress":
            # Batches only move the bar: the latest will do.
            self._replace([(k, t) for k, t in self._queue if k != "progress" or _curve_event(t) is not None])
            if _curve_event(text) is not None:
                while not self._fits(text) and self._thin_epochs():
                    pass
            if self._fits(text):
                self._append(kind, text)
            return
        metrics.BUFFER_DROPS.inc()
        if kind == FOLLOWED:
            return
        run = _run_id(text)
        if run not in self._noted:  # one notice per run; small, so it always fits
            self._noted.add(run)
            self._append("stream", json.dumps(messages.STREAM(id=run, name="stderr", text=NOTICE)))

    def _fits(self, text: str) -> bool:
        return self._bytes + len(text) <= self._limit

    def _thin_epochs(self) -> bool:
        """Drop every other queued epoch but the first and the last; False when none is left to drop."""
        epochs = [i for i, (k, t) in enumerate(self._queue) if k == "progress" and _curve_event(t) == "epoch"]
        dropped = set(epochs[1:-1:2])
        if dropped:
            self._replace([item for i, item in enumerate(self._queue) if i not in dropped])
        return bool(dropped)

    def _replace(self, kept: list[tuple[str, str]]) -> None:
        self._queue = deque(kept)
        self._bytes = sum(len(t) for _, t in kept)

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
                await self._send(self._next_frame())

    def _next_frame(self) -> str:
        texts: list[str] = []
        size = 0
        while self._queue and (not texts or size + len(self._queue[0][1]) < FRAME_BYTES):
            _, text = self._queue.popleft()
            texts.append(text)
            size += len(text)
        self._bytes -= size
        return "\n".join(texts)


def _curve_event(text: str) -> str | None:
    found = _EVENT.search(text, 0, 300)
    return found.group(1) if found and found.group(1) in CURVE_EVENTS else None


def _run_id(text: str) -> str | None:
    found = _RUN_ID.search(text, 0, 300)
    return found.group(1) if found else None
