"""The page's websocket in this process: Channels' WebsocketCommunicator on the site's ASGI
application, connected as a browser on localhost connects (web/test_consumer.py,
web/test_page_leases.py, and the editor's questions in runtime/test_kernel_completion.py)."""

from __future__ import annotations

import json

from channels.testing import WebsocketCommunicator

from bench.site import next_message
from config.asgi import application

ORIGIN = (b"origin", b"http://localhost")


async def connect(
    cookie: str | None = None, forwarded_for: str | None = None, path: str = "/ws/session/"
) -> WebsocketCommunicator:
    headers = [ORIGIN, (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    if forwarded_for:
        headers.append((b"x-forwarded-for", forwarded_for.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=30)
    assert connected
    return communicator


async def receive_until(communicator: WebsocketCommunicator, predicate, timeout: float = 60) -> list[dict]:
    seen = []
    while True:
        message = await next_message(communicator, lambda: communicator.receive_from(timeout=timeout))
        seen.append(message)
        if predicate(message):
            return seen


def is_done(request_id: str):
    return lambda m: m["type"] == "done" and m["id"] == request_id


async def run(communicator: WebsocketCommunicator, code: str, request_id: str) -> list[dict]:
    await communicator.send_to(text_data=json.dumps({"type": "execute", "id": request_id, "code": code}))
    return await receive_until(communicator, is_done(request_id))
