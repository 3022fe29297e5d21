"""The messages between websocket consumers and kernel hosts, over the Channels layer.

A consumer never talks to a kernel directly: it sends `kernel.*` requests to a kernel host's
channel and receives `kernel.message` events (the protocol's JSON text, ready to send) on its
own channel, or on its session's group for status changes. The embedded default (one process,
in-memory layer) and the scaled-out deployment (Redis layer, separate kernel hosts) use the
same messages.
"""

from __future__ import annotations

import hashlib

from kernel_runtime.protocol import FLAG, LIST, OBJECT, TEXT, Field, Message, optional
from playground.messages import ClientMessage

_TO_HOST = {"owner": TEXT, "reply": TEXT}  # whose session, and the channel that hears the answer
_CLIENT = optional(TEXT).or_default("")  # who a new kernel counts against (client_for)

# `classroom`: the class and seat the session is in from now on, {code, seat} (classroom/,
# kernels/classreport.py); {} when its class has closed; null (most pages) changes nothing.
ATTACH = Message("kernel.attach", {**_TO_HOST, "client": _CLIENT, "classroom": optional(OBJECT).or_default(None)})
DETACH = Message("kernel.detach", {**_TO_HOST, "forget": FLAG})  # a websocket closed; forget: no one comes back
PRESENT = Message("kernel.present", _TO_HOST)  # a websocket still open, every PRESENT_EVERY_S (pages.py)
# `checks`: an exercise's hidden checks, [{title, code}], run in the kernel after the run (kernels/checks.py).
EXECUTE = Message(
    "kernel.execute", {**_TO_HOST, "client": _CLIENT, "id": TEXT, "code": TEXT, "checks": LIST.or_default([])}
)
INTERRUPT = Message("kernel.interrupt", {**_TO_HOST, "client": _CLIENT})
RESTART = Message("kernel.restart", {**_TO_HOST, "client": _CLIENT})
# `request`: a page's `complete` or `inspect` (ASSIST), or a protocol.FILE_REQUESTS message
# (FILES); answered on `reply`.
ASSIST = Message("kernel.assist", {**_TO_HOST, "client": _CLIENT, "request": OBJECT})
FILES = Message("kernel.files", {**_TO_HOST, "request": OBJECT})
# A link's file, in chunks (append: the same file's next bytes), for the session's scratch folder
# before its next run (kernels/seeds.py). Fire and forget; never starts a kernel.
SEED = Message("kernel.seed", {"owner": TEXT, "name": TEXT, "data_b64": TEXT, "append": FLAG})
# The session's record (record.py), answered on `reply` with a `record` message; never starts a kernel.
RECORD = Message("kernel.record", _TO_HOST)
# Keep `count` kernels ready for a class's students (`owner`: "class:<code>") for `seconds`; 0: release
# them (kernels/reservations.py). Fire and forget: no answer.
RESERVE = Message("kernel.reserve", {"owner": TEXT, "count": Field((int,)), "seconds": Field((int, float))})
# A class student's summary (classreport.py), answered on `reply` with a `summary`; never starts a kernel.
SUMMARY = Message("kernel.summary", _TO_HOST)
# host -> consumer: protocol JSON texts, in order, each with its type beside it (texts_event).
MESSAGE = Message("kernel.message", {"texts": Field((list,)), "kinds": Field((list,))})
_REQUESTS = (ATTACH, DETACH, PRESENT, EXECUTE, INTERRUPT, RESTART, ASSIST, FILES, SEED, RECORD, SUMMARY, RESERVE)
TO_HOST = {m.type: m for m in _REQUESTS}

PRESENT_EVERY_S = 20.0


def owner_for(session_key: str) -> str:
    """A stable, non-secret name for a browser session (its key never leaves the web tier)."""
    return hashlib.sha256(f"kernel-owner:{session_key}".encode()).hexdigest()[:32]


def group_name(owner: str) -> str:
    return f"kernel-session.{owner}"


def client_for(address: str) -> str:
    """Who a kernel counts against for PLAYGROUND_MAX_KERNELS_PER_CLIENT, without the address."""
    return hashlib.sha256(f"kernel-client:{address}".encode()).hexdigest()[:16]


def request(owner: str, reply: str, message: ClientMessage, client: str = "", checks: list | None = None) -> dict:
    """A page's request as the kernel host hears it (`checks`: a run's exercise checks)."""
    if message.type == "execute":
        return EXECUTE(owner=owner, reply=reply, client=client, id=message.id, code=message.code, checks=checks or [])
    if message.type in ("complete", "inspect"):
        question: dict[str, object] = {"type": message.type, "id": message.id, "code": message.code}
        question |= {"line": message.line, "column": message.column}
        question |= {"want": message.want} if message.want else {}
        return ASSIST(owner=owner, reply=reply, client=client, request=question)
    return (INTERRUPT if message.type == "interrupt" else RESTART)(owner=owner, reply=reply, client=client)


def texts_event(items: list[tuple[str, str]]) -> dict:
    """Several (type, JSON text) messages for one consumer in one channel-layer event, in order.
    The type travels beside the text, so the consumer never parses a message to route it."""
    return MESSAGE(kinds=[kind for kind, _ in items], texts=[text for _, text in items])


def event_items(event: dict) -> list[tuple[str, str]]:
    """The (type, JSON text) messages a `kernel.message` event carries, in order."""
    return list(zip(event["kinds"], event["texts"], strict=True))
