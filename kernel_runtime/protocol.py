"""The wire vocabulary: every message, one definition each, in each of the four directions.

    browser -> host     BROWSER: what a websocket may send           (checked by the consumer)
    host -> browser     SERVER:  what the page draws                 (built by the host)
    host -> kernel      TO_KERNEL: requests over the kernel's socket (built by the host)
    kernel -> host      FROM_KERNEL: what a kernel may say           (checked by the host)

A kernel is hostile (user code shares its process and its socket), so the host checks every
line a kernel sends against FROM_KERNEL: its JSON, its nesting depth, its type and every field.
Standard library only: the kernel runtime imports this module inside the sandbox (as the
top-level `messages`), and the host, the consumer, the snippet store and the tests import it as
`playground.messages`. docs/protocol.md documents each type; a test fails when one is missing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_ID_CHARS = 128
MAX_DEPTH = 64  # nesting of any message; a rank-60 tensor's values still fit (render caps ranks)
STATES = ("starting", "idle", "busy", "dead")
NON_FINITE = ("NaN", "Infinity", "-Infinity")  # how the kernel writes floats JSON cannot hold


class MessageError(ValueError):
    """A message that is not part of the protocol; says which part is wrong."""

    def __init__(self, message: str, request_id: str | None = None):
        super().__init__(message)
        self.request_id = request_id


class ProtocolError(MessageError):
    """A browser's message the server cannot act on; `request_id` is set when it was readable."""


# ---------- fields ----------


@dataclass(frozen=True)
class Field:
    kinds: tuple[type, ...]
    required: bool = True
    nullable: bool = False
    choices: tuple[str, ...] = ()
    max_chars: int | None = None

    def problem(self, value: object) -> str | None:
        """Why `value` does not fit, or None."""
        if value is None:
            return None if self.nullable else "must not be null"
        if isinstance(value, bool) and bool not in self.kinds:
            return f"must be {self.describe()}"
        if not isinstance(value, self.kinds) and not (_is_number(self) and value in NON_FINITE):
            return f"must be {self.describe()}"
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}"
        if self.max_chars is not None and isinstance(value, str) and not 0 < len(value) <= self.max_chars:
            return f"must be 1 to {self.max_chars} characters"
        return None

    def describe(self) -> str:
        names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
        names |= {dict: "an object", list: "a list"}
        text = " or ".join(dict.fromkeys(names[kind] for kind in self.kinds))
        return text + (" or null" if self.nullable else "")


def _is_number(spec: Field) -> bool:
    return float in spec.kinds


TEXT = Field((str,))
ID = Field((str,), max_chars=MAX_ID_CHARS)
RUN_ID = Field((str,), nullable=True, max_chars=MAX_ID_CHARS)  # null: output outside any run
LINE = Field((int,), nullable=True)
COUNT = Field((int,), nullable=True)
NUMBER = Field((int, float))
FLAG = Field((bool,))
OBJECT = Field((dict,))
LIST = Field((list,))
STREAM_NAME = Field((str,), choices=("stdout", "stderr"))


def optional(spec: Field, nullable: bool = True) -> Field:
    return Field(spec.kinds, False, nullable or spec.nullable, spec.choices, spec.max_chars)


# ---------- messages ----------


@dataclass(frozen=True)
class Message:
    type: str
    fields: dict[str, Field] = field(default_factory=dict)

    def check(self, message: dict) -> dict:
        """`message` itself when every field fits and no other field is there."""
        for name, spec in self.fields.items():
            if name not in message:
                if spec.required:
                    raise MessageError(f"'{self.type}' needs '{name}' ({spec.describe()})", _id(message))
                continue
            problem = spec.problem(message[name])
            if problem:
                raise MessageError(f"'{self.type}'.{name} {problem}", _id(message))
        extra = message.keys() - self.fields.keys() - {"type"}
        if extra:
            raise MessageError(f"'{self.type}' has no field {sorted(extra)[0]!r}", _id(message))
        return message


def _vocabulary(*definitions: Message) -> dict[str, Message]:
    return {definition.type: definition for definition in definitions}


def _id(message: dict) -> str | None:
    value = message.get("id")
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS else None


