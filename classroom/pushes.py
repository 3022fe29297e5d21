"""Code a teacher pushes to the class (from the teacher's view or the teacher's playground): to
every student's page, which offers it and never puts it in the editor unasked."""

from __future__ import annotations

import secrets

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from kernels.classreport import students_group
from playground import ratelimit

from .apps import class_limits

MAX_PUSH_BYTES = 64 * 1024
MAX_TITLE_CHARS = 120


class PushRefused(ValueError):
    """Why a push did not go; the message is for the teacher."""


async def push(code: str, text: object, title: object = "") -> str:
    """Send `text` to class `code`'s students; the push's id. PushRefused when it cannot go."""
    if not isinstance(text, str) or not text.strip() or len(text.encode()) > MAX_PUSH_BYTES:
        raise PushRefused(f"A push is code of 1 byte to {MAX_PUSH_BYTES // 1024} KiB.")
    limit = class_limits().pushes_per_minute
    wait = await database_sync_to_async(ratelimit.hit)(f"class-push:{code}", limit, 60)
    if wait is not None:
        raise PushRefused(f"At most {limit} pushes a minute; try again in {wait} s.")
    event = {"type": "class.push", "id": secrets.token_hex(8), "code": text}
    event["title"] = title[:MAX_TITLE_CHARS] if isinstance(title, str) else ""
    await get_channel_layer().group_send(students_group(code), event)
    return event["id"]
