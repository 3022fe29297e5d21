"""A kernel host: serves `kernel.*` requests from the channel layer with a pool of kernels.

In the embedded default it runs as a task inside the web process (started by the ASGI
lifespan, or by the first websocket); a separate `kernelhost` process runs the same class.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import tempfile
from collections import OrderedDict
from pathlib import Path

from channels.exceptions import ChannelFull

from kernel_runtime import protocol
from playground import messages, metrics

from . import admission, assistant, bus, patrol
from .classreport import ClassTag, StudentSummary
from .delivery import Request
from .limits import Limits
from .placement import HEARTBEAT_EVERY_S, LocalPlacement, Placement
from .pool import KernelPool
from .sandbox import SandboxSettings
from .session import KernelSession
from .starts import StartBudget

log = logging.getLogger(__name__)

PATROL_EVERY_S = 1.0
MAX_FAREWELLS = 10_000  # owners told why their kernel went, when they come back


class KernelHost:
    def __init__(
        self,
        layer,
        channel: str,
        limits: Limits,
        sandbox_settings: SandboxSettings,
        scratch_root: Path | None = None,
        placement: Placement | None = None,
    ):
        self.layer = layer
        self.channel = channel
        self.placement = placement or LocalPlacement(channel)
        self.limits = limits
        self.sessions: dict[str, KernelSession] = {}
        self._own_scratch = scratch_root is None
        self._scratch_root = scratch_root or Path(tempfile.mkdtemp(prefix="playground-kernels-"))
        self.pool = KernelPool(self._scratch_root, limits, sandbox_settings)
        self.starts = StartBudget(limits.kernel_starts_per_minute, limits.client_kernel_starts_per_minute)
        self._tasks: list[asyncio.Task] = []
        self._outgoing: dict[str, list[tuple[str, str]]] = {}  # consumer channel -> (type, text) not yet sent
        self._senders: dict[str, asyncio.Task] = {}  # consumer channel -> the task sending them
        self._farewells: OrderedDict[str, str] = OrderedDict()  # owner -> why its kernel was shut down

    def start(self) -> asyncio.Task:
        """Start serving at once; the returned task finishes when the pool is warm."""
        warm = asyncio.create_task(self.pool.start(), name="kernelhost-warm")
        self._tasks = [
            asyncio.create_task(self._receive_loop(), name="kernelhost-receive"),
            asyncio.create_task(self._patrol_loop(), name="kernelhost-patrol"),
            asyncio.create_task(self._heartbeat_loop(), name="kernelhost-heartbeat"),
            warm,
        ]
        return warm

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await self.placement.withdraw(self.channel)
        for session in list(self.sessions.values()):
            with contextlib.suppress(Exception):
                await session.shutdown("the server is shutting down")
        await self.pool.close()
        if self._own_scratch:
            shutil.rmtree(self._scratch_root, ignore_errors=True)

    async def handle(self, message: dict) -> None:
        kind, owner = message.get("type"), message.get("owner")
        if not isinstance(owner, str):
            return
        if kind == bus.FILES.type:  # never starts a kernel: only a session's running one has files
            await self._files(owner, message)
            return
        if kind == bus.ASSIST.type:  # nor does a question: the running kernel answers, or nobody
            await self._assist(owner, message)
            return
        if kind == bus.RECORD.type:  # a view reads what a session's pages saw
            session = self.sessions.get(owner)
            record = session.record.as_json() if session is not None else {"runs": [], "dropped": 0}
            await self.reply(message["reply"], "record", json.dumps(messages.RECORD(**record)))
            return
        if kind == bus.RESERVE.type:  # a class opened (or closed): kernels held ready for it
            count, seconds = message.get("count"), message.get("seconds")
            if isinstance(count, int) and isinstance(seconds, int | float):
                self.pool.reserve(owner, max(0, count), float(seconds))
            return
        if kind == bus.SUMMARY.type:  # a teacher's view asks how a student is doing
            await self._summary(owner, message["reply"])
            return
        if kind == bus.DETACH.type:
            await self._detach(owner, message)
            return
        if kind == bus.PRESENT.type:  # renews a page's lease; never brings an ended session back
            if owner in self.sessions:
                self.sessions[owner].present(str(message.get("reply")))
            return
        session = self.sessions.get(owner)
        if session is None:
            client = str(message.get("client", ""))
            session = KernelSession(owner, self.pool, self, self.limits, admit=self._admit, client=client)
            session.farewell = self._farewells.pop(owner, None)
            self.sessions[owner] = session
        if kind == bus.ATTACH.type:
            if isinstance(message.get("classroom"), dict):  # else the page says nothing of classes
                session.join_class(ClassTag.of(message["classroom"]), self.publish)
            await session.attach(message["reply"])
        elif kind == bus.EXECUTE.type:
            checks = message.get("checks")
            checks = checks if isinstance(checks, list) else []
            await session.execute(Request(message["id"], message["code"], message["reply"], checks=checks))
        elif kind == bus.SEED.type:  # a link's file, written before the session's next run
            session.files.seeds.add(message.get("name"), message.get("data_b64"), message.get("append"))
        elif kind == bus.INTERRUPT.type:
            await session.interrupt()
        elif kind == bus.RESTART.type:
            await session.restart()

    async def _files(self, owner: str, message: dict) -> None:
        request, session = message.get("request"), self.sessions.get(owner)
        ref = request.get("ref") if isinstance(request, dict) else None
        refusal = session.files_request(request, message["reply"]) if session else "this session has no kernel"
        if refusal:
            reply = protocol.FILES_ERROR(ref=ref, code="no_kernel", message=refusal)
            await self.reply(message["reply"], reply["type"], json.dumps(reply))

    async def _assist(self, owner: str, message: dict) -> None:
        session = self.sessions.get(owner)
        if session is None:
            await assistant.Assistant(self).ask(None, message["request"], message["reply"])
        else:
            await session.ask(message["request"], message["reply"])

    async def _summary(self, owner: str, reply: str) -> None:
        session = self.sessions.get(owner)
        report = session.report if session is not None else None
        summary = report.summary.as_json() if report is not None else StudentSummary(seat=-1, kernel="dead").as_json()
        await self.reply(reply, "summary", json.dumps(summary))

    async def publish(self, group: str, event: dict) -> None:
        """A class event to every web process with a view of the class (classreport.py)."""
        try:
            await self.layer.group_send(group, event)
        except Exception as exc:  # the teacher's view catches up at its next summary
            log.warning("could not publish to %s (%s)", group, exc)

    async def _detach(self, owner: str, message: dict) -> None:
        session = self.sessions.get(owner)
        if session is None:
            return
        session.detach(str(message.get("reply")))
        if message.get("forget") and not session.attached:  # nobody can come back to it
            await self._end_session(owner, "its page was closed", farewell=False)

    async def _admit(self, session: KernelSession) -> str | None:
        """Make room for `session`'s kernel, evicting an idle one if need be; or say why not."""
        too_often = self.starts.refusal(session.owner, session.client)
        if too_often:
            metrics.refused("kernel_starts")
            return too_often
        victim = admission.client_victim(self.sessions.values(), session, self.limits) if session.client else None
        if isinstance(victim, str):
            metrics.refused("client_kernels")
            return victim
        if victim is None and not self.pool.has_room(session.reserved_for):
            candidates = admission.evictable(self.sessions.values(), session)
            victim = candidates[0] if candidates else None
        if victim is not None:
            await self._end_session(victim.owner, admission.eviction_notice(victim))
        return None

    async def _end_session(self, owner: str, reason: str, farewell: bool = True) -> None:
        session = self.sessions.pop(owner, None)
        if session is None:
            return
        if farewell:  # before the kernel has ended: its owner may be back on a new session by then
            self._farewells[owner] = reason
            while len(self._farewells) > MAX_FAREWELLS:
                self._farewells.popitem(last=False)
        await session.shutdown(reason)

    async def reply(self, channel: str, kind: str, text: str) -> None:
        """Queue a message for one consumer; what a kernel wrote in one go leaves as one event.

        A quick run's result, variables and done arrive together; sending them as one channel
        layer message instead of three is most of a round trip's cost through Redis. One sender
        per channel keeps the order."""
        self._outgoing.setdefault(channel, []).append((kind, text))
        if channel not in self._senders:
            self._senders[channel] = asyncio.create_task(self._drain(channel))

    async def broadcast(self, owner: str, kind: str, text: str) -> None:
        # Keep order: what was said to one of the session's pages goes out first. Only its own
        # pages' sends are waited for: waiting for every consumer's made each of a class's 50
        # status broadcasts wait on all 50 sessions' sends (a third of the web process's time
        # in a burst). asyncio.wait, not gather: a broadcast that is itself cancelled (a busy
        # status overtaken by its run's end) must not cancel a consumer's send with it.
        session = self.sessions.get(owner)
        members = session.attached if session is not None else ()
        sending = [self._senders[channel] for channel in members if channel in self._senders]
        if sending:
            await asyncio.wait(sending)
        await self.layer.group_send(bus.group_name(owner), bus.texts_event([(kind, text)]))

    async def _drain(self, channel: str) -> None:
        try:
            while self._outgoing.get(channel):
                items = self._outgoing.pop(channel)
                try:
                    await self.layer.send(channel, bus.texts_event(items))
                except ChannelFull:
                    log.warning("dropped %d messages for %s: its channel is full", len(items), channel)
                except Exception as exc:  # e.g. Redis restarting
                    log.warning("could not reach %s (%s)", channel, exc)
        finally:
            self._senders.pop(channel, None)

    async def patrol(self) -> None:
        """Memory, processes, idle CPU, pages closed (or silent past their lease) past their grace, kernels idle past
        the timeout."""
        limits = self.limits
        await self._relieve_memory()
        for owner, session in list(self.sessions.items()):
            await patrol.check(session)
            if session.idle_seconds() >= limits.idle_timeout_s:
                await self._end_session(
                    owner, f"the kernel was shut down after {_duration(limits.idle_timeout_s)} without a run"
                )
            elif session.holds_kernel and session.detached_seconds() >= limits.detached_grace_s:
                grace = _duration(limits.detached_grace_s)
                await self._end_session(owner, f"the kernel was shut down {grace} after its page was closed")

    async def _relieve_memory(self) -> None:
        used = {}
        for session in self.sessions.values():
            memory = session.process.memory_used() if session.process is not None else None
            if memory is not None:
                used[session] = memory + session.record.bytes  # the record is the session's too
        for victim in admission.memory_relief(used, self.limits.memory_budget_bytes):
            await self._end_session(victim.owner, admission.memory_notice(used[victim]))

    async def _receive_loop(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception as exc:  # e.g. Redis restarting: keep the kernels, try again
                log.warning("kernel host cannot receive (%s); retrying", exc)
                await asyncio.sleep(1.0)
                continue
            try:
                await self.handle(message)
            except Exception:
                log.exception("kernel host failed on %s", message.get("type"))

    async def _heartbeat_loop(self) -> None:
        while True:
            try:
                await self.placement.heartbeat(self.channel, self.pool.free, self.pool.gpus.free_slots)
            except Exception as exc:
                log.warning("kernel host heartbeat failed (%s)", exc)
            await asyncio.sleep(HEARTBEAT_EVERY_S)

    async def _patrol_loop(self) -> None:
        while True:
            await asyncio.sleep(PATROL_EVERY_S)
            try:
                await self.patrol()
            except Exception:
                log.exception("the kernel host's patrol failed")


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} s"
