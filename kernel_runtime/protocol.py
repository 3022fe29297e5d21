"""The kernel's protocol: every message between a kernel and its host, each defined once.

    host -> kernel      TO_KERNEL: requests over the kernel's socket (built by the host)
    kernel -> host      FROM_KERNEL: what a kernel may say           (checked by the host)

A definition is also the message's constructor: `STREAM(id=..., name="stdout", text="hi")`
builds the dict, fills optional fields' defaults and refuses a name it does not define, so a
field is named in one place. A kernel is hostile (user code shares its process and its
socket), so the host checks every line a kernel sends against FROM_KERNEL: its JSON, its
nesting depth, its type and every field.

Standard library only: the kernel runtime imports it inside the sandbox and the server imports
it as `kernel_runtime.protocol` (the page's own vocabulary, playground/messages.py, builds on
it). docs/protocol.md documents each type; a test fails when one is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_ID_CHARS = 128
MAX_DEPTH = 64  # nesting of any message; a rank-60 tensor's values still fit (render caps ranks)
NON_FINITE = ("NaN", "Infinity", "-Infinity")  # how the kernel writes floats JSON cannot hold


class MessageError(ValueError):
    """A message that is not part of the protocol; says which part is wrong."""

    def __init__(self, message: str, request_id: str | None = None):
        super().__init__(message)
        self.request_id = request_id


# ---------- fields ----------

_NO_DEFAULT = object()


@dataclass(frozen=True)
class Field:
    kinds: tuple[type, ...]
    required: bool = True
    nullable: bool = False
    choices: tuple[str, ...] = ()
    max_chars: int | None = None
    default: object = _NO_DEFAULT  # what the constructor fills in when the field is not given

    def problem(self, value: object) -> str | None:
        """Why `value` does not fit, or None."""
        if value is None:
            return None if self.nullable else "must not be null"
        if isinstance(value, bool) and bool not in self.kinds:
            return f"must be {self.describe()}"
        if not isinstance(value, self.kinds) and not (float in self.kinds and value in NON_FINITE):
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

    def or_default(self, default: object) -> Field:
        """The same field, filled with `default` when a constructor is not given it."""
        return Field(self.kinds, self.required, self.nullable, self.choices, self.max_chars, default)


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
REF = Field((str, int))  # the host's own name for a request it is waiting on
POSITION = Field((int,))


def optional(spec: Field, nullable: bool = True) -> Field:
    """`spec`, which a message may leave out (and which may then be null)."""
    return Field(spec.kinds, False, nullable or spec.nullable, spec.choices, spec.max_chars, spec.default)


def nothing(spec: Field) -> Field:
    """`spec`, null when a constructor is not given it."""
    return Field(spec.kinds, spec.required, True, spec.choices, spec.max_chars, None)


# ---------- messages ----------


@dataclass(frozen=True)
class Message:
    """One message type: its fields, their checks and their defaults. `tag` names the key that
    holds the type: "type" for messages, "kind" for the shapes of a result's value."""

    type: str
    fields: dict[str, Field] = field(default_factory=dict)
    tag: str = "type"

    def __call__(self, **values: object) -> dict:
        """The message with `values`: every required field given or defaulted, no other name."""
        unknown = values.keys() - self.fields.keys()
        if unknown:
            raise TypeError(f"{self.type!r} has no field {sorted(unknown)[0]!r}")
        message: dict = {self.tag: self.type}
        for name, spec in self.fields.items():
            if name in values:
                message[name] = values[name]
            elif spec.default is not _NO_DEFAULT:
                default = spec.default
                message[name] = default.copy() if isinstance(default, list | dict) else default
            elif spec.required:
                raise TypeError(f"{self.type!r} needs {name!r} ({spec.describe()})")
        return message

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
        extra = message.keys() - self.fields.keys() - {self.tag}
        if extra:
            raise MessageError(f"'{self.type}' has no field {sorted(extra)[0]!r}", _id(message))
        return message

    def extended(self, **more: Field) -> Message:
        """The same type with more fields (the host adds to what a kernel may say)."""
        return Message(self.type, {**self.fields, **more}, self.tag)

    def without(self, *names: str) -> Message:
        return Message(self.type, {n: f for n, f in self.fields.items() if n not in names}, self.tag)


