"""Completion, signatures and docs from the session's live namespace, inside the kernel.

jedi's Interpreter mode (what IPython uses) reads the objects the session holds, so `t.`
completes a tensor's attributes and `tf.ma` TensorFlow's functions as they are. Its answers are
cut here to what the protocol allows (protocol.ASSIST_LIMITS); the host checks them again.

jedi's parsed stubs are kept in memory between requests: warm_up() runs in the fork server, so
every kernel starts with them in shared pages and its first completion is as quick as the next.
"""

from __future__ import annotations

import contextlib
import inspect
import queue
import re
import types
from collections.abc import Callable
from typing import TypeGuard

import jedi

from . import introspect, protocol
from . import namespace as session_names
from .protocol import ASSIST_LIMITS as LIMITS

# Never run a property's code to complete after it: the user's objects may do anything there,
# and this thread runs beside the user's own code.
jedi.settings.allow_unsafe_interpreter_executions = False
jedi.settings.case_insensitive_completion = False  # `tf.Ma` is not `tf.matmul`

KINDS = {"module": "module", "class": "class", "function": "function", "keyword": "keyword", "path": "path"}
CALLED = ("function", "class", "model", "other")  # value kinds whose docstring says something
API_ROOT = "https://www.tensorflow.org/api_docs/python/"
_LINES = re.compile(r"\r\n|\r|\n")
_TAIL = re.compile(r"[A-Za-z_][\w.]*$")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def complete(ref: object, names: dict, code: str, line: int, column: int) -> dict:
    """The completions at (line, column): line from 1, column from 0, as jedi counts them."""
    text = _line(code, line)
    script, at = _script(names, code, line, text[:column])
    found = script.complete(at, column)
    prefix = found[0].get_completion_prefix_length() if found else 0
    start = column - prefix
    after_dot = text[:start].rstrip().endswith(".")
    items = []
    for completion in found[: LIMITS["items"]]:
        name = completion.name[: LIMITS["text"]]
        detail = None if after_dot or name not in names else describe(name, names[name])
        items.append({"name": name, "kind": KINDS.get(completion.type, "variable"), "detail": detail})
    return protocol.COMPLETIONS(ref=ref, items=items, line=line, start=start, truncated=len(found) > len(items))


def inspect_call(ref: object, names: dict, code: str, line: int, column: int) -> dict:
    """The signature of the call the cursor is in, with the argument being typed."""
    before = _line(code, line)[:column]
    depth, call = 0, len(before)
    while call > 0 and depth >= 0:  # back to the parenthesis the cursor is in
        call -= 1
        depth += {")": 1, "(": -1}.get(before[call], 0)
    head = before[:call] if depth < 0 else ""
    script, at = _script(names, code, line, head)
    signatures = script.get_signatures(at, column)
    if not signatures:
        return protocol.INSPECTION(ref=ref)
    found = signatures[0]
    signature = {
        "label": found.to_string()[: LIMITS["label"]],
        "params": [param.to_string()[: LIMITS["text"]] for param in found.params[: LIMITS["params"]]],
        "index": found.index,
    }
    return protocol.INSPECTION(ref=ref, name=found.name, signature=signature)


def inspect_name(ref: object, names: dict, code: str, line: int, column: int) -> dict:
    """What the name under the cursor is: its docstring, API page and, bound here, its value now."""
    chain = dotted_at(code, line, column)
    card = value_card(names, chain[0]) if len(chain) == 1 else None
    if card is not None and card["kind"] not in CALLED:
        # A value's docstring is its class's (`EagerTensor()`): the card says more, without jedi.
        return protocol.INSPECTION(ref=ref, name=chain[0], value=card)
    head = ".".join(chain)
    script, at = _script(names, code, line, head)
    helped = script.help(at, column)
    if not helped and card is None:
        return protocol.INSPECTION(ref=ref)
    doc = helped[0].docstring()[: LIMITS["doc"]] if helped else ""
    title = ".".join(chain) if chain else (helped[0].full_name or helped[0].name)
    return protocol.INSPECTION(
        ref=ref, name=title[: LIMITS["text"]], doc=doc or None, url=api_url(names, chain), value=card
    )


def _bound(names: dict, before: str) -> bool:
    """Whether the dotted name that `before` ends with starts from a name the session holds."""
    tail = _TAIL.search(before)
    return tail is not None and tail.group().split(".")[0] in names


def _script(names: dict, code: str, line: int, before: str) -> tuple[jedi.Interpreter, int]:
    """jedi, and the line to ask it about: the cursor's line alone when the name in question is
    bound in the session (its live value is the truth, and jedi need not infer it again from the
    code: for `t = tf.constant(...)` that means reading TensorFlow's sources, ~50 ms a question);
    else all the code."""
    view = introspect.for_jedi(names)  # jedi would call a user class's __dir__, __len__, __class__...
    if _bound(names, before):
        return jedi.Interpreter(_line(code, line), [view]), 1
    return jedi.Interpreter(code, [view]), line


def dotted_at(code: str, line: int, column: int) -> list[str]:
    """The dotted name under the cursor, up to the end of the part it is on (`tf.ma|th.abs` -> tf, math)."""
    text = _line(code, line)
    for match in _DOTTED.finditer(text):
        if match.start() <= column <= match.end():
            end = text.find(".", column)
            return text[match.start() : match.end() if end < 0 or end > match.end() else end].split(".")
    return []


