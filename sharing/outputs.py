"""Recorded outputs: the protocol's server messages the page collected for one run.

A snippet keeps `stream`, `result`, `error`, `progress` (a summary: epoch ends, phase ends and
the last batch update) and `done` messages, each field checked against its definition in
playground/messages.py so that the page's renderers can always draw them, and capped in size.
Unknown message types are dropped, as protocol v1 clients ignore them; a known type with a
malformed field is refused naming the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from kernel_runtime import protocol
from playground import messages

MAX_NAME_CHARS = 200
MAX_TRACEBACK_ITEMS = 200


class BadOutputs(ValueError):
    """The outputs cannot be stored; the message names the offending field."""


def _field(m: dict, key: str, where: str, default: object = None) -> Any:  # checked against its Field
    """m[key] (or `default`), checked against the field's definition in messages.SERVER."""
    value = m.get(key, default)
    problem = messages.SERVER[m["type"]].fields[key].problem(value)
    if problem:
        raise BadOutputs(f"{where}.{key} {problem}")
    return value


def _text(m: dict, key: str, where: str, default: str | None = None, limit: int | None = None) -> str:
    value = _field(m, key, where, default)
    return value if limit is None else value[:limit]


# ---------- one cleaner per message type ----------


def _stream(m: dict, where: str) -> dict:
    name = "stderr" if m.get("name") == "stderr" else "stdout"
    return {"type": "stream", "name": name, "text": _text(m, "text", where)}


def _result(m: dict, where: str) -> dict:
    value = m.get("value")
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str) or not isinstance(value.get("repr"), str):
        raise BadOutputs(f'{where}.value must be an object with "kind" and "repr" strings')
    return {
        "type": "result",
        "lineno": _field(m, "lineno", where),
        "end_lineno": _field(m, "end_lineno", where),
        "value": value,
    }


def _error(m: dict, where: str) -> dict:
    traceback = _field(m, "traceback", where, [])
    if not all(isinstance(line, str) for line in traceback):
        raise BadOutputs(f"{where}.traceback must be a list of strings")
    return {
        "type": "error",
        "ename": _text(m, "ename", where, limit=MAX_NAME_CHARS),
        "evalue": _text(m, "evalue", where, default=""),
        "lineno": _field(m, "lineno", where),
        "traceback": traceback[-MAX_TRACEBACK_ITEMS:],
        "hint": _hint(m.get("hint"), where),
    }


def _hint(hint: object, where: str) -> dict | None:
    """An error's advice (protocol: `hint`), or None."""
    if hint is None:
        return None
    if not isinstance(hint, dict):
        raise BadOutputs(f"{where}.hint must be an object or null")
    params = hint.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise BadOutputs(f"{where}.hint.params must be an object of strings")
    text = {key: hint.get(key, "") for key in ("code", "text")}
    if not all(isinstance(value, str) for value in text.values()):
        raise BadOutputs(f"{where}.hint.code and .text must be strings")
    return {
        "code": text["code"][:MAX_NAME_CHARS],
        "params": {str(k)[:MAX_NAME_CHARS]: v for k, v in params.items()},
        "text": text["text"],
    }


def _progress(m: dict, where: str) -> dict:
    logs = _field(m, "logs", where, {})
    for key, value in logs.items():
        if protocol.NUMBER.problem(value):
            raise BadOutputs(f"{where}.logs.{key} {protocol.NUMBER.problem(value)}")
    counts = {key: _field(m, key, where) for key in ("epoch", "epochs", "step", "steps")}
    cleaned = {
        "type": "progress",
        "phase": _text(m, "phase", where, limit=MAX_NAME_CHARS),
        "event": _text(m, "event", where, limit=MAX_NAME_CHARS),
        **counts,
        "logs": {str(k)[:MAX_NAME_CHARS]: v for k, v in logs.items()},
        "epoch_time_s": _field(m, "epoch_time_s", where),
    }
    if m.get("lr") is not None:  # the training panel's curves: the learning rate, and a fit's settings
        cleaned["lr"] = _field(m, "lr", where)
    if m.get("settings") is not None:
        cleaned["settings"] = _settings(_field(m, "settings", where))
    return cleaned


# A fit's settings as the kernel sends them (docs/protocol.md, progress `settings`): known keys only.
SETTINGS = {"model": str, "optimizer": str, "learning_rate": float, "schedule": str, "loss": str}
SETTINGS |= {"batch_size": int, "params": int}


