"""A visitor's kernel session: the state machine between the browser and one kernel process.

One run at a time goes to the kernel; later ones wait in order. A run's output goes to every
page of the session and into its record (delivery.py, record.py), as do status changes. The
session outlives its process: when a kernel dies or is restarted, it says why and the next run
gets a fresh kernel.

The kernel is untrusted: what it sends is counted here (watchdog.Traffic) and only the current
run's messages reach the browser; its CPU is read from its cgroup, during runs and between them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable

from kernel_runtime import protocol
from playground import messages, metrics

from .announce import StatusAnnouncer
from .assistant import Assistant, QuestionCpu
from .checks import ExerciseChecks
from .classreport import ClassReport, ClassTag, Publish
from .delivery import Delivery, Outbox, Request
from .limits import Limits
from .pages import OpenPages
from .pool import KernelPool
from .process import KernelProcess
from .record import SessionRecord
from .sessionfiles import SessionFiles
from .variables import KnownVariables
from .watchdog import CHECK_EVERY_S, END, FORWARD, IdleCpu, RunClock, Traffic


async def _admit_all(session: KernelSession) -> str | None:
    return None


class KernelSession:
    def __init__(
        self,
        owner: str,
        pool: KernelPool,
        outbox: Outbox,
        limits: Limits,
        admit: Callable[[KernelSession], Awaitable[str | None]] = _admit_all,
        client: str = "",
    ):
        self.owner = owner
        self.client = client
        self._admit = admit
        self.state = "starting"
        self.reason: str | None = None
        self.farewell: str | None = None  # why the previous kernel went, told once the next is ready
        self.process: KernelProcess | None = None
        self.last_activity = time.monotonic()
        self.attached = OpenPages()  # reply channels of the websockets open on this session
        self._pool = pool
        self._outbox = outbox
        self.limits = limits
        self._traffic = Traffic(limits)
        self.idle_cpu = IdleCpu(limits.idle_cpu_seconds)
        self._queue: deque[Request] = deque()
        self._current: Request | None = None
        self._starter: asyncio.Task | None = None
        self._starting = False
        self._reader: asyncio.Task | None = None
        self._escalation: asyncio.Task | None = None
        self._watchdog: asyncio.Task | None = None
        # Timers, not tasks: most runs end before either fires, and a cancelled timer costs
        # them nothing (a task per run, woken to find its run over, was a cgroup read each).
        self._first_check: asyncio.TimerHandle | None = None
        self._announcer = StatusAnnouncer(owner, outbox, self.status)  # what the pages are told of the state
        self.assistant = Assistant(outbox)  # the editor's questions in flight (assistant.py)
        self.variables = KnownVariables()  # the last `variables`, for pages that have not heard them
        self.record = SessionRecord(limits.record_limits)  # every run as the pages saw it (record.py)
        self.delivery = Delivery(owner, outbox, self.attached, self.record, self.variables)
        self.checks = ExerciseChecks()  # the current run's exercise checks, once it has ended
        self.files = SessionFiles(outbox)  # its scratch folder's requests, and a link's files (seeds.py)

    @property
    def running(self) -> bool:
        return self._current is not None or bool(self._queue)

    @property
    def current(self) -> Request | None:
        """The run the kernel is on (its exercise's checks included)."""
        return self._current

    @property
    def holds_kernel(self) -> bool:
        return self.process is not None or self._starting

    def idle_seconds(self) -> float:
        return 0.0 if self.running else time.monotonic() - self.last_activity

    def detached_seconds(self) -> float:
        """How long no page has been open on this session while it ran nothing."""
        closed_at = self.attached.closed_at
        if self.attached or self.running or closed_at is None:
            return 0.0
        return time.monotonic() - max(closed_at, self.last_activity)

    def status(self) -> dict:
        kernel = self.process.info if self.process else None
        return messages.STATUS(state=self.state, reason=self.reason, kernel=kernel, queued=len(self._queue))

    @property
    def reserved_for(self) -> str | None:
        """Whose ready kernels this session may take: its class's (bus.RESERVE), when it is in one."""
        return f"class:{self.report.tag.code}" if self.report is not None else None  # classroom/warm.py

    @property
    def report(self) -> ClassReport | None:
        """The session's class, told of its runs and state (classreport.py); None outside a class."""
        return self.delivery.report

    def join_class(self, tag: ClassTag | None, publish: Publish) -> None:
        """A page says which class the session is in from now on; None: it left its class."""
        self.delivery.join_class(tag, publish, self.state)

    async def attach(self, reply: str) -> None:
        self.last_activity = time.monotonic()
        self.attached.heard(reply)
        self.delivery.pages_changed()
        self._ensure_started()
        await self.delivery.send(reply, self.status())
        for part in self.record.parts():  # then what is live follows
            await self.delivery.send(reply, messages.RECORD(**part))
        await self.delivery.variables_owed(reply)

    def detach(self, reply: str) -> None:
        self.attached.close(reply)
        self.variables.left(reply)
        self.delivery.pages_changed()

    def present(self, reply: str) -> None:
        """A page's web process says it is still open (its detach may never come: pages.py)."""
        self.attached.heard(reply)

    async def execute(self, request: Request) -> None:
        self.last_activity = time.monotonic()
        if len(self._queue) >= self.limits.max_queued_runs:
            limit = self.limits.max_queued_runs
            await self._fail(request, "QueueFull", f"{limit} runs are already waiting; wait for them or Interrupt.")
            return
        self._queue.append(request)
        self._ensure_started()
        await self._pump()

    async def interrupt(self) -> None:
        """Stop the run in progress and cancel the ones waiting; the variables stay."""
        while self._queue:
            waiting = self._queue.popleft()
            await self.delivery.send(waiting.reply, messages.DONE_SEEN(id=waiting.id, ok=False, cancelled=True))
        self.interrupt_current()

    def interrupt_current(self) -> None:
        current, process = self._current, self.process
        if current is None or process is None:
            return
        checking = self.checks.current
        process.send(protocol.INTERRUPT(id=checking.id if checking is not None else current.id))
        if self._escalation is None or self._escalation.done():
            self._escalation = asyncio.create_task(self._escalate(current, process))

    async def restart(self) -> None:
        if self._starting:  # a fresh kernel is on its way: this restart is the same one
            return
        await self._end_process("KernelRestarted", "the kernel was restarted")
        self.reason = None
        self._ensure_started()

    async def shutdown(self, reason: str) -> None:
        """The pages hear `dead` before the kernel has finished ending, which may take a moment:
        by then a page may be on a new session of the same owner, whose status must come last."""
        if self.report is not None:
            self.report.ended()
        await self._end_process("KernelShutdown", reason, announce="dead")

    def files_request(self, request: object, reply: str) -> str | None:
        """Pass a scratch-folder request to the kernel (its answer goes to `reply`); or say why not."""
        return self.files.request(self.process if self.state in ("idle", "busy") else None, request, reply)

    async def ask(self, request: dict, reply: str) -> None:
        """An editor's question: to the kernel at once, beside any run; never starts a kernel."""
        kernel = self.process if self.state in ("idle", "busy") else None
        await self.assistant.ask(kernel, request, reply)

    def _ensure_started(self) -> None:
        # A flag, not the task's state: a request may arrive while a failed start is still
        # reporting its failure, and it must get a new start rather than wait forever.
        if self.process is None and not self._starting:
            self._starting = True
            self._starter = asyncio.create_task(self._start(), name=f"kernel-start-{self.owner[:8]}")

    async def _start(self) -> None:
        try:
            await self._set_state("starting", self.reason)
            refusal = await self._admit(self)
            if refusal:
                raise RuntimeError(refusal)
            process = await self._pool.acquire(self.reserved_for)
        except Exception as exc:
            self._starting = False
            reason = f"no kernel could be started: {exc}"
            await self._fail_all("KernelUnavailable", reason)
            await self._set_state("dead", reason)
            return
        self.process = process
        self._starting = False
        self.idle_cpu = IdleCpu(self.limits.idle_cpu_seconds)
        self.assistant.cpu = QuestionCpu()  # counted per kernel, as its idle CPU is
        self._reader = asyncio.create_task(self._read(process), name=f"kernel-read-{self.owner[:8]}")
        farewell, self.farewell = self.farewell, None
        await self._set_state("idle", farewell)
        await self._pump()

    async def _pump(self) -> None:
        if self.state != "idle" or self._current is not None or not self._queue or self.process is None:
            return
        process = self.process
        request = self._current = self._queue.popleft()
        await self.delivery.begin(request, process.info)
        self._traffic.start_run()
        metrics.RUNS.inc()
        for write in self.files.seeds.writes():  # answered by the kernel before it begins the run
            process.send(write)
        process.send(protocol.EXECUTE(id=request.id, code=request.code))
        clock = RunClock(self.limits, process.cpu_seconds, cpu_at_start=self.idle_cpu.run_starts())  # no cgroup read
        loop = asyncio.get_running_loop()
        self._first_check = loop.call_later(CHECK_EVERY_S, self._start_watch, request, process, clock)
        await self._set_state("busy", None)

    def _start_watch(self, request: Request, process: KernelProcess, clock: RunClock) -> None:
        self._first_check = None
        if self._current is request and self.process is process:
            self._watchdog = asyncio.create_task(self._watch(request, process, clock), name="kernel-run-watchdog")

    async def _read(self, process: KernelProcess) -> None:
        async for message, text in process.messages():
            await self._on_kernel_message(process, message, text)
        if process is self.process:
            await self._on_process_end(process)

    async def _on_kernel_message(self, process: KernelProcess, message: dict, text: str) -> None:
        kind, current = message["type"], self._current
        if kind in protocol.ASSIST_REPLIES and await self.assistant.answered(process, message):
            return
        if current is not None and self.checks.owns(message):
            await self._checked(current, process, message)
            return
        if kind in protocol.FILE_REPLIES and await self.files.answered(message, text, self._notice_for(current)):
            return
        run = current if current is not None and message.get("id") == current.id and kind != "ready" else None
        if run is not None and run.ended:  # its `done` came: while its checks run, the rest is dropped
            run = None
        if run is not None and (kind == "done" or (kind == "error" and not run.errored)):
            await self._forward(run, message, text)  # never dropped: the run must end
            return
        stream_text = message["text"] if kind == "stream" else None
        size = len(stream_text.encode("utf-8", "surrogatepass")) if stream_text is not None else len(text)
        decision = self._traffic.admit(kind, size, stream_text)
        if decision.action == END:
            process.kill(decision.notice)
            return
        if decision.notice:
            await self.delivery.notice(current, decision.notice)
        if decision.keep_text is not None:
            text = json.dumps(protocol.STREAM(id=message["id"], name=message["name"], text=decision.keep_text))
        if decision.action != FORWARD:
            return
        if run is not None and kind != "error":
            await self._forward(run, message, text)
        elif kind == "stream" and message["id"] is None:  # a thread the user left running
            await self._outbox.broadcast(self.owner, kind, text)
        # anything else names a run that is not this one, or repeats its error: dropped

    def _notice_for(self, request: Request | None):
        return lambda text: self.delivery.notice(request, text)

    async def _forward(self, request: Request, message: dict, text: str) -> None:
        kind = message["type"]
        if kind == "error":
            request.errored = True
        if kind == "done" and request.stopped_by:
            text = json.dumps({**message, "stopped_by": request.stopped_by})
        if kind == "variables":
            self.variables.sent(list(self.attached), text)
        elif kind == "done":
            for page in self.attached:
                await self.delivery.variables_owed(page, request.id)
        await self.delivery.run_message(request, kind, text)
        if kind == "done":
            request.ended = True
            for verdict in self.checks.after_run(request.id, request.checks, json.loads(text)):
                await self.delivery.verdict(request, verdict)
            if self.process is None or not self.checks.start_next(self.process):
                await self._finish_run(request)

    async def _checked(self, request: Request, process: KernelProcess, message: dict) -> None:
        """A message of an exercise's check: nothing is shown but its verdict, then the next check."""
        verdict = self.checks.take(message)
        if verdict is None:
            return
        await self.delivery.verdict(request, verdict)
        if not self.checks.start_next(process):
            await self._finish_run(request)

    async def _finish_run(self, request: Request) -> None:
        self._end_run(request)
        await self._set_state("idle", None)
        await self._pump()

    def _end_run(self, request: Request) -> None:
        """The run is over: what it started ends with it; CPU from now on counts as idle."""
        self._current = None
        self.last_activity = time.monotonic()
        if self._first_check is not None:
            self._first_check.cancel()
            self._first_check = None
        if self.process is not None and not request.keeps_processes:
            self.process.end_children()

    async def _on_process_end(self, process: KernelProcess) -> None:
        reason = await process.death_reason()
        self.process = None
        self.variables.forget()
        await self._pool.discard(process, reason)
        await self._fail_all(
            "KernelDied", f"{_capital(reason)}. Its variables are lost; the next run starts a new kernel."
        )
        await self._set_state("dead", reason)

    async def _end_process(self, ename: str, reason: str, announce: str | None = None) -> None:
        process, self.process = self.process, None
        self.variables.forget()
        for task in (self._reader, self._escalation, self._starter, self._watchdog):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
        self._starting = False
        await self._fail_all(ename, f"{_capital(reason)}.")
        if announce is not None:
            await self._set_state(announce, reason)
        if process is not None:
            await self._pool.discard(process, reason)

    async def _watch(self, request: Request, process: KernelProcess, clock: RunClock) -> None:
        """Check the run's CPU and wall time every CHECK_EVERY_S, from its first check on."""
        while self._current is request and self.process is process:
            verdict = clock.check()
            if verdict is not None:
                await self.delivery.notice(request, verdict.text)
                if verdict.stop:
                    request.stopped_by = {"limit": verdict.limit, "value": verdict.value}
                    self.interrupt_current()
                    return
            await asyncio.sleep(CHECK_EVERY_S)

    async def _escalate(self, request: Request, process: KernelProcess) -> None:
        await asyncio.sleep(self.limits.interrupt_grace_s)
        if self._current is request and self.process is process:
            grace = self.limits.interrupt_grace_s
            process.kill(f"the run did not stop within {grace:g} s of Interrupt, so its kernel was ended")

    async def _fail_all(self, ename: str, evalue: str) -> None:
        if self.checks.current is not None and self._current is not None:  # its `done` was sent
            self.checks.cancel()
            self._current = None
        failed = [self._current, *self._queue] if self._current else list(self._queue)
        self._current = None
        self._queue.clear()
        for request in failed:
            await self._fail(request, ename, evalue)

    async def _fail(self, request: Request, ename: str, evalue: str) -> None:
        for message in (
            protocol.ERROR(id=request.id, ename=ename, evalue=evalue),
            protocol.DONE(id=request.id, ok=False),
        ):
            await self.delivery.run_message(request, message["type"], json.dumps(message))

    async def _set_state(self, state: str, reason: str | None) -> None:
        self.state, self.reason = state, reason
        if self.report is not None:
            self.report.kernel_state(state)
        request = self._current
        await self._announcer.changed(state, reason, lambda: self.state == "busy" and self._current is request)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
