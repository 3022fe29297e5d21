"""Who is in which class: the session data a join leaves, and the signed token a student's page
hands its websocket, so the consumer tags the session without a database query.

The token names the class, the seat and the session it was made for (its kernel owner); the
consumer takes it only from that session, only while the class is open (closing marks the code
closed in the cache every web process shares), and only for the class's lifetime.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core import signing
from django.core.cache import cache

from .apps import class_limits
from .models import Classroom

SALT = "classroom.seat"
PRESENTER_SEAT = 0  # seats are numbered from 1: a token for seat 0 is the teacher's playground
STUDENT_KEY = "classroom"  # request.session: {"code", "seat"} of the class this browser is in
TEACHER_KEY = "teaching"  # request.session: {code: teacher key} of the classes this browser teaches


def taught(session: Mapping, code: str) -> tuple[Classroom | None, str]:
    """The open class `code` if `session` (a browser's session data) teaches it, with its key:
    the key it made the class with or followed the teacher's link with (views.py)."""
    key = (session.get(TEACHER_KEY) or {}).get(code)
    if not isinstance(key, str):
        return None, ""
    classroom = Classroom.objects.open_by_key(key)
    return (classroom, key) if classroom is not None and classroom.code == code else (None, "")


def token(code: str, seat: int, owner: str) -> str:
    return signing.dumps({"c": code, "s": seat, "o": owner}, salt=SALT, compress=False)


def presenter_token(code: str, owner: str) -> str:
    """The teacher's playground page's token: its session presents to the class (follow mode)."""
    return token(code, PRESENTER_SEAT, owner)


def read_token(value: str, owner: str) -> tuple[str, int] | None:
    """(class code, seat) if `value` is a token made for `owner`'s session within the class's
    lifetime (whether the class was closed early is for ais_closed to say)."""
    max_age = int(class_limits().hours * 3600)
    try:
        data = signing.loads(value, salt=SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("o") != owner:
        return None
    code, seat = data.get("c"), data.get("s")
    return (code, seat) if isinstance(code, str) and isinstance(seat, int) else None


def closed_key(code: str) -> str:
    return f"classroom-closed:{code}"


def mark_closed(code: str) -> None:
    cache.set(closed_key(code), True, timeout=int(class_limits().hours * 3600) + 60)


def is_closed(code: str) -> bool:
    return bool(cache.get(closed_key(code)))


async def ais_closed(code: str) -> bool:
    return bool(await cache.aget(closed_key(code)))
