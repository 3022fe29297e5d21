"""Helpers the tests import: where the repository is, and a small client that talks to the kernel
host over the channel layer exactly as a websocket consumer does (the fixtures that make one are
in conftest.py)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from channels.layers import get_channel_layer
from django.conf import settings

from kernels import bus, embedded
from playground import messages

ROOT = Path(__file__).resolve().parent.parent
"""The repository: every path a test reads (README.md, docs/, static/, manage.py) is under it."""
assert (ROOT / "manage.py").is_file() and (ROOT / "tests" / "support.py").is_file(), ROOT

TIMEOUT_S = 120.0
SERVER_ENVIRONMENT = frozenset(os.environ)
"""The server's variables as it started, before any test module imported TensorFlow into this
process (importing it sets variables such as TF2_BEHAVIOR, here and in every kernel alike).
conftest.py imports this module first, so this is read before any test module is."""


@dataclass
class Run:
    """Everything one `execute` produced, in order, up to and including its `done`."""

    messages: list[dict] = field(default_factory=list)

    def of(self, kind: str) -> list[dict]:
        return [m for m in self.messages if m["type"] == kind]

    @property
    def done(self) -> dict:
        return self.of("done")[-1]

    @property
    def results(self) -> dict[int, dict]:
        return {m["lineno"]: m["value"] for m in self.of("result")}

    @property
    def error(self) -> dict | None:
        errors = self.of("error")
        return errors[0] if errors else None

    @property
    def stdout(self) -> str:
        return "".join(m["text"] for m in self.of("stream") if m["name"] == "stdout")

    @property
    def stderr(self) -> str:
        return "".join(m["text"] for m in self.of("stream") if m["name"] == "stderr")


class BusClient:
    """Plays the consumer's part: one owner (browser session), one reply channel."""

    def __init__(self, owner: str | None = None, client: str = ""):
        self.layer = get_channel_layer()
        self.owner = owner or uuid.uuid4().hex
        self.client = client
        self.channel = ""
        self.status_history: list[dict] = []
        self._statuses: list[dict] = []
        self._pending: list[dict] = []
        self._unread: list[dict] = []  # messages of an event not yet handed out

    async def attach(self) -> dict:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(bus.group_name(self.owner), self.channel)
        await self._send(bus.ATTACH(owner=self.owner, reply=self.channel, client=self.client))
        return await self.wait_status(lambda s: s["state"] in ("idle", "dead"))

    async def run(self, code: str, timeout: float = TIMEOUT_S) -> Run:
        request_id = await self.submit(code)
        return await self.collect(request_id, timeout)

    async def submit(self, code: str) -> str:
        request_id = uuid.uuid4().hex
        await self._send(bus.EXECUTE(owner=self.owner, reply=self.channel, id=request_id, code=code))
        return request_id

    async def interrupt(self) -> None:
        await self._send(bus.INTERRUPT(owner=self.owner, reply=self.channel))

    async def restart(self) -> None:
        await self._send(bus.RESTART(owner=self.owner, reply=self.channel))

    async def restart_and_wait(self) -> dict:
        """Restart, then wait for the new kernel (statuses from before the restart are stale)."""
        self._statuses.clear()
        await self.restart()
        await self.wait_status(lambda s: s["state"] == "starting")
        return await self.wait_status(lambda s: s["state"] == "idle")

    async def collect(self, request_id: str, timeout: float = TIMEOUT_S) -> Run:
        run = Run()
        async with asyncio.timeout(timeout):
            while True:
                message = await self.next_message()
                if message.get("id") != request_id:
                    continue
                run.messages.append(message)
                if message["type"] == "done":
                    return run

    async def wait_status(self, predicate, timeout: float = TIMEOUT_S) -> dict:
        """The first status, not yet waited for, that matches (earlier ones are passed over)."""
        async with asyncio.timeout(timeout):
            while True:
                while self._statuses:
                    status = self._statuses.pop(0)
                    if predicate(status):
                        return status
                message = await self._receive()
                if message["type"] != "status":
                    self._pending.append(message)

    async def next_message(self) -> dict:
        if self._pending:
            return self._pending.pop(0)
        return await self._receive()

    async def detach(self) -> None:
        """The page closes, as a websocket closing says it; the session stays for its owner."""
        await self.layer.group_discard(bus.group_name(self.owner), self.channel)
        await self._send(bus.DETACH(owner=self.owner, reply=self.channel, forget=False))

    async def close(self) -> None:
        """Leave, and end the session's kernel so tests do not pile up processes."""
        await self.layer.group_discard(bus.group_name(self.owner), self.channel)
        host = embedded.current()
        session = host.sessions.pop(self.owner, None) if host else None
        if session is not None:
            await session.shutdown("the test is over")

    async def _receive(self) -> dict:
        while not self._unread:
            event = await self.layer.receive(self.channel)
            self._unread.extend(json.loads(text) for _, text in bus.event_items(event))
        message = self._unread.pop(0)
        if message["type"] == "status":
            self.status_history.append(message)
            self._statuses.append(message)
        return message

    async def _send(self, message: dict) -> None:
        await self.layer.send(settings.PLAYGROUND_KERNELHOST_CHANNEL, message)


async def outcome(client: BusClient, code: str) -> str:
    """Run `code` and return the repr of its last line's value, or 'ename: evalue'."""
    run = await client.run(code)
    if run.error:
        return f"{run.error['ename']}: {run.error['evalue']}"
    return list(run.results.values())[-1]["repr"] if run.results else ""


@contextlib.asynccontextmanager
async def session_with_limits(kernel_host, client: str = "", **changes):
    """A new session created while the host runs with `changes` to its limits."""
    original = kernel_host.limits
    kernel_host.limits = dataclasses.replace(original, **changes)
    session = BusClient(client=client)
    try:
        await session.attach()
        yield session
    finally:
        kernel_host.limits = original
        await session.close()


def uploaded_file(name: str, data: bytes):
    """A file as a form posts it to /files/."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


async def ask(client, kind: str, code: str, want: str | None = None, cursor: tuple[int, int] | None = None) -> dict:
    """One question (cursor at the end of the code unless given) and its answer, checked as the page gets it."""
    lines = code.split("\n")
    line, column = cursor or (len(lines), len(lines[-1]))
    question = {"type": kind, "id": uuid.uuid4().hex, "code": code, "line": line, "column": column}
    if want:
        question["want"] = want
    layer = get_channel_layer()
    reply = await layer.new_channel()
    await layer.send(
        settings.PLAYGROUND_KERNELHOST_CHANNEL,
        bus.ASSIST(owner=client.owner, reply=reply, request=question),
    )
    async with asyncio.timeout(30):
        event = await layer.receive(reply)
    (kind_seen, text), *rest = bus.event_items(event)
    answer = messages.check(messages.SERVER, json.loads(text))
    assert not rest and kind_seen == answer["type"] and answer["id"] == question["id"]
    return answer