# What every run's output looks like, whoever sends it (kernel to host, host to browser).
_STREAM = Message("stream", {"id": RUN_ID, "name": STREAM_NAME, "text": TEXT})
_RESULT = Message("result", {"id": ID, "lineno": LINE, "end_lineno": LINE, "value": OBJECT})
_ERROR_FIELDS = {
    "id": RUN_ID,
    "ename": Field((str,), max_chars=200),
    "evalue": TEXT,
    "traceback": LIST,
    "lineno": LINE,
    "hint": optional(OBJECT),
    "frames": optional(LIST),
}
_PROGRESS = Message(
    "progress",
    {
        "id": ID,
        "phase": TEXT,
        "event": TEXT,
        "epoch": COUNT,
        "epochs": COUNT,
        "step": COUNT,
        "steps": COUNT,
        "logs": OBJECT,
        "elapsed_s": optional(NUMBER),
        "eta_s": optional(NUMBER),
        "epoch_time_s": optional(NUMBER),
        "lr": optional(NUMBER),  # a fit's epoch: the optimizer's learning rate then
        "settings": optional(OBJECT),  # a fit's first epoch: what the training panel lists
    },
)
_VARIABLES = Message("variables", {"id": ID, "variables": LIST, "truncated": FLAG, "memory_bytes": optional(COUNT)})
_DONE_FIELDS = {"id": ID, "ok": FLAG, "elapsed_ms": NUMBER}

# Completion and inspection (docs/protocol.md, "The editor's questions"): the browser asks with
# an `id`, the host asks the kernel with a `ref` of its own, the kernel's assistant thread
# answers beside any run. What the kernel answers is capped at these sizes (kernel/assist.py).
ASSIST_LIMITS = {"items": 200, "text": 200, "params": 32, "doc": 8000, "label": 800}
ASSIST_REASONS = ("no_kernel", "timeout", "rate_limited", "busy")  # why an answer is empty
ITEM_KINDS = ("module", "class", "function", "keyword", "variable", "path")
POSITION = Field((int,))
_WANT = Field((str,), choices=("call", "name"))
_SHORT = Field((str,), nullable=True, max_chars=ASSIST_LIMITS["text"])
_QUESTION = {"code": TEXT, "line": POSITION, "column": POSITION}
_COMPLETIONS = {"items": LIST, "line": POSITION, "start": POSITION, "truncated": FLAG}
_INSPECTION = {"name": _SHORT, "signature": Field((dict,), nullable=True), "doc": Field((str,), nullable=True)}
_INSPECTION |= {"url": _SHORT, "value": Field((dict,), nullable=True)}
_REASON = optional(Field((str,), choices=ASSIST_REASONS))

BROWSER = _vocabulary(
    Message("execute", {"id": ID, "code": TEXT}),
    Message("interrupt", {"id": optional(ID)}),
    Message("restart", {"id": optional(ID)}),
    Message("complete", {"id": ID, **_QUESTION}),
    Message("inspect", {"id": ID, **_QUESTION, "want": _WANT}),
)

SERVER = _vocabulary(
    Message(
        "status",
        {
            "state": Field((str,), choices=STATES),
            "reason": optional(TEXT),
            "kernel": optional(OBJECT),
            "queued": Field((int,)),
        },
    ),
    _STREAM,
    _RESULT,
    Message("error", _ERROR_FIELDS),
    _PROGRESS,
    _VARIABLES,
    # `cancelled`: it never ran (Interrupt emptied the queue); `stopped_by`: the limit that
    # stopped it, {"limit": name, "value": number}. Only the host sets them.
    Message("done", {**_DONE_FIELDS, "cancelled": optional(FLAG), "stopped_by": optional(OBJECT)}),
    Message("completions", {"id": ID, **_COMPLETIONS, "reason": _REASON}),
    Message("inspection", {"id": ID, **_INSPECTION, "reason": _REASON}),
)

