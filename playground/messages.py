"""The page's vocabulary: what a browser may send over its websocket and what the page draws.

    browser -> server   BROWSER: what a websocket may send (checked by the consumer)
    server -> browser   SERVER:  what the page draws (built by the kernel host and the consumer)

A run's output is the kernel's own message (kernel_runtime/protocol.py), passed on as it came;
the host adds what only it knows (`status`, a `done` that says which limit stopped a run, an
answer's `reason`). Standard library only. docs/protocol.md documents each type; a test fails
when one is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kernel_runtime.protocol import (
    ASSIST_REPLIES,
    DONE,
    ERROR,
    FLAG,
    ID,
    LIST,
    NUMBER,
    OBJECT,
    PROGRESS,
    QUESTION,
    RESULT,
    STREAM,
    TEXT,
    VARIABLES,
    Field,
    Message,
    MessageError,
    check,
    loads,
    optional,
    vocabulary,
)

STATES = ("starting", "idle", "busy", "dead")
ASSIST_REASONS = ("no_kernel", "timeout", "rate_limited", "busy")  # why an answer is empty


class ProtocolError(MessageError):
    """A browser's message the server cannot act on; `request_id` is set when it was readable."""


_REASON = optional(Field((str,), choices=ASSIST_REASONS))

EXECUTE = Message("execute", {"id": ID, "code": TEXT})
INTERRUPT = Message("interrupt", {"id": optional(ID)})
RESTART = Message("restart", {"id": optional(ID)})
COMPLETE = Message("complete", {"id": ID, **QUESTION})
INSPECT = Message("inspect", {"id": ID, **QUESTION, "want": Field((str,), choices=("call", "name"))})
# In a class (classroom/): a student's page follows the teacher's playground or stops; the teacher's
# playground says what its editor holds, and pushes code to the class.
FOLLOW = Message("follow", {"on": FLAG})
EDITOR = Message("editor", {"code": TEXT})
PUSH_CODE = Message("push", {"code": TEXT, "title": optional(TEXT)})
BROWSER = vocabulary(EXECUTE, INTERRUPT, RESTART, COMPLETE, INSPECT, FOLLOW, EDITOR, PUSH_CODE)
CLASS_REQUESTS = ("follow", "editor", "push")  # answered by the web tier (classroom/membership.py)

STATUS = Message(
    "status",
    {
        "state": Field((str,), choices=STATES),
        "reason": optional(TEXT).or_default(None),
        "kernel": optional(OBJECT).or_default(None),
        "queued": Field((int,), default=0),
    },
)
# `cancelled`: it never ran (Interrupt emptied the queue); `stopped_by`: the limit that stopped
# it, {"limit": name, "value": number}. Only the host sets them.
DONE_SEEN = DONE.extended(cancelled=optional(FLAG), stopped_by=optional(OBJECT))
# An answer to the editor carries the browser's `id` instead of the host's `ref`, and why it is empty.
COMPLETIONS_SEEN = ASSIST_REPLIES["completions"].without("ref").extended(id=ID, reason=_REASON)
INSPECTION_SEEN = ASSIST_REPLIES["inspection"].without("ref").extended(id=ID, reason=_REASON)
# A run begun (by this page or another of the session): its code, so every page can show it.
RUN = Message("run", {"id": ID, "code": TEXT, "started": NUMBER})
# The session's record (kernels/record.py), first thing a page hears after its status: every run
# kept, oldest first, each {id, code, started, kernel, messages, truncated, running}.
RECORD = Message("record", {"runs": LIST, "dropped": Field((int,))})
# An exercise's hidden check, run after the run `id` (kernels/checks.py): passed, or why not.
VERDICT = Message("verdict", {"id": ID, "exercise": TEXT, "passed": FLAG, "message": TEXT})
# What a class's teacher pushed (classroom/): offered to the student, never put in the editor unasked.
PUSH = Message("push", {"id": ID, "code": TEXT, "title": TEXT})
# The page's class, when it is in one: its name and code; `closed` when the teacher closed it.
CLASS_STATE = Message("class", {"code": TEXT, "name": TEXT, "closed": FLAG})
# Follow mode: a message of the teacher's playground's runs, as its own pages get it; and what
# the teacher's editor holds.
FOLLOWED = Message("follow", {"message": OBJECT})
TEACHER_EDITOR = Message("teacher_editor", {"code": TEXT})
SERVER = vocabulary(
    STATUS,
    RUN,
    RECORD,
    STREAM,
    RESULT,
    ERROR,
    PROGRESS,
    VARIABLES,
    DONE_SEEN,
    COMPLETIONS_SEEN,
    INSPECTION_SEEN,
    VERDICT,
    PUSH,
    CLASS_STATE,
    FOLLOWED,
    TEACHER_EDITOR,
)


@dataclass(frozen=True)
class ClientMessage:
    type: str
    id: str | None = None
    code: str = ""
    line: int = 0  # complete, inspect: the cursor, line from 1 and column from 0 (jedi's count)
    column: int = 0
    want: str = ""  # inspect: "call" (the signature being typed) or "name" (docs and value)
    on: bool = False  # follow: start (True) or stop following the teacher
    title: str = ""  # push: what the students' banner says


def parse_client_message(text: str | None, max_code_bytes: int) -> ClientMessage:
    """One websocket text frame as a ClientMessage, or ProtocolError saying what is wrong."""
    if text is None:
        raise ProtocolError("Binary frames are not part of the protocol; send JSON text.")
    if len(text) > 6 * max_code_bytes + 1024:  # JSON escapes take up to 6 characters a byte
        raise ProtocolError(f"The message is too large (limit {max_code_bytes // 1024} KiB of code).")
    try:
        message = check(BROWSER, loads(text))
    except MessageError as exc:
        raise ProtocolError(_sentence(str(exc)), exc.request_id) from None
    code = message.get("code", "")
    size = len(code.encode("utf-8", "surrogatepass"))
    if size > max_code_bytes:
        raise ProtocolError(
            f"The code is {size // 1024} KiB; the limit is {max_code_bytes // 1024} KiB per run.", message.get("id")
        )
    if message["type"] in ("complete", "inspect"):
        _check_position(code, message)
    fields = {
        name: message[name] for name in ("line", "column", "want", "on", "title") if message.get(name) is not None
    }
    return ClientMessage(type=message["type"], id=message.get("id"), code=code, **fields)


def _check_position(code: str, message: dict) -> None:
    """The cursor must be in the code: lines split as CodeMirror and jedi split them."""
    lines = re.split(r"\r\n|\r|\n", code)
    line, column = message["line"], message["column"]
    if not 1 <= line <= len(lines) or not 0 <= column <= len(lines[line - 1]):
        raise ProtocolError(f"The cursor (line {line}, column {column}) is not in the code.", message["id"])


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
