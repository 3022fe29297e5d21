"""A class's end, by its teacher or after PLAYGROUND_CLASS_HOURS: its roster, its checks and its
starting code go, its code stays only to say the class has closed, and every page of it is told.
Students' own sessions, code and links were never the class's and stay theirs."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.utils import timezone

from kernels.classreport import students_group, teacher_group

from . import membership, seats, warm
from .models import Classroom, Seat

log = logging.getLogger(__name__)
SWEEP_EVERY_S = 60


def close(classroom: Classroom) -> None:
    Seat.objects.filter(classroom=classroom).delete()
    classroom.closed_at = timezone.now()
    classroom.checks, classroom.student_code = {}, ""
    classroom.save(update_fields=["closed_at", "checks", "student_code"])
    seats.mark_closed(classroom.code)
    warm.hold(classroom.code, 0, 0)
    cache.delete_many([key.format(code=classroom.code) for key in (membership.CHECKS_KEY, membership.EDITOR_KEY)])
    _tell(students_group(classroom.code), {"type": "class.closed", "code": classroom.code})
    _tell(teacher_group(classroom.code), {"type": "class.closed", "code": classroom.code})


def sweep() -> None:
    """Close the classes whose time is up (at most once a minute per process)."""
    if not cache.add("classroom-sweep", True, timeout=SWEEP_EVERY_S):
        return
    for classroom in Classroom.objects.filter(closed_at__isnull=True, closes_at__lte=timezone.now()):
        close(classroom)


def announce_seat(code: str, seat: Seat) -> None:
    """A student joined (or came back): the teacher's view lists them at once."""
    _tell(teacher_group(code), {"type": "class.seat", "seat": {"seat": seat.pk, "name": seat.name}})


def _tell(group: str, event: dict) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(group, event)
    except Exception as exc:  # the pages learn it at their next connection
        log.warning("could not tell %s (%s)", group, exc)