def _line(code: str, line: int) -> str:
    lines = _LINES.split(code)  # as CodeMirror and jedi split them (not str.splitlines)
    return lines[line - 1] if 0 < line <= len(lines) else ""


def api_url(names: dict, chain: list[str]) -> str | None:
    """tensorflow.org's page for tf.* and keras.* names that resolve through modules and classes."""
    if not chain or not _is_tf_or_keras_root(names.get(chain[0])):
        return None
    owner: object = names[chain[0]]
    root = ["tf"] if names[chain[0]].__name__.startswith("tensorflow") else ["tf", "keras"]
    for part in chain[1:]:
        if not isinstance(owner, types.ModuleType | type):
            return None  # an instance's attribute: the page would be a guess
        owner = inspect.getattr_static(owner, part, None) if isinstance(owner, type) else getattr(owner, part, None)
        if owner is None:
            return None
    return API_ROOT + "/".join(root + chain[1:])


def _is_tf_or_keras_root(value: object) -> TypeGuard[types.ModuleType]:
    cls = type(value)
    if not issubclass(cls, types.ModuleType) or not introspect.is_trusted_class(cls):
        return False
    name = getattr(value, "__name__", "")
    return name in ("tensorflow", "keras") or name.startswith(("keras._tf_keras", "tensorflow._api"))


def value_card(names: dict, name: str) -> dict | None:
    """Type, shape, dtype and device of a name bound in the session, read without running its code."""
    if name not in names or name.startswith("__") or issubclass(type(names[name]), types.ModuleType):
        return None
    entry = session_names.describe(name, names[name])
    card = {key: entry.get(key) for key in ("name", "type", "kind", "shape", "dtype", "value")}
    card["device"] = None
    with contextlib.suppress(Exception):
        device = names[name].device if entry["kind"] in ("tensor", "variable") else None
        card["device"] = device.rsplit("device:", 1)[-1][: LIMITS["text"]] if isinstance(device, str) else None
    return card


def describe(name: str, value: object) -> str | None:
    """A session name's type, and a tensor's or array's shape and dtype: `EagerTensor (2, 3) float32`."""
    if issubclass(type(value), types.ModuleType):
        return None
    entry = session_names.describe(name, value)
    text = entry["type"]
    if entry.get("shape") is not None:
        shape = ", ".join("None" if d is None else str(d) for d in entry["shape"])
        text += f" ({shape}{',' if len(entry['shape']) == 1 else ''}) {entry['dtype']}"
    elif entry.get("value"):
        text += f" {entry['value']}"
    return text[: LIMITS["text"]]


def answer(names: dict, request: dict) -> dict:
    """One `complete` or `inspect` request -> its reply, carrying its `ref`; empty when jedi fails."""
    kind, code = request.get("type"), str(request.get("code", ""))
    line, column = int(request.get("line") or 1), int(request.get("column") or 0)
    ref = request.get("ref")
    try:
        if kind == "complete":
            return complete(ref, names, code, line, column)
        if request.get("want") == "call":
            return inspect_call(ref, names, code, line, column)
        return inspect_name(ref, names, code, line, column)
    except Exception:  # jedi on half-typed code, or a namespace changing under it: no answer
        return empty(request)


def empty(request: dict) -> dict:
    ref = request.get("ref")
    if request.get("type") == "complete":
        return protocol.COMPLETIONS(ref=ref, items=[], line=int(request.get("line") or 1), start=0, truncated=False)
    return protocol.INSPECTION(ref=ref)


def warm_up() -> None:
    """Parse the stubs jedi reads for builtins, TensorFlow, Keras and NumPy once (in the fork server).

    No TensorFlow op may run before the fork, so tensors and variables are reached through
    their classes; NumPy arrays are safe to make."""
    import numpy as np
    import tensorflow as tf
    from tensorflow.python.framework.ops import EagerTensor
    from tensorflow.python.ops.resource_variable_ops import ResourceVariable

    names = {"tf": tf, "np": np, "keras": tf.keras, "a": np.ones(1), "__builtins__": __builtins__}
    names |= {"E": EagerTensor, "V": ResourceVariable, "M": tf.keras.Model}
    questions = ["tf.ma", "keras.layers.De", "np.ar", "a.", "pri", "[1].", "''.s", "{}.", "E.", "V.", "M."]
    for code in questions:
        with contextlib.suppress(Exception):
            jedi.Interpreter(code, [names]).complete()
    for code in ("tf.reshape(", "keras.layers.Dense(", "np.ones("):
        with contextlib.suppress(Exception):
            jedi.Interpreter(code, [names]).get_signatures()


def serve(questions: queue.SimpleQueue, send: Callable[[dict], None], names: Callable[[], dict]) -> None:
    """The assistant thread: answers questions beside any run, never queued behind one.

    Typing outpaces answers during a busy run: of the questions waiting, only the newest of each
    kind is worked out, the older ones get an empty answer at once (their page moved on)."""
    while True:
        waiting = [questions.get()]
        while not questions.empty():
            waiting.append(questions.get())
        if None in waiting:
            return
        newest = {(request.get("type"), request.get("want")): request for request in waiting}
        for request in waiting:
            if newest[(request.get("type"), request.get("want"))] is request:
                send(answer(names(), request))
            else:
                send(empty(request))
