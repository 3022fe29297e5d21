"""The messages between websocket consumers and kernel hosts, over the Channels layer.

A consumer never talks to a kernel directly: it sends `kernel.*` requests to a kernel host's
channel and receives `kernel.message` events (the protocol's JSON text, ready to send) on its
own channel, or on its session's group for status changes. The embedded default (one process,
in-memory layer) and the scaled-out deployment (Redis layer, separate kernel hosts) use the
same messages.
"""

from __future__ import annotations

import hashlib

from .. import messages

ATTACH = "kernel.attach"
DETACH = "kernel.detach"  # a websocket closed; {"forget": true}: no one can come back to it
PRESENT = "kernel.present"  # a websocket still open, every PRESENT_EVERY_S (pages.py: its lease)
EXECUTE = "kernel.execute"
INTERRUPT = "kernel.interrupt"
RESTART = "kernel.restart"
ASSIST = "kernel.assist"  # {"owner", "reply", "request": a `complete` or `inspect`}; answered on `reply`
FILES = "kernel.files"  # {"owner", "reply", "request": a messages.FILE_REQUESTS message}; answered on `reply`
MESSAGE = "kernel.message"  # host -> consumer: {"texts": [<protocol JSON>, ...], "kinds": [<its type>, ...]}

PRESENT_EVERY_S = 20.0


def owner_for(session_key: str) -> str:
    """A stable, non-secret name for a browser session (its key never leaves the web tier)."""
    return hashlib.sha256(f"kernel-owner:{session_key}".encode()).hexdigest()[:32]


def group_name(owner: str) -> str:
    return f"kernel-session.{owner}"


def client_for(address: str) -> str:
    """Who a kernel counts against for PLAYGROUND_MAX_KERNELS_PER_CLIENT, without the address."""
    return hashlib.sha256(f"kernel-client:{address}".encode()).hexdigest()[:16]


def attach(owner: str, reply: str, client: str = "") -> dict:
    return {"type": ATTACH, "owner": owner, "reply": reply, "client": client}


def detach(owner: str, reply: str, forget: bool) -> dict:
    return {"type": DETACH, "owner": owner, "reply": reply, "forget": forget}


def present(owner: str, reply: str) -> dict:
    return {"type": PRESENT, "owner": owner, "reply": reply}


def request(owner: str, reply: str, message: messages.ClientMessage, client: str = "") -> dict:
    base = {"owner": owner, "reply": reply, "client": client}
    if message.type == "execute":
        return {"type": EXECUTE, **base, "id": message.id, "code": message.code}
    if message.type in ("complete", "inspect"):
        question: dict[str, object] = {"type": message.type, "id": message.id, "code": message.code}
        question |= {"line": message.line, "column": message.column}
        return {"type": ASSIST, **base, "request": question | ({"want": message.want} if message.want else {})}
    kind = INTERRUPT if message.type == "interrupt" else RESTART
    return {"type": kind, **base}


def files(owner: str, reply: str, request: dict) -> dict:
    return {"type": FILES, "owner": owner, "reply": reply, "request": request}


def texts_event(items: list[tuple[str, str]]) -> dict:
    """Several (type, JSON text) messages for one consumer in one channel-layer event, in order.
    The type travels beside the text, so the consumer never parses a message to route it."""
    return {"type": MESSAGE, "kinds": [kind for kind, _ in items], "texts": [text for _, text in items]}


def event_items(event: dict) -> list[tuple[str, str]]:
    """The (type, JSON text) messages a `kernel.message` event carries, in order."""
    return list(zip(event["kinds"], event["texts"], strict=True))