# The scratch folder: the host asks, the kernel's control thread answers with the same `ref`.
# Replies reach HTTP views (scratch/transfer.py), never a websocket.
REF = Field((str, int))
FILE_REQUESTS = _vocabulary(
    Message("files_list", {"ref": REF}),
    Message("files_read", {"ref": REF, "name": TEXT, "offset": Field((int,))}),
    Message("files_write", {"ref": REF, "name": TEXT, "data_b64": TEXT, "append": FLAG}),
)
FILE_REPLIES = _vocabulary(
    Message("files_listing", {"ref": REF, "files": LIST, "truncated": FLAG, "free_bytes": Field((int,))}),
    Message(
        "files_chunk",
        {"ref": REF, "name": TEXT, "offset": Field((int,)), "size": Field((int,)), "data_b64": TEXT, "eof": FLAG},
    ),
    Message("files_written", {"ref": REF, "name": TEXT, "size": Field((int,))}),
    Message("files_error", {"ref": optional(REF), "code": TEXT, "message": TEXT}),
)

TO_KERNEL = _vocabulary(
    Message("execute", {"id": ID, "code": TEXT}),
    Message("interrupt", {"id": ID}),
    *FILE_REQUESTS.values(),
    Message("complete", {"ref": REF, **_QUESTION}),
    Message("inspect", {"ref": REF, **_QUESTION, "want": _WANT}),
)

FROM_KERNEL = _vocabulary(
    Message("ready", {"info": OBJECT}),
    _STREAM,
    _RESULT,
    Message("error", _ERROR_FIELDS),
    _PROGRESS,
    _VARIABLES,
    Message("done", _DONE_FIELDS),
    *FILE_REPLIES.values(),
    Message("completions", {"ref": REF, **_COMPLETIONS}),
    Message("inspection", {"ref": REF, **_INSPECTION}),
)
ASSIST_REPLIES = ("completions", "inspection")


# A file's name, in every files_* message: one plain name in the scratch folder. Checked by the
# web side before asking and by the kernel before opening.
CHUNK_BYTES = 256 * 1024  # raw bytes per `files_chunk`: ~350 KB of base64, well under 1 MiB
MAX_NAME_BYTES = 255


class FileRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def check_name(name: object) -> str:
    """The name if it is one plain file name in the folder, else FileRefused."""
    if not isinstance(name, str) or not name:
        raise FileRefused("bad_name", "A file name is needed.")
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        raise FileRefused("bad_name", f"{name!r} is not a plain file name: no slashes, no '..', no leading dot.")
    if any(ord(c) < 32 or ord(c) == 127 for c in name) or len(name.encode("utf-8", "replace")) > MAX_NAME_BYTES:
        raise FileRefused("bad_name", "File names may not contain control characters or exceed 255 bytes.")
    return name


# ---------- reading ----------


def loads(data: str | bytes) -> object:
    """JSON without NaN or Infinity literals, nested at most MAX_DEPTH deep; else MessageError."""
    try:
        value = _DECODER.decode(data if isinstance(data, str) else data.decode("utf-8"))
    except RecursionError:
        raise MessageError(f"the message is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise MessageError(f"the message is not valid JSON ({exc.msg} at position {exc.pos})") from None
    except ValueError as exc:  # invalid UTF-8, an integer of thousands of digits, a NaN literal
        raise MessageError(f"the message is not valid JSON ({exc})") from None
    if not within_depth(value, MAX_DEPTH):
        raise MessageError(f"the message is nested deeper than {MAX_DEPTH} levels")
    return value


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)  # one, not one per message


def within_depth(value: object, limit: int) -> bool:
    """Whether no list or object in `value` lies deeper than `limit` (without recursion)."""
    level: list[Iterable] = [[value]]
    for _ in range(limit + 1):
        nested: list[Iterable] = []
        for container in level:
            for item in container:
                if isinstance(item, dict):
                    nested.append(item.values())
                elif isinstance(item, list):
                    nested.append(item)
        if not nested:
            return True
        level = nested
    return False


def check(vocabulary: dict[str, Message], value: object) -> dict:
    """A message of `vocabulary`, checked field by field; else MessageError naming the problem."""
    if not isinstance(value, dict):
        raise MessageError("a message must be a JSON object with a 'type'")
    definition = vocabulary.get(value.get("type"))  # type: ignore[arg-type]
    if definition is None:
        known = ", ".join(sorted(vocabulary))
        raise MessageError(f"unknown message type {value.get('type')!r}; expected one of: {known}", _id(value))
    return definition.check(value)


# ---------- the browser's messages ----------


