"""The teacher's websocket: the class's roster, live (roster.py), and code pushed to the class.

It is a teacher's only if the browser's session teaches the class (views.py); then it joins the
class's teacher group, where every kernel host publishes its students' summaries
(kernels/classreport.py), asks each student's host for the summary it has now, and keeps the
roster. docs/protocol.md, "The class view", lists its messages.
"""

from __future__ import annotations

import asyncio
import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from kernels import asking, bus
from kernels.classreport import teacher_group
from playground import clients

from . import closing, pushes, seats
from .models import Classroom
from .roster import Roster

SUMMARY_TIMEOUT_S = 3.0


class ClassConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.code = str(self.scope["url_route"]["kwargs"]["code"])
        self.roster: Roster | None = None
        self.error_groups: list[dict] = []  # the error groups the view was last sent (not `groups`: Channels')
        classroom = await _taught_class(self.scope, self.code)
        if classroom is None:
            await self.close(code=4403)
            return
        seated = await _seats(classroom)  # seat -> (name, owner)
        self.roster = Roster(names={seat: name for seat, (name, _) in seated.items()})
        await self.channel_layer.group_add(teacher_group(self.code), self.channel_name)
        await self.accept()
        await self._send({"type": "roster", "students": self.roster.entries(), "errors": []})
        await asyncio.gather(*(self._roll_call(seat, owner) for seat, (_, owner) in seated.items()))

    async def disconnect(self, code: int) -> None:
        if self.roster is not None:
            await self.channel_layer.group_discard(teacher_group(self.code), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("type") != "push":
            await self._send({"type": "error", "message": "Only `push` messages are understood here."})
            return
        await self._push(message)

    async def class_student(self, event: dict) -> None:
        roster = self.roster
        entry = roster.update(event["student"]) if roster is not None else None
        if roster is not None and entry is not None:
            update: dict = {"type": "student", "student": entry}
            groups = roster.error_groups()
            if groups != self.error_groups:  # sent when they change: most runs change no group
                update["errors"] = self.error_groups = groups
            await self._send(update)

    async def class_seat(self, event: dict) -> None:
        if self.roster is not None:
            seat = event["seat"]
            await self._send({"type": "student", "student": self.roster.seat(seat["seat"], seat["name"])})

    async def class_closed(self, event: dict) -> None:
        await self._send({"type": "closed"})
        await self.close()

    async def _roll_call(self, seat: int, owner: str) -> None:
        """What the student's kernel host says of them now (gone, if nobody answers)."""
        try:
            _, text = await asking.ask(owner, lambda reply: bus.SUMMARY(owner=owner, reply=reply), SUMMARY_TIMEOUT_S)
        except Exception:  # no host, or no answer in time: the student shows as gone
            return
        await self.class_student({"student": {**json.loads(text), "seat": seat}})

    async def _push(self, message: dict) -> None:
        try:
            push_id = await pushes.push(self.code, message.get("code"), message.get("title", ""))
        except pushes.PushRefused as exc:
            await self._send({"type": "error", "message": str(exc)})
            return
        await self._send({"type": "pushed", "id": push_id})

    async def _send(self, message: dict) -> None:
        await self.send(text_data=json.dumps(message))


@database_sync_to_async
def _taught_class(scope: dict, code: str) -> Classroom | None:
    """The open class `code` if the websocket's session teaches it (a key it followed or made)."""
    from importlib import import_module

    key = clients.issued_key(scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME))
    if key is None:
        return None
    closing.sweep()
    return seats.taught(import_module(settings.SESSION_ENGINE).SessionStore(session_key=key), code)[0]


@database_sync_to_async
def _seats(classroom: Classroom) -> dict[int, tuple[str, str]]:
    return {pk: (name, owner) for pk, name, owner in classroom.seat_set.values_list("pk", "name", "owner")}
