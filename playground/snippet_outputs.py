"""Recorded outputs: the protocol's server messages the page collected for one run.

A snippet keeps `stream`, `result`, `error`, `progress` (a summary: epoch ends, phase ends and
the last batch update) and `done` messages, checked field by field so that the page's renderers
can always draw them, and capped in size. Unknown message types are dropped, as protocol v1
clients ignore them; a known type with a malformed field is refused naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable

MAX_NAME_CHARS = 200
MAX_TRACEBACK_ITEMS = 200
NON_FINITE = ("NaN", "Infinity", "-Infinity")


class BadOutputs(ValueError):
    """The outputs cannot be stored; the message names the offending field."""


# ---------- field checks ----------


def _int(message: dict, key: str, where: str) -> int | None:
    value = message.get(key)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise BadOutputs(f"{where}.{key} must be an integer or null")


def _number(message: dict, key: str, where: str) -> float | int | str | None:
    value = message.get(key)
    if value is None or value in NON_FINITE:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise BadOutputs(f"{where}.{key} must be a number or null")


def _text(message: dict, key: str, where: str, limit: int | None = None, default: str | None = None) -> str:
    value = message.get(key, default)
    if not isinstance(value, str):
        raise BadOutputs(f"{where}.{key} must be a string")
    return value if limit is None else value[:limit]


def _bool(message: dict, key: str, where: str) -> bool:
    value = message.get(key, False)
    if not isinstance(value, bool):
        raise BadOutputs(f"{where}.{key} must be true or false")
    return value


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
        "lineno": _int(m, "lineno", where),
        "end_lineno": _int(m, "end_lineno", where),
        "value": value,
    }


def _error(m: dict, where: str) -> dict:
    traceback = m.get("traceback") or []
    if not isinstance(traceback, list) or not all(isinstance(line, str) for line in traceback):
        raise BadOutputs(f"{where}.traceback must be a list of strings")
    return {
        "type": "error",
        "ename": _text(m, "ename", where, MAX_NAME_CHARS),
        "evalue": _text(m, "evalue", where, default=""),
        "lineno": _int(m, "lineno", where),
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
    return {
        "code": _text(hint, "code", f"{where}.hint", MAX_NAME_CHARS, default=""),
        "params": {str(k)[:MAX_NAME_CHARS]: v for k, v in params.items()},
        "text": _text(hint, "text", f"{where}.hint", default=""),
    }


def _progress(m: dict, where: str) -> dict:
    logs = m.get("logs") or {}
    if not isinstance(logs, dict):
        raise BadOutputs(f"{where}.logs must be an object")
    return {
        "type": "progress",
        "phase": _text(m, "phase", where, MAX_NAME_CHARS),
        "event": _text(m, "event", where, MAX_NAME_CHARS),
        "epoch": _int(m, "epoch", where),
        "epochs": _int(m, "epochs", where),
        "step": _int(m, "step", where),
        "steps": _int(m, "steps", where),
        "logs": {str(k)[:MAX_NAME_CHARS]: _number(logs, k, f"{where}.logs") for k in logs},
        "epoch_time_s": _number(m, "epoch_time_s", where),
    }


def _done(m: dict, where: str) -> dict:
    return {
        "type": "done",
        "ok": _bool(m, "ok", where),
        "cancelled": _bool(m, "cancelled", where),
        "elapsed_ms": _number(m, "elapsed_ms", where),
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
    return cap(summarise_progress(cleaned), max_bytes)


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