def _settings(settings: dict) -> dict:
    def kept(value: object, kind: type) -> object:
        if kind is str:
            return value[:MAX_NAME_CHARS] if isinstance(value, str) else None
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return value if number and (kind is float or isinstance(value, int)) else None

    return {key: kept(settings.get(key), kind) for key, kind in SETTINGS.items()}


def _done(m: dict, where: str) -> dict:
    return {
        "type": "done",
        "ok": _field(m, "ok", where, False),
        "cancelled": _field(m, "cancelled", where, False),
        "elapsed_ms": _field(m, "elapsed_ms", where, 0),
    }


CLEANERS: dict[str, Callable[[dict, str], dict]] = {
    "stream": _stream,
    "result": _result,
    "error": _error,
    "progress": _progress,
    "done": _done,
}


# ---------- the list ----------


def clean_outputs(raw: object, max_bytes: int) -> tuple[list[dict], bool]:
    """Checked messages within max_bytes of JSON, and whether some were dropped to fit."""
    if raw is None:
        return [], False
    if not isinstance(raw, list):
        raise BadOutputs("outputs must be a list of protocol messages")
    cleaned: list[dict] = []
    for index, message in enumerate(raw):
        where = f"outputs[{index}]"
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise BadOutputs(f'{where} must be an object with a "type"')
        cleaner = CLEANERS.get(message["type"])
        if cleaner is not None:
            cleaned.append(cleaner(message, where))
    return cap(thin_epochs(summarise_progress(cleaned), int(max_bytes * EPOCHS_SHARE)), max_bytes)


def summarise_progress(messages: list[dict]) -> list[dict]:
    """Keep every epoch and end event, and of each run of batch updates only the last."""
    kept: list[dict] = []
    last_batch: dict[str, int] = {}
    for message in messages:
        if message["type"] != "progress":
            kept.append(message)
            continue
        phase = message["phase"]
        if message["event"] == "batch" and phase in last_batch:
            kept[last_batch[phase]] = message
            continue
        if message["event"] == "batch":
            last_batch[phase] = len(kept)
        else:
            last_batch.pop(phase, None)
        kept.append(message)
    return kept


EPOCHS_SHARE = 0.5  # of the outputs' bytes, at most, for epoch ends; a longer fit is thinned evenly


def thin_epochs(messages: list[dict], budget: int) -> list[dict]:
    """Every k-th epoch end, k as small as fits `budget`, so that a long fit's curves still span all of it:
    each fit's first epoch (its settings) and last are kept, and of the batch updates only the last."""
    progress = [i for i, m in enumerate(messages) if m["type"] == "progress" and m["event"] in ("epoch", "batch")]
    ends = [i for i in progress if messages[i]["event"] == "epoch"]
    size = sum(_size(messages[i]) for i in progress)
    if size <= budget:
        return messages
    step = math.ceil(size / max(budget, 1))
    drop = {i for i in progress[:-1] if messages[i]["event"] == "batch"}
    for n, i in enumerate(ends):
        after = messages[ends[n + 1]]["epoch"] if n + 1 < len(ends) else None
        is_last = after is None or messages[i]["epoch"] is None or after <= messages[i]["epoch"]  # a new fit next
        if n % step and "settings" not in messages[i] and not is_last:
            drop.add(i)
    return [m for i, m in enumerate(messages) if i not in drop]


def _size(message: dict) -> int:
    return len(json.dumps(message, ensure_ascii=False).encode())


def cap(messages: list[dict], max_bytes: int) -> tuple[list[dict], bool]:
    """Messages in order while they fit; a stream that crosses the limit is cut. `done` is always kept."""
    done = [m for m in messages if m["type"] == "done"][-1:]
    budget = max_bytes - sum(_size(m) for m in done)
    kept: list[dict] = []
    for message in (m for m in messages if m["type"] != "done"):
        size = _size(message)
        if size <= budget:
            kept.append(message)
            budget -= size
            continue
        if message["type"] == "stream" and budget > 200:
            kept.append(_cut_stream(message, budget))
        return kept + done, True
    return kept + done, False


def _cut_stream(message: dict, budget: int) -> dict:
    """The start of a stream message, as much as fits in budget bytes of JSON."""
    text = message["text"][:budget]
    while (over := _size({**message, "text": text}) - budget) > 0:
        text = text[: len(text) - over]  # every character is at least one byte
    return {**message, "text": text}
