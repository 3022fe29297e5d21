"""One question from a web process to the kernel host that holds a session, and its one answer.

The websocket's consumer streams; an HTTP view (a file transfer, a share, a notebook download,
the class view) asks once and waits: it sends a `kernel.*` request carrying a reply channel of
its own to the session's kernel host (placement.py) and takes the first event that comes back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from channels.layers import get_channel_layer

from . import bus, placement


async def ask(owner: str, request: Callable[[str], dict], timeout_s: float) -> tuple[str, str]:
    """Send `request(reply_channel)` to `owner`'s kernel host; its answer's (type, JSON text).
    TimeoutError when none comes in time; placement.NoKernelHost when no host is running."""
    layer = get_channel_layer()
    reply = await layer.new_channel()
    host = await placement.configured().host_for(owner)
    await layer.send(host, request(reply))
    async with asyncio.timeout(timeout_s):
        event = await layer.receive(reply)
    return bus.event_items(event)[0]


async def record_of(owner: str, timeout_s: float = 10.0) -> dict:
    """A session's record as a web process reads it (a share, a notebook download, the class
    view): the body of its `record` message (record.py)."""
    _, text = await ask(owner, lambda reply: bus.RECORD(owner=owner, reply=reply), timeout_s)
    return json.loads(text)
