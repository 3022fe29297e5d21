"""The websocket endpoint: parse, check, hand off to the kernel host, relay its answers."""

from __future__ import annotations

import json
import uuid

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import protocol
from .kernel import bus, embedded


class SessionConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        embedded.ensure_started()
        self.host_channel = settings.PLAYGROUND_KERNELHOST_CHANNEL
        self.owner = bus.owner_for(_session_key(self.scope))
        self.group = bus.group_name(self.owner)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.channel_layer.send(self.host_channel, bus.attach(self.owner, self.channel_name))

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = protocol.parse_client_message(text_data, settings.PLAYGROUND_LIMITS.max_code_bytes)
        except protocol.ProtocolError as exc:
            await self._refuse(exc)
            return
        await self.channel_layer.send(self.host_channel, bus.request(self.owner, self.channel_name, message))

    async def kernel_message(self, event: dict) -> None:
        await self.send(text_data=event["text"])

    async def _refuse(self, exc: protocol.ProtocolError) -> None:
        await self.send(text_data=json.dumps(protocol.error(exc.request_id, "ProtocolError", str(exc))))
        if exc.request_id is not None:
            await self.send(text_data=json.dumps(protocol.done(exc.request_id, False)))


def _session_key(scope: dict) -> str:
    """The browser's session key; a connection without a session cookie gets a kernel of its own."""
    session = scope.get("session")
    key = getattr(session, "session_key", None) if session is not None else None
    return key or f"anonymous-{uuid.uuid4().hex}"
