"""The websocket endpoint: parse, check, hand off to the session's kernel host, relay its answers.

Which host has the session's kernel comes from the placement (placement.py): always the
embedded one by default; with Redis, any host of the cluster. If that host stops answering, the
browser is told in plain words and its next run goes to another host.

What goes out to the browser passes through a bounded SendBuffer, so a page that stops reading
holds at most PLAYGROUND_WEBSOCKET_BUFFER_BYTES of the server's memory. A session key the
server did not issue binds nothing: such a websocket gets a kernel of its own, ended when it
closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from classroom import membership
from kernels import assistant, bus, embedded, placement, seeds
from kernels.apps import kernel_limits
from kernels.classreport import follow_group
from sharing import opened

from . import clients, messages, sendbuffer
from .sendbuffer import SendBuffer

HOST_CHECK_S = 3.0
HOST_GONE = (
    "the server running this kernel stopped answering, so its variables are lost; "
    "the next run starts a new kernel on another server"
)


class SessionConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        # What disconnect() needs comes first: it runs even when connect() fails part way.
        self.limits = kernel_limits()  # read once: receive() runs for every message
        self.outbox = SendBuffer(self._send_text, self.limits.websocket_buffer_bytes)
        self.host_channel: str | None = None
        self.pending: set[str] = set()  # runs sent and not yet done, to answer if the host dies
        self.watcher: asyncio.Task | None = None
        self.questions = assistant.Rate()  # completion and inspection requests this socket may send
        embedded.ensure_started()
        self.placement = placement.configured()
        key = await _issued_key(self.scope)
        self.anonymous = key is None
        self.owner = bus.owner_for(key or f"anonymous-{uuid.uuid4().hex}")
        self.client = bus.client_for(clients.client_address(self.scope))
        self.group = bus.group_name(self.owner)
        self.membership = await membership.of_scope(self.scope, self.owner)  # its class, if it is in one
        self.class_tag: dict | None = self.membership.tag if self.membership else None  # for the next attach
        if hasattr(self.channel_layer, "attach_receiver"):  # the one-process site's layer
            self.channel_layer.attach_receiver(self.channel_name, self._take_event)
        await self.accept()
        try:
            await self._attach()
        except Exception as exc:
            await self._unavailable(exc)
            return
        self.watcher = asyncio.create_task(self._watch_host())

    async def websocket_disconnect(self, message: dict) -> None:
        # Channels' own also closes database connections in a worker thread; none is held here.
        await self.disconnect(message.get("code", 1000))
        raise StopConsumer()

    async def disconnect(self, code: int) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
        await self.outbox.close()
        if not hasattr(self, "group"):
            return  # connect() failed before it joined anything
        if hasattr(self.channel_layer, "detach_receiver"):
            self.channel_layer.detach_receiver(self.channel_name)
        with contextlib.suppress(Exception):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            if self.membership is not None:
                await self.channel_layer.group_discard(self.membership.group, self.channel_name)
                await self.channel_layer.group_discard(follow_group(self.membership.code), self.channel_name)
            if self.host_channel is not None:
                detach = bus.DETACH(owner=self.owner, reply=self.channel_name, forget=self.anonymous)
                await self.channel_layer.send(self.host_channel, detach)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = messages.parse_client_message(text_data, self.limits.max_code_bytes)
        except messages.ProtocolError as exc:
            await self._refuse(exc)
            return
        if message.type in messages.CLASS_REQUESTS:  # answered here, never by a kernel host
            await self._class_request(message)
            return
        question = message.type in ("complete", "inspect")
        if question and not self.questions.allow():
            answer = assistant.empty(message.type, message.line, "rate_limited")
            await self._send({**answer, "id": message.id})
            return
        try:
            if self.host_channel is None:
                await self._attach()
            checks = await self.membership.checks_for(message.code) if self.membership and message.code else []
            request = bus.request(self.owner, self.channel_name, message, self.client, checks)
            await self.channel_layer.send(self.host_channel, request)
        except Exception as exc:
            await self._unavailable(exc, message.id)
            return
        if message.id is not None and not question:  # a question gets an answer, never a `done`
            self.pending.add(message.id)

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections in a worker thread before every handler.
        # Only connect's session lookup may touch the database, and it closes them around its
        # query itself (clients.aissued_key), so no handler here pays that thread hop: it was
        # ~12 % of the web process's time per run and ~45 % of a newcomer's websocket.
        if message["type"] == "kernel.message":
            await self.kernel_message(message)
        elif message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            handler = getattr(self, get_handler_name(message), None)
            if handler is None:
                raise ValueError(f"no handler for message type {message['type']}")
            await handler(message)

    async def kernel_message(self, event: dict) -> None:
        self._take_event(event)

    def _take_event(self, event: dict) -> bool:
        """A kernel host's `kernel.message` event, from the channel layer's queue or handed over
        directly by the one-process layer; False for any other event (that one is queued)."""
        if event.get("type") != bus.MESSAGE.type:
            return False
        for kind, text in bus.event_items(event):
            if kind == "done":
                self.pending.discard(json.loads(text).get("id"))
            self.outbox.put(kind, text)
        return True

    async def _attach(self) -> None:
        # (Again after an outage: a restarted Redis has forgotten the group.)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if self.membership is not None:
            await self.channel_layer.group_add(self.membership.group, self.channel_name)
        self.host_channel = await self.placement.host_for(self.owner)
        attach = bus.ATTACH(owner=self.owner, reply=self.channel_name, client=self.client, classroom=self.class_tag)
        await self.channel_layer.send(self.host_channel, attach)
        await self._seed()  # a new host after an outage needs them too

    async def _seed(self) -> None:
        """A link's page: its files, to the session's host before any run this page sends
        (kernels/seeds.py): at connect, before receive() can forward a run, and again before the
        run that finds the host gone."""
        for name, data in await opened.files_of_scope(self.scope):
            for message in seeds.messages(self.owner, name, data):
                await self.channel_layer.send(self.host_channel, message)

    async def class_push(self, event: dict) -> None:
        """The teacher sent the class code: offered to the student (the page asks before it uses it)."""
        await self._send(messages.PUSH(id=event["id"], code=event["code"], title=event.get("title", "")))

    async def _class_request(self, message: messages.ClientMessage) -> None:
        if self.membership is None:
            await self._send(messages.ERROR(id=None, ename="ClassError", evalue="This page is in no class."))
            return
        answer = await self.membership.request(message, self.channel_name)
        if answer is not None:
            await self._send(answer)

    async def class_follow(self, event: dict) -> None:
        """A message of the teacher's playground's runs, for a page that follows it."""
        for kind, text in bus.event_items(event):  # wrapped unparsed: the page draws them apart
            droppable = kind in sendbuffer.DROPPABLE or kind == "progress"
            self.outbox.put(
                sendbuffer.FOLLOWED if droppable else "follow-kept", '{"type": "follow", "message": ' + text + "}"
            )

    async def class_editor(self, event: dict) -> None:
        await self._send(messages.TEACHER_EDITOR(code=event["code"]))

    async def class_closed(self, event: dict) -> None:
        """The teacher closed the class: the page says so, and the session leaves it."""
        if self.membership is None or event.get("code") != self.membership.code:
            return
        await self.channel_layer.group_discard(self.membership.group, self.channel_name)
        self.membership, self.class_tag = None, {}
        await self._send(messages.CLASS_STATE(code=event["code"], name="", closed=True))
        if self.host_channel is not None:
            leave = bus.ATTACH(owner=self.owner, reply=self.channel_name, client=self.client, classroom={})
            await self.channel_layer.send(self.host_channel, leave)

    async def _watch_host(self) -> None:
        """Every HOST_CHECK_S: is the session's host still there; now and then, tell it this page
        still is (a page's lease, kernel/pages.py: a dead web process never sends detach)."""
        loop = asyncio.get_running_loop()
        present_due = loop.time() + bus.PRESENT_EVERY_S
        while True:
            await asyncio.sleep(HOST_CHECK_S)
            if self.host_channel is None:
                continue
            if loop.time() >= present_due:
                present_due = loop.time() + bus.PRESENT_EVERY_S
                with contextlib.suppress(Exception):  # lost now and then is fine: the lease allows it
                    await self.channel_layer.send(
                        self.host_channel, bus.PRESENT(owner=self.owner, reply=self.channel_name)
                    )
            try:
                alive = await self.placement.alive(self.host_channel)
            except Exception:
                continue  # the message service itself is down: said when the next run fails
            if not alive:
                self.host_channel = None
                with contextlib.suppress(Exception):
                    await self.placement.forget(self.owner)
                await self._fail_pending("KernelDied", HOST_GONE)
                await self._send(messages.STATUS(state="dead", reason=HOST_GONE))

    async def _unavailable(self, exc: Exception, request_id: str | None = None) -> None:
        if isinstance(exc, placement.NoKernelHost):
            reason = "no kernel server is running right now; try again in a moment"
        else:
            reason = f"the kernel service is unreachable ({type(exc).__name__}); try again in a moment"
        self.host_channel = None
        await self._send(messages.STATUS(state="dead", reason=reason))
        if request_id is not None:
            await self._send(
                messages.ERROR(id=request_id, ename="KernelUnavailable", evalue=reason[:1].upper() + reason[1:] + ".")
            )
            await self._send(messages.DONE(id=request_id, ok=False))

    async def _fail_pending(self, ename: str, reason: str) -> None:
        for request_id in sorted(self.pending):
            await self._send(messages.ERROR(id=request_id, ename=ename, evalue=reason[:1].upper() + reason[1:] + "."))
            await self._send(messages.DONE(id=request_id, ok=False))
        self.pending.clear()

    async def _refuse(self, exc: messages.ProtocolError) -> None:
        await self._send(messages.ERROR(id=exc.request_id, ename="ProtocolError", evalue=str(exc)))
        if exc.request_id is not None:
            await self._send(messages.DONE(id=exc.request_id, ok=False))

    async def _send(self, message: dict) -> None:
        self.outbox.put(message["type"], json.dumps(message))

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)


async def _issued_key(scope: dict) -> str | None:
    """The browser's session key if this server issued it; otherwise None (a kernel of its own)."""
    return await clients.aissued_key(scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME))