@dataclass(frozen=True)
class ClientMessage:
    type: str
    id: str | None = None
    code: str = ""
    line: int = 0  # complete, inspect: the cursor, line from 1 and column from 0 (jedi's count)
    column: int = 0
    want: str = ""  # inspect: "call" (the signature being typed) or "name" (docs and value)


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
            f"The code is {size // 1024} KiB; the limit is {max_code_bytes // 1024} KiB per run.", message["id"]
        )
    if message["type"] in ("complete", "inspect"):
        _check_position(code, message)
    fields = {name: message[name] for name in ("line", "column", "want") if name in message}
    return ClientMessage(type=message["type"], id=message.get("id"), code=code, **fields)


def _check_position(code: str, message: dict) -> None:
    """The cursor must be in the code: lines split as CodeMirror and jedi split them."""
    lines = re.split(r"\r\n|\r|\n", code)
    line, column = message["line"], message["column"]
    if not 1 <= line <= len(lines) or not 0 <= column <= len(lines[line - 1]):
        raise ProtocolError(f"The cursor (line {line}, column {column}) is not in the code.", message["id"])


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


# ---------- building ----------
# Senders build messages here, so a field is named in one place. The host forwards a kernel's
# checked text as it came, so these are not on the host's hot path.


def status(state: str, reason: str | None = None, kernel: dict | None = None, queued: int = 0) -> dict:
    return {"type": "status", "state": state, "reason": reason, "kernel": kernel, "queued": queued}


def stream(request_id: str | None, name: str, text: str) -> dict:
    return {"type": "stream", "id": request_id, "name": name, "text": text}


def result(request_id: str, lineno: int | None, end_lineno: int | None, value: dict) -> dict:
    return {"type": "result", "id": request_id, "lineno": lineno, "end_lineno": end_lineno, "value": value}


def error(request_id: str | None, ename: str, evalue: str, lineno: int | None = None, **extra: object) -> dict:
    message: dict[str, object] = {"type": "error", "id": request_id, "ename": ename, "evalue": evalue}
    message.update(traceback=[], lineno=lineno)
    return {**message, **extra}


def done(request_id: str, ok: bool, elapsed_ms: float = 0.0, **extra: object) -> dict:
    return {"type": "done", "id": request_id, "ok": ok, "elapsed_ms": round(elapsed_ms, 3), **extra}


def execute(request_id: str, code: str) -> dict:
    return {"type": "execute", "id": request_id, "code": code}


def interrupt(request_id: str) -> dict:
    return {"type": "interrupt", "id": request_id}


def ready(info: dict) -> dict:
    return {"type": "ready", "info": info}


def files_error(ref: object, code: str, message: str) -> dict:
    return {"type": "files_error", "ref": ref, "code": code, "message": message}


def progress(request_id: str, phase: str, event: str, counts: dict, logs: dict, **timing: object) -> dict:
    """`counts`: epoch, epochs, step and steps (each an integer or None)."""
    return {"type": "progress", "id": request_id, "phase": phase, "event": event, **counts, "logs": logs, **timing}


def variables(request_id: str, entries: list, truncated: bool, memory_bytes: int | None) -> dict:
    message = {"type": "variables", "id": request_id, "variables": entries, "truncated": truncated}
    return {**message, "memory_bytes": memory_bytes}


def files_listing(entries: list, truncated: bool, free_bytes: int) -> dict:
    return {"type": "files_listing", "files": entries, "truncated": truncated, "free_bytes": free_bytes}


def files_chunk(name: str, offset: int, size: int, data_b64: str, eof: bool) -> dict:
    return {"type": "files_chunk", "name": name, "offset": offset, "size": size, "data_b64": data_b64, "eof": eof}


def files_written(name: str, size: int) -> dict:
    return {"type": "files_written", "name": name, "size": size}


def completions(items: list, line: int, start: int, truncated: bool) -> dict:
    return {"type": "completions", "items": items, "line": line, "start": start, "truncated": truncated}


def inspection(
    name: str | None = None,
    signature: dict | None = None,
    doc: str | None = None,
    url: str | None = None,
    value: dict | None = None,
) -> dict:
    return {"type": "inspection", "name": name, "signature": signature, "doc": doc, "url": url, "value": value}