def vocabulary(*definitions: Message) -> dict[str, Message]:
    return {definition.type: definition for definition in definitions}


def _id(message: dict) -> str | None:
    value = message.get("id")
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS else None


# ---------- a run's output: what the kernel says and the page sees ----------

STREAM = Message("stream", {"id": RUN_ID, "name": STREAM_NAME, "text": TEXT})
RESULT = Message("result", {"id": ID, "lineno": nothing(LINE), "end_lineno": nothing(LINE), "value": OBJECT})
ERROR = Message(
    "error",
    {
        "id": RUN_ID,
        "ename": Field((str,), max_chars=200),
        "evalue": TEXT,
        "traceback": LIST.or_default([]),
        "lineno": nothing(LINE),
        "hint": optional(OBJECT),
        "frames": optional(LIST),
    },
)
PROGRESS = Message(
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
VARIABLES = Message("variables", {"id": ID, "variables": LIST, "truncated": FLAG, "memory_bytes": optional(COUNT)})
DONE = Message("done", {"id": ID, "ok": FLAG, "elapsed_ms": NUMBER.or_default(0.0)})

# A result's `value`: its `kind` says which renderer draws it (render.py here, render.js on the
# page; docs/protocol.md, "Values"). Every kind has a `type` and a plain-text `repr`; an unknown
# kind is drawn as text.
_REPR = {"type": TEXT, "repr": TEXT}
_ARRAY = {"device": nothing(TEXT), "shape": LIST, "dtype": TEXT, "size": Field((int,)), "nbytes": Field((int,))}
_ARRAY |= {"values": Field((list, int, float, str, bool), nullable=True), "truncated": FLAG, "stats": nothing(OBJECT)}
VALUE_TEXT = Message("text", _REPR, tag="kind")
VALUE_TENSOR = Message("tensor", {**_ARRAY, **_REPR}, tag="kind")
VALUE_VARIABLE = Message("variable", {**_ARRAY, "name": TEXT, "trainable": FLAG, **_REPR}, tag="kind")
VALUE_NDARRAY = Message("ndarray", {**_ARRAY, **_REPR}, tag="kind")
VALUE_SHAPE = Message("shape", {"dims": Field((list,), nullable=True), **_REPR}, tag="kind")
VALUE_DTYPE = Message("dtype", {"name": TEXT, **_REPR}, tag="kind")
_COUNT_OR_NULL = Field((int,), nullable=True)
_MODEL = {"name": TEXT, "params": _COUNT_OR_NULL, "trainable_params": _COUNT_OR_NULL}
_MODEL |= {"non_trainable_params": _COUNT_OR_NULL, "layers": LIST, "layers_truncated": Field((int,))}
_MODEL |= {"weights": Field((list,), nullable=True), "summary": TEXT}
VALUE_MODEL = Message("model", {**_MODEL, **_REPR}, tag="kind")
VALUE_FIGURE = Message("figure", {"png_b64": TEXT, "width": NUMBER, "height": NUMBER, **_REPR}, tag="kind")
VALUE_LOSS_REPORT = Message(
    "lossbench",
    {"name": TEXT, "reference": nothing(TEXT), "ok": FLAG, "checks": LIST, "plot": nothing(OBJECT), **_REPR},
    tag="kind",
)
VALUE_KINDS = vocabulary(
    VALUE_TEXT,
    VALUE_TENSOR,
    VALUE_VARIABLE,
    VALUE_NDARRAY,
    VALUE_SHAPE,
    VALUE_DTYPE,
    VALUE_MODEL,
    VALUE_FIGURE,
    VALUE_LOSS_REPORT,
)

# ---------- the editor's questions ----------
# Completion and inspection (docs/protocol.md, "The editor's questions"): the browser asks with
# an `id`, the host asks the kernel with a `ref` of its own, the kernel's assistant thread
# answers beside any run. What the kernel answers is capped at these sizes (the host checks).
ASSIST_LIMITS = {"items": 200, "text": 200, "params": 32, "doc": 8000, "label": 800}
ITEM_KINDS = ("module", "class", "function", "keyword", "variable", "path")
_WANT = Field((str,), choices=("call", "name"))
_SHORT = Field((str,), nullable=True, max_chars=ASSIST_LIMITS["text"])
QUESTION = {"code": TEXT, "line": POSITION, "column": POSITION}
COMPLETIONS = Message(
    "completions", {"ref": REF, "items": LIST, "line": POSITION, "start": POSITION, "truncated": FLAG}
)
INSPECTION = Message(
    "inspection",
    {
        "ref": REF,
        "name": nothing(_SHORT),
        "signature": nothing(Field((dict,), nullable=True)),
        "doc": nothing(Field((str,), nullable=True)),
        "url": nothing(_SHORT),
        "value": nothing(Field((dict,), nullable=True)),
    },
)
ASSIST_REPLIES = vocabulary(COMPLETIONS, INSPECTION)

# The parts of an answer, checked one by one by the host (kernels/assistant.py).
_ANSWER_TEXT = Field((str,), max_chars=ASSIST_LIMITS["text"])
_ANSWER_NOTE = Field((str,), nullable=True, max_chars=ASSIST_LIMITS["text"])
COMPLETION_ITEM = Message(
    "completion item", {"name": _ANSWER_TEXT, "kind": Field((str,), choices=ITEM_KINDS), "detail": _ANSWER_NOTE}
)
SIGNATURE = Message(
    "signature", {"label": Field((str,), max_chars=ASSIST_LIMITS["label"]), "params": LIST, "index": COUNT}
)
VALUE_CARD = Message(
    "value card",
    {"name": _ANSWER_TEXT, "type": _ANSWER_TEXT, "kind": _ANSWER_TEXT, "shape": Field((list,), nullable=True)}
    | {"dtype": _ANSWER_NOTE, "value": _ANSWER_NOTE, "device": _ANSWER_NOTE},
)

# ---------- the scratch folder ----------
# The host asks, the kernel's control thread answers with the same `ref`. Replies reach HTTP
# views (scratch/transfer.py), never a websocket. File names: kernel_runtime/files.py.
FILES_LIST = Message("files_list", {"ref": REF})
FILES_READ = Message("files_read", {"ref": REF, "name": TEXT, "offset": Field((int,))})
# `exclusive`: create the file, never replace another (a link's files, kernels/seeds.py): an
# identical file already there counts as written, a different one is refused with `exists`.
FILES_WRITE = Message(
    "files_write",
    {"ref": REF, "name": TEXT, "data_b64": TEXT, "append": FLAG, "exclusive": optional(FLAG).or_default(False)},
)
FILE_REQUESTS = vocabulary(FILES_LIST, FILES_READ, FILES_WRITE)
FILES_LISTING = Message("files_listing", {"ref": REF, "files": LIST, "truncated": FLAG, "free_bytes": Field((int,))})
FILES_CHUNK = Message(
    "files_chunk",
    {"ref": REF, "name": TEXT, "offset": Field((int,)), "size": Field((int,)), "data_b64": TEXT, "eof": FLAG},
)
FILES_WRITTEN = Message("files_written", {"ref": REF, "name": TEXT, "size": Field((int,))})
FILES_ERROR = Message("files_error", {"ref": optional(REF), "code": TEXT, "message": TEXT})
FILE_REPLIES = vocabulary(FILES_LISTING, FILES_CHUNK, FILES_WRITTEN, FILES_ERROR)

# ---------- the two directions ----------

EXECUTE = Message("execute", {"id": ID, "code": TEXT})
INTERRUPT = Message("interrupt", {"id": ID})
COMPLETE = Message("complete", {"ref": REF, **QUESTION})
INSPECT = Message("inspect", {"ref": REF, **QUESTION, "want": _WANT})
READY = Message("ready", {"info": OBJECT})

TO_KERNEL = vocabulary(EXECUTE, INTERRUPT, *FILE_REQUESTS.values(), COMPLETE, INSPECT)
FROM_KERNEL = vocabulary(
    READY, STREAM, RESULT, ERROR, PROGRESS, VARIABLES, DONE, *FILE_REPLIES.values(), *ASSIST_REPLIES.values()
)


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
