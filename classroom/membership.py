"""A student's page in its class, as the session websocket sees it (playground/consumers.py):
which class and seat its session is in (from the page's signed token), the hidden checks its
runs carry, and what the class's teacher sends the class (pushes, its closing)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.core.cache import cache

from kernels.classreport import students_group

from . import lesson, seats
from .apps import class_limits

CHECKS_KEY = "classroom-checks:{code}"


@dataclass(frozen=True)
class Membership:
    code: str
    seat: int

    @property
    def tag(self) -> dict:
        """What the kernel host is told (bus.ATTACH's `classroom`)."""
        return {"code": self.code, "seat": self.seat}

    @property
    def group(self) -> str:
        return students_group(self.code)

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
