"""What a student's session tells its class's teacher: a short summary, sent over the channel
layer to the class's teacher group whenever it changes (classroom/roster.py keeps the view).

The summary is the host's, not the page's: runs are counted and errors read as the session's
pages are sent them (delivery.py), so a closed tab, a second tab or a page that lies changes
nothing. Changes are gathered for FLUSH_AFTER_S before one event goes: a quick run's start,
result and end are one event, and the teacher's view is still within a second of the run.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

FLUSH_AFTER_S = 0.15
Publish = Callable[[str, dict], Awaitable[None]]  # (group, event): the host's channel-layer group_send
MAX_EVALUE_CHARS = 300
MAX_LINE_CHARS = 200


def teacher_group(code: str) -> str:
    """The channel-layer group of a class's teacher views (every web process that has one)."""
    return f"class-teacher.{code}"


def follow_group(code: str) -> str:
    """The group of the pages following the teacher's playground (follow mode)."""
    return f"class-follow.{code}"


def students_group(code: str) -> str:
    """The group of a class's students' pages: what the teacher pushes goes there."""
    return f"class-students.{code}"


@dataclass(frozen=True)
class ClassTag:
    """Which class and seat a session is in (checked by the web tier before it was sent)."""

    code: str
    seat: int  # 0: the teacher's own playground, which students may follow (classroom/seats.py)

    @property
    def presenting(self) -> bool:
        return self.seat == 0

    @classmethod
    def of(cls, value: object) -> ClassTag | None:
        if not isinstance(value, dict):
            return None
        code, seat = value.get("code"), value.get("seat")
        if (
            isinstance(code, str)
            and 0 < len(code) <= 16
            and isinstance(seat, int)
            and not isinstance(seat, bool)
            and seat >= 0
        ):
            return cls(code, seat)
        return None


@dataclass
class StudentSummary:
    seat: int
    kernel: str = "starting"  # the session's state: starting, idle, busy, dead
    pages: int = 0
    runs: int = 0
    last_run_at: float | None = None
    last_ok: bool | None = None
    last_error: dict | None = None
    exercises: dict[str, dict] = field(default_factory=dict)  # title -> {passed, message, at}

    @property
    def state(self) -> str:
        """What the teacher sees: running, error, idle, or gone (no page open)."""
        if self.kernel == "busy":
            return "running"
        if self.pages == 0:
            return "gone"
        return "error" if self.last_ok is False else "idle"

    def as_json(self) -> dict:
        return {
            "seat": self.seat,
            "state": self.state,
            "kernel": self.kernel,
            "runs": self.runs,
            "last_run_at": self.last_run_at,
            "last_error": self.last_error,
            "exercises": self.exercises,
        }


def error_summary(message: dict, code: str) -> dict:
    """The teacher's view of an error: its kind, message, hint and the line it names."""
    lineno = message.get("lineno")
    lines = code.splitlines()
    line = lines[lineno - 1].strip()[:MAX_LINE_CHARS] if isinstance(lineno, int) and 0 < lineno <= len(lines) else ""
    hint = message.get("hint") if isinstance(message.get("hint"), dict) else None
    return {
        "ename": str(message.get("ename", ""))[:200],
        "evalue": str(message.get("evalue", ""))[:MAX_EVALUE_CHARS],
        "hint": hint,
        "lineno": lineno if line else None,
        "line": line,
    }


class ClassReport:
    """One session's summary for its class, published when it changes."""

    def __init__(self, tag: ClassTag, publish: Publish):
        self.tag = tag
        self.summary = StudentSummary(tag.seat)
        self._publish = publish
        self._flush: asyncio.TimerHandle | None = None
        self._sending: asyncio.Task | None = None

    def kernel_state(self, state: str) -> None:
        self._change(kernel=state)

    def pages(self, count: int) -> None:
        self._change(pages=count)

    def run_begun(self) -> None:
        summary = self.summary
        self._change(runs=summary.runs + 1, last_run_at=round(time.time(), 3))

    def run_message(self, kind: str, text: str, code: str) -> None:
        if kind == "error":
            self._change(last_error=error_summary(json.loads(text), code))
        elif kind == "done":
            ok = bool(json.loads(text).get("ok"))
            self._change(last_ok=ok, **({"last_error": None} if ok else {}))

    def verdict(self, title: str, passed: bool, message: str) -> None:
        entry = {"passed": passed, "message": message[:MAX_EVALUE_CHARS], "at": round(time.time(), 3)}
        self.summary.exercises = {**self.summary.exercises, title: entry}
        self._soon()

    def event(self) -> dict:
        return {"type": "class.student", "student": self.summary.as_json()}

    def ended(self) -> None:
        """The session is gone (its kernel host ended it): said at once."""
        self._change(kernel="dead", pages=0)

    def _change(self, **values: object) -> None:
        summary = self.summary
        if all(getattr(summary, name) == value for name, value in values.items()):
            return
        for name, value in values.items():
            setattr(summary, name, value)
        self._soon()

    def _soon(self) -> None:
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(FLUSH_AFTER_S, self._send)

    def _send(self) -> None:
        self._flush = None
        previous = self._sending

        async def send() -> None:
            if previous is not None:
                await asyncio.wait([previous])  # in order: a later summary never lands first
            await self._publish(teacher_group(self.tag.code), self.event())

        self._sending = asyncio.create_task(send())
