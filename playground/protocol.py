"""The websocket vocabulary, version 1: every message type either side may send.

Standard library only, so the consumer, the kernel host and the tests all share one
definition. docs/protocol.md documents each type; a test fails when one is missing there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

VERSION = 1

# client -> server
EXECUTE = "execute"
INTERRUPT = "interrupt"
RESTART = "restart"
CLIENT_TYPES = frozenset({EXECUTE, INTERRUPT, RESTART})

# server -> client
STATUS = "status"
STREAM = "stream"
RESULT = "result"
ERROR = "error"
PROGRESS = "progress"
DONE = "done"
VARIABLES = "variables"
# The session's scratch folder, over the kernel's own link (issue 4; docs/protocol.md "Files"):
# the host asks, the kernel's control thread answers with the request's `ref`. They reach
# HTTP views (playground/files.py), never a websocket.
FILE_REQUESTS = frozenset({"files_list", "files_read", "files_write"})
FILE_REPLIES = frozenset({"files_listing", "files_chunk", "files_written", "files_error"})
SERVER_TYPES = frozenset({STATUS, STREAM, RESULT, ERROR, PROGRESS, DONE, VARIABLES}) | FILE_REPLIES

# What a kernel process may say about a request; the host checks every line against it.
KERNEL_TYPES = frozenset({STREAM, RESULT, ERROR, PROGRESS, DONE, VARIABLES}) | FILE_REPLIES

STATES = ("starting", "idle", "busy", "dead")

MAX_ID_CHARS = 128


class ProtocolError(Exception):
    """A client message the server cannot act on; `request_id` is set when it was readable."""

    def __init__(self, message: str, request_id: str | None = None):
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True)
class ClientMessage:
    type: str
    id: str | None = None
    code: str = ""


def parse_client_message(text: str | None, max_code_bytes: int) -> ClientMessage:
    """Turn one websocket text frame into a ClientMessage, or raise ProtocolError."""
    if text is None:
        raise ProtocolError("Binary frames are not part of the protocol; send JSON text.")
    if len(text) > 6 * max_code_bytes + 1024:  # JSON escapes take up to 6 characters a byte
        raise ProtocolError(f"The message is too large (limit {max_code_bytes // 1024} KiB of code).")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"The message is not valid JSON ({exc.msg} at position {exc.pos}).") from None
    if not isinstance(data, dict):
        raise ProtocolError("A message must be a JSON object with a 'type'.")
    kind = data.get("type")
    if kind not in CLIENT_TYPES:
        known = ", ".join(sorted(CLIENT_TYPES))
        raise ProtocolError(f"Unknown message type {kind!r}; expected one of: {known}.")
    if kind != EXECUTE:
        return ClientMessage(type=kind)
    return _parse_execute(data, max_code_bytes)


def _parse_execute(data: dict, max_code_bytes: int) -> ClientMessage:
    request_id = data.get("id")
    if not isinstance(request_id, str) or not request_id or len(request_id) > MAX_ID_CHARS:
        raise ProtocolError(f"'execute' needs an 'id': a non-empty string of at most {MAX_ID_CHARS} characters.")
    code = data.get("code")
    if not isinstance(code, str):
        raise ProtocolError("'execute' needs 'code' as a string.", request_id)
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > max_code_bytes:
        raise ProtocolError(
            f"The code is {size // 1024} KiB; the limit is {max_code_bytes // 1024} KiB per run.", request_id
        )
    return ClientMessage(type=EXECUTE, id=request_id, code=code)


def status(state: str, **extra: object) -> dict:
    return {"type": STATUS, "state": state, **extra}


def error(request_id: str | None, ename: str, evalue: str, lineno: int | None = None) -> dict:
    return {"type": ERROR, "id": request_id, "ename": ename, "evalue": evalue, "traceback": [], "lineno": lineno}


def done(request_id: str, ok: bool, elapsed_ms: float = 0.0, **extra: object) -> dict:
    return {"type": DONE, "id": request_id, "ok": ok, "elapsed_ms": round(elapsed_ms, 3), **extra}
