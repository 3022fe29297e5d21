"""Where a session's messages go: a run, and each of its messages, to every open page of the
session and into its record; a message for one page to that page alone.

Every page hears every run (a reload, a second tab, another device), whichever page asked for it,
through the host's ordered per-page outbox; what was sent is kept in the session's record
(record.py) for the pages that open later.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Protocol

from kernel_runtime import protocol
from playground import messages

from .classreport import ClassReport, ClassTag, Publish, follow_group
from .pages import OpenPages
from .record import RunRecord, SessionRecord
from .variables import KnownVariables

# A run whose code holds this line keeps the processes it started when it ends (docs/limits).
KEEP_PROCESSES = "# playground: keep processes"


class Outbox(Protocol):
    async def reply(self, channel: str, kind: str, text: str) -> None: ...
    async def broadcast(self, owner: str, kind: str, text: str) -> None: ...


@dataclass
class Request:
    id: str
    code: str
    reply: str
    queued_at: float = field(default_factory=time.monotonic)
    stopped_by: dict | None = None  # the limit that stopped it, reported on its `done`
    errored: bool = False  # a run reports at most one error
    ended: bool = False  # its `done` was forwarded (the kernel may still run its exercise's checks)
    record: RunRecord | None = None  # once it runs: what its pages are sent, kept (record.py)
    checks: list = field(default_factory=list)  # an exercise's hidden checks, run after it (checks.py)

    @property
    def keeps_processes(self) -> bool:
        return KEEP_PROCESSES in self.code


class Delivery:
    def __init__(self, owner: str, outbox: Outbox, pages: OpenPages, record: SessionRecord, variables: KnownVariables):
        self.owner, self.outbox, self.pages, self.record, self.variables = owner, outbox, pages, record, variables
        self.report: ClassReport | None = None  # the session's class, told of its runs (classreport.py)
        self.followed: tuple[str, Publish] | None = None  # a teacher's playground: its followers' group

    def join_class(self, tag: ClassTag | None, publish: Publish, state: str) -> None:
        """The session's class from now on (a new tag: a new report; None: out of any class). The
        teacher's own playground is followed instead: its runs go to its followers as they come."""
        self.followed = (follow_group(tag.code), publish) if tag is not None and tag.presenting else None
        student = tag if tag is not None and not tag.presenting else None
        if (self.report.tag if self.report else None) != student:
            self.report = ClassReport(student, publish) if student is not None else None
            if self.report is not None:
                self.report.kernel_state(state)
        self.pages_changed()

    def pages_changed(self) -> None:
        if self.report is not None:
            self.report.pages(len(self.pages))

    async def verdict(self, request: Request, verdict: dict) -> None:
        """An exercise's check has spoken: to the run's pages, its record and the teacher."""
        if self.report is not None:
            self.report.verdict(verdict["exercise"], verdict["passed"], verdict["message"])
        await self.run_message(request, "verdict", json.dumps(verdict))

    async def _to_followers(self, kind: str, text: str) -> None:
        if self.followed is not None:
            group, publish = self.followed
            await publish(group, {"type": "class.follow", "kinds": [kind], "texts": [text]})

    async def send(self, channel: str, message: dict) -> None:
        await self.outbox.reply(channel, message["type"], json.dumps(message))

    async def begin(self, request: Request, kernel: dict | None) -> None:
        """A run starts: its record, and every page told, so a page that did not ask shows it too."""
        request.record = self.record.begin(request.id, request.code, kernel)
        begun = messages.RUN(id=request.id, code=request.code, started=request.record.started)
        if self.report is not None:
            self.report.run_begun()
        await self._to_followers("run", json.dumps(begun))
        for page in self.pages:
            await self.send(page, begun)

    async def run_message(self, request: Request, kind: str, text: str) -> None:
        """A run's message: kept in the record, and sent to every open page (its asker's too)."""
        if request.record is None:  # it never ran (cancelled, refused): only its asker hears
            await self.outbox.reply(request.reply, kind, text)
            return
        self.record.add(request.record, kind, text)
        if self.report is not None:
            self.report.run_message(kind, text, request.code)
        await self._to_followers(kind, text)
        for page in self.pages:
            await self.outbox.reply(page, kind, text)
        if request.reply not in self.pages:
            await self.outbox.reply(request.reply, kind, text)

    async def notice(self, request: Request | None, text: str) -> None:
        """A line on stderr from the host: in its run, or to every page when no run is going."""
        stream = json.dumps(protocol.STREAM(id=request.id if request else None, name="stderr", text=text))
        if request is None:
            await self.outbox.broadcast(self.owner, "stream", stream)
        else:
            await self.run_message(request, "stream", stream)

    async def variables_owed(self, reply: str, run_id: str | None = None) -> None:
        text = self.variables.owed(reply, run_id)
        if text is not None:
            await self.outbox.reply(reply, "variables", text)
