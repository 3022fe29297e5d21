"""A page in a class, as the session websocket sees it (playground/consumers.py): which class
and seat its session is in (from the page's signed token), the hidden checks its runs carry,
what the class's teacher sends the class (pushes, its closing), and follow mode: a student's page
follows the teacher's playground (seat 0), whose editor and runs reach its followers live."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache

from kernels.classreport import follow_group, students_group
from playground import messages

from . import lesson, pushes, seats
from .apps import class_limits

CHECKS_KEY = "classroom-checks:{code}"
EDITOR_KEY = "classroom-editor:{code}"  # what the teacher's editor holds, for followers who come later


@dataclass(frozen=True)
class Membership:
    code: str
    seat: int

    @property
    def tag(self) -> dict:
        """What the kernel host is told (bus.ATTACH's `classroom`)."""
        return {"code": self.code, "seat": self.seat}

    @property
    def presenting(self) -> bool:
        """The teacher's own playground (seats.PRESENTER_SEAT), which students follow."""
        return self.seat == seats.PRESENTER_SEAT

    @property
    def group(self) -> str:
        """Where the class's pushes and closing come: its students' pages (not the teacher's)."""
        return students_group(self.code) if not self.presenting else f"class-presenter.{self.code}"

    async def request(self, message: messages.ClientMessage, channel: str) -> dict | None:
        """A page's class request (messages.CLASS_REQUESTS); a message to answer it with, or None."""
        layer = get_channel_layer()
        if message.type == "follow" and not self.presenting:
            change = layer.group_add if message.on else layer.group_discard
            await change(follow_group(self.code), channel)
            code = await cache.aget(EDITOR_KEY.format(code=self.code)) if message.on else None
            return messages.TEACHER_EDITOR(code=code) if code is not None else None
        if message.type == "editor" and self.presenting:
            timeout = int(class_limits().hours * 3600)
            await cache.aset(EDITOR_KEY.format(code=self.code), message.code, timeout=timeout)
            await layer.group_send(follow_group(self.code), {"type": "class.editor", "code": message.code})
            return None
        if message.type == "push" and self.presenting:
            try:
                await pushes.push(self.code, message.code, message.title)
            except pushes.PushRefused as exc:
                return _refusal(str(exc))
            return None
        who = "the teacher's playground" if message.type != "follow" else "a student's page"
        return _refusal(f"Only {who} of a class may send `{message.type}`.")

    async def checks_for(self, code: str) -> list[dict]:
        """The hidden checks of the exercises a run holds, for the kernel host alone."""
        titles = lesson.exercises_in(code)
        if not titles:
            return []
        checks = await class_checks(self.code)
        return [{"title": title, "code": checks[title]} for title in titles if title in checks]


async def of_scope(scope: dict, owner: str) -> Membership | None:
    """The class of a websocket whose page carries a class token made for this session, while
    the class is open."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    token = (query.get("class") or [""])[0]
    found = seats.read_token(token, owner) if token else None
    if found is None or await seats.ais_closed(found[0]):
        return None
    return Membership(*found)


def _refusal(text: str) -> dict:
    return messages.ERROR(id=None, ename="ClassError", evalue=text)


async def class_checks(code: str) -> dict[str, str]:
    key = CHECKS_KEY.format(code=code)
    checks = await cache.aget(key)
    if checks is None:
        checks = await _checks_from_database(code)
        await cache.aset(key, checks, timeout=int(class_limits().hours * 3600))
    return checks


@database_sync_to_async
def _checks_from_database(code: str) -> dict[str, str]:
    from .models import Classroom

    classroom = Classroom.objects.filter(code=code).only("checks").first()
    return dict(classroom.checks) if classroom is not None else {}
