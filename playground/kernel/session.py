"""A visitor's kernel session: the state machine between the browser and one kernel process.

One run at a time goes to the kernel; later ones wait in order. Output for a run goes to the
websocket that asked for it; status changes go to every websocket of the session (tabs,
reloads). The session outlives its process: when a kernel dies or is restarted, the session
reports why and the next run gets a fresh kernel.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .. import protocol
from .limits import Limits
from .pool import KernelPool
from .process import KernelProcess
from .watchdog import CHECK_EVERY_S, MessageRate, RunClock

BUSY_ANNOUNCE_DELAY_S = 0.05


class Outbox(Protocol):
    async def reply(self, channel: str, text: str) -> None: ...
    async def broadcast(self, owner: str, text: str) -> None: ...


@dataclass
class Request:
    id: str
    code: str
    reply: str
    queued_at: float = field(default_factory=time.monotonic)
    stopped_by: dict | None = None  # the limit that stopped it, reported on its `done`
    rate: MessageRate | None = None


class KernelSession:
    def __init__(
        self,
        owner: str,
        pool: KernelPool,
        outbox: Outbox,
        limits: Limits,
        admit: Callable[[KernelSession], str | None] = lambda session: None,
        client: str = "",
    ):
        self.owner = owner
        self.client = client
        self._admit = admit
        self.state = "starting"
        self.reason: str | None = None
        self.process: KernelProcess | None = None
        self.last_activity = time.monotonic()
        self._pool = pool
        self._outbox = outbox
        self._limits = limits
        self._queue: deque[Request] = deque()
        self._current: Request | None = None
        self._starter: asyncio.Task | None = None
        self._starting = False
        self._reader: asyncio.Task | None = None
        self._escalation: asyncio.Task | None = None
        self._watchdog: asyncio.Task | None = None
        self._announcer: asyncio.Task | None = None
        self._announced = ""  # the last state the browsers were told
        self._file_replies: dict[str, str] = {}  # files request ref -> the reply channel waiting

    @property
    def running(self) -> bool:
        return self._current is not None or bool(self._queue)

    def idle_seconds(self) -> float:
        return 0.0 if self.running else time.monotonic() - self.last_activity

    def status(self) -> dict:
        kernel = self.process.info if self.process else None
        return protocol.status(self.state, reason=self.reason, kernel=kernel, queued=len(self._queue))

    async def attach(self, reply: str) -> None:
        self.last_activity = time.monotonic()
        self._ensure_started()
        await self._send(reply, self.status())

    async def execute(self, request: Request) -> None:
        self.last_activity = time.monotonic()
        if len(self._queue) >= self._limits.max_queued_runs:
            limit = self._limits.max_queued_runs
            await self._fail(request, "QueueFull", f"{limit} runs are already waiting; wait for them or Interrupt.")
            return
        self._queue.append(request)
        self._ensure_started()
        await self._pump()

    async def interrupt(self) -> None:
        """Stop the run in progress and cancel the ones waiting; the variables stay."""
        while self._queue:
            waiting = self._queue.popleft()
            await self._send(waiting.reply, protocol.done(waiting.id, False, cancelled=True))
        self._interrupt_current()

    def _interrupt_current(self) -> None:
        current, process = self._current, self.process
        if current is None or process is None:
            return
        process.send({"type": "interrupt", "id": current.id})
        if self._escalation is None or self._escalation.done():
            self._escalation = asyncio.create_task(self._escalate(current, process))

    async def restart(self) -> None:
        await self._end_process("KernelRestarted", "the kernel was restarted")
        self.reason = None
        self._ensure_started()

    async def shutdown(self, reason: str) -> None:
        await self._end_process("KernelShutdown", reason)
        await self._set_state("dead", reason)

    def files_request(self, request: object, reply: str) -> str | None:
        """Pass a scratch-folder request to the kernel (its answer goes to `reply`); or say why not."""
        if self.process is None or self.state not in ("idle", "busy"):
            return "this session has no kernel running"
        if not isinstance(request, dict) or request.get("type") not in protocol.FILE_REQUESTS:
            return "not a file request"
        keys = ("type", "ref", "name", "offset", "data_b64", "append")
        if len(self._file_replies) > 64:  # answers a view stopped waiting for
            self._file_replies.clear()
        self._file_replies[str(request.get("ref"))] = reply
        self.process.send({k: request[k] for k in keys if k in request})
        return None

    def _ensure_started(self) -> None:
        # A flag, not the task's state: a request may arrive while a failed start is still
        # reporting its failure, and it must get a new start rather than wait forever.
        if self.process is None and not self._starting:
            self._starting = True
            self._starter = asyncio.create_task(self._start(), name=f"kernel-start-{self.owner[:8]}")

    async def _start(self) -> None:
        try:
            await self._set_state("starting", self.reason)
            refusal = self._admit(self)
            if refusal:
                raise RuntimeError(refusal)
            process = await self._pool.acquire()
        except Exception as exc:
            self._starting = False
            reason = f"no kernel could be started: {exc}"
            await self._fail_all("KernelUnavailable", reason)
            await self._set_state("dead", reason)
            return
        self.process = process
        self._starting = False
        self._reader = asyncio.create_task(self._read(process), name=f"kernel-read-{self.owner[:8]}")
        await self._set_state("idle", None)
        await self._pump()

    async def _pump(self) -> None:
        if self.state != "idle" or self._current is not None or not self._queue or self.process is None:
            return
        request = self._current = self._queue.popleft()
        request.rate = MessageRate(self._limits.max_messages_per_s)
        self.process.send({"type": "execute", "id": request.id, "code": request.code})
        self._watchdog = asyncio.create_task(self._watch(request, self.process), name="kernel-run-watchdog")
        await self._set_state("busy", None)

    async def _read(self, process: KernelProcess) -> None:
        async for message, text in process.messages():
            await self._on_kernel_message(message, text)
        if process is self.process:
            await self._on_process_end(process)

    async def _on_kernel_message(self, message: dict, text: str) -> None:
        if message.get("type") in protocol.FILE_REPLIES:
            reply = self._file_replies.pop(str(message.get("ref")), None)
            if reply is not None:
                await self._outbox.reply(reply, text)
            return
        current = self._current
        if current is None or message.get("id") != current.id:
            if message.get("type") == protocol.STREAM:  # output of a thread the user left running
                await self._outbox.broadcast(self.owner, text)
            return
        kind = message.get("type")
        if kind not in (protocol.DONE, protocol.ERROR) and not current.rate.allow():
            if current.rate.first_drop():
                limit = self._limits.max_messages_per_s
                note = f"\n[output dropped: more than {limit} messages a second (PLAYGROUND_MAX_MESSAGES_PER_S)]\n"
                await self._notice(current, note)
            return
        if kind == protocol.DONE and current.stopped_by:
            text = json.dumps({**message, "stopped_by": current.stopped_by})
        await self._outbox.reply(current.reply, text)
        if kind == protocol.DONE:
            self._current = None
            self.last_activity = time.monotonic()
            await self._set_state("idle", None)
            await self._pump()

    async def _on_process_end(self, process: KernelProcess) -> None:
        reason = await process.death_reason()
        self.process = None
        await self._pool.discard(process, reason)
        await self._fail_all(
            "KernelDied", f"{_capital(reason)}. Its variables are lost; the next run starts a new kernel."
        )
        await self._set_state("dead", reason)

    async def _end_process(self, ename: str, reason: str) -> None:
        process, self.process = self.process, None
        for task in (self._reader, self._escalation, self._starter, self._watchdog):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self._starting = False
        await self._fail_all(ename, f"{_capital(reason)}.")
        if process is not None:
            await self._pool.discard(process, reason)

    async def _watch(self, request: Request, process: KernelProcess) -> None:
        clock = RunClock(self._limits, process.host_pid)
        while self._current is request and self.process is process:
            await asyncio.sleep(CHECK_EVERY_S)
            verdict = clock.check()
            if verdict is None or self._current is not request:
                continue
            await self._notice(request, verdict.text)
            if verdict.stop:
                request.stopped_by = {"limit": verdict.limit, "value": verdict.value}
                self._interrupt_current()
                return

    async def _notice(self, request: Request, text: str) -> None:
        await self._send(request.reply, {"type": protocol.STREAM, "id": request.id, "name": "stderr", "text": text})

    async def _escalate(self, request: Request, process: KernelProcess) -> None:
        await asyncio.sleep(self._limits.interrupt_grace_s)
        if self._current is request and self.process is process:
            grace = self._limits.interrupt_grace_s
            process.kill(f"the run did not stop within {grace:g} s of Interrupt, so its kernel was ended")

    async def _fail_all(self, ename: str, evalue: str) -> None:
        failed = [self._current, *self._queue] if self._current else list(self._queue)
        self._current = None
        self._queue.clear()
        for request in failed:
            await self._fail(request, ename, evalue)

    async def _fail(self, request: Request, ename: str, evalue: str) -> None:
        await self._send(request.reply, protocol.error(request.id, ename, evalue))
        await self._send(request.reply, protocol.done(request.id, False))

    async def _set_state(self, state: str, reason: str | None) -> None:
        announced = self._announced
        self.state, self.reason = state, reason
        if state == "busy":
            # Most runs end within milliseconds: announce `busy` only for runs still going after
            # BUSY_ANNOUNCE_DELAY_S, so a quick run costs no status broadcasts at all (two group
            # sends per run were the largest cost of a round trip through Redis).
            self._announcer = asyncio.create_task(self._announce_busy(self._current))
            return
        if self._announcer is not None:
            self._announcer.cancel()
            self._announcer = None
        if state == announced == "idle" and reason is None:
            return  # busy was never announced: nothing changed for the browser
        self._announced = state
        await self._outbox.broadcast(self.owner, json.dumps(self.status()))

    async def _announce_busy(self, request: Request | None) -> None:
        await asyncio.sleep(BUSY_ANNOUNCE_DELAY_S)
        if self.state == "busy" and self._current is request:
            self._announced = "busy"
            await self._outbox.broadcast(self.owner, json.dumps(self.status()))

    async def _send(self, channel: str, message: dict) -> None:
        await self._outbox.reply(channel, json.dumps(message))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
