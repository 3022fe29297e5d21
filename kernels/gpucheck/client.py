"""A session of the GPU check, driven over the bus exactly as a page's websocket consumer does:
attach, run code, restart, and end. One reply channel per session; statuses are kept apart
from runs' messages, so a run reads only its own."""

from __future__ import annotations

import ast
import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from kernels import bus

TIMEOUT_S = 120.0


@dataclass
class Run:
    """One `execute` and what it said up to its `done`, and how long that took here."""

    messages: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error(self) -> dict | None:
        errors = [m for m in self.messages if m["type"] == "error"]
        return errors[0] if errors else None

    @property
    def value(self) -> dict | None:
        """The last result's value (its `repr`, and a tensor's `device`)."""
        results = [m["value"] for m in self.messages if m["type"] == "result"]
        return results[-1] if results else None

    def literal(self) -> object:
        """The last result as a Python value (the kernel shows it as a repr)."""
        value = self.value
        if value is None:
            raise RuntimeError(f"the run gave no result: {self.error or self.messages}")
        return ast.literal_eval(value["repr"])

    def json(self) -> dict:
        """The last result, a JSON string, read back."""
        text = self.literal()
        assert isinstance(text, str), text
        return json.loads(text)


class Session:
    """One owner's session on `host` (a kernels.host.KernelHost), through its channel layer."""

    def __init__(self, host, label: str):
        self.host = host
        self.label = label
        self.owner = f"gpucheck-{label}-{uuid.uuid4().hex[:8]}"
        self.channel = ""
        self.status: dict = {}
        self._statuses: list[dict] = []
        self._messages: list[dict] = []

    @property
    def kernel(self):
        """The session's kernels.process.KernelProcess on the host, or None."""
        session = self.host.sessions.get(self.owner)
        return session.process if session is not None else None

    async def attach(self) -> dict:
        self.channel = await self.host.layer.new_channel()
        await self.host.layer.group_add(bus.group_name(self.owner), self.channel)
        await self._send(bus.ATTACH(owner=self.owner, reply=self.channel, client=""))
        return await self.wait_status(lambda s: s["state"] in ("idle", "dead"))

    async def run(self, code: str, timeout: float = TIMEOUT_S) -> Run:
        request_id, run, started = uuid.uuid4().hex, Run(), time.perf_counter()
        await self._send(bus.EXECUTE(owner=self.owner, reply=self.channel, id=request_id, code=code))
        async with asyncio.timeout(timeout):
            while True:
                while not self._messages:
                    await self._receive()
                message = self._messages.pop(0)
                if message.get("id") == request_id:
                    run.messages.append(message)
                    if message["type"] == "done":
                        run.seconds = time.perf_counter() - started
                        return run

    async def restart(self) -> dict:
        """Restart, and wait for the new kernel."""
        self._statuses.clear()
        await self._send(bus.RESTART(owner=self.owner, reply=self.channel))
        await self.wait_status(lambda s: s["state"] == "starting")
        return await self.wait_status(lambda s: s["state"] in ("idle", "dead"))

    async def wait_status(self, predicate: Callable[[dict], bool], timeout: float = TIMEOUT_S) -> dict:
        """The first status, not yet waited for, that matches (earlier ones are passed over)."""
        async with asyncio.timeout(timeout):
            while True:
                while self._statuses:
                    status = self._statuses.pop(0)
                    if predicate(status):
                        return status
                await self._receive()

    async def close(self) -> None:
        """Leave, and end the session's kernel (its slice is given back)."""
        await self.host.layer.group_discard(bus.group_name(self.owner), self.channel)
        session = self.host.sessions.pop(self.owner, None)
        if session is not None:
            await session.shutdown("the GPU check is over")

    async def _receive(self) -> None:
        """One event from the layer, sorted into statuses and runs' messages."""
        event = await self.host.layer.receive(self.channel)
        for _, text in bus.event_items(event):
            message = json.loads(text)
            if message["type"] == "status":
                self.status = message  # the latest, as the session bar shows it
                self._statuses.append(message)
            else:
                self._messages.append(message)

    async def _send(self, message: dict) -> None:
        await self.host.layer.send(self.host.channel, message)
