"""What the session holds after a run: its user-visible names and the kernel's memory use.

Sent as one `variables` message before a run's `done` when it differs from the last one sent
(LastSent), so the page's Variables panel and memory figure are always current. Only cheap
attributes of the types we render are read (type, shape, dtype, the value of small scalars),
never anything of a user-defined class (introspect.py): its methods could be slow, huge or
never end, and here an interrupt is deferred.
"""

from __future__ import annotations

import contextlib
import os
import types
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from . import introspect, protocol

MAX_NAMES = 200
MAX_SCALAR_CHARS = 40
MEMORY_STEP_BYTES = 1 << 20  # the memory figure is news when it moved by this much
_HIDDEN = {"tf", "np", "keras", "In", "Out", "bench_loss", "training_log"}  # datasets: a module


def message(request_id: str, namespace: dict) -> dict:
    names = [n for n in namespace if not n.startswith("_") and n not in _HIDDEN]
    entries = []
    for name in sorted(names, key=str.lower):
        value = namespace.get(name)
        if issubclass(type(value), types.ModuleType):
            continue
        entries.append(describe(name, value))
        if len(entries) >= MAX_NAMES:
            break
    truncated = len(entries) >= MAX_NAMES
    return protocol.VARIABLES(id=request_id, variables=entries, truncated=truncated, memory_bytes=memory_bytes())


class LastSent:
    """What the host last heard: a run that changed nothing the Variables panel shows sends no
    `variables` (the host keeps the last one for every page: kernels/variables.py)."""

    def __init__(self) -> None:
        self._entries: tuple | None = None
        self._memory: int | None = None

    def is_news(self, message: dict) -> bool:
        entries, memory = (message["variables"], message["truncated"]), message["memory_bytes"]
        if entries == self._entries and _near(memory, self._memory):
            return False
        self._entries, self._memory = entries, memory
        return True


def _near(memory: int | None, before: int | None) -> bool:
    if memory is None or before is None:
        return memory is before
    return abs(memory - before) < MEMORY_STEP_BYTES


def describe(name: str, value: object) -> dict:
    """What the Variables list shows of a value, read without running any of the visitor's code
    (introspect.py): a user-defined class's instance shows its name and type only."""
    cls = type(value)
    entry: dict = {"name": name, "type": introspect.name_of(cls), "kind": "other", "shape": None, "dtype": None}
    with contextlib.suppress(Exception):  # an object with odd attributes still gets its name and type
        entry.update(_details(value) if introspect.is_trusted_class(cls) else _untrusted(value))
    return entry


def _untrusted(value: object) -> dict:
    return {"kind": "function"} if callable(value) else {}  # callable() reads the type's slot, runs nothing


def _details(value: Any) -> dict:
    if introspect.inherits(value, tf.Variable) or introspect.inherits(value, keras.Variable):
        return {"kind": "variable", "shape": _shape(value.shape), "dtype": _dtype(value.dtype)}
    if introspect.inherits(value, tf.Tensor):
        return {"kind": "tensor", "shape": _shape(value.shape), "dtype": _dtype(value.dtype)}
    if introspect.inherits(value, np.ndarray):
        return {"kind": "ndarray", "shape": list(value.shape), "dtype": str(value.dtype)}
    if introspect.inherits(value, keras.Model):
        params = value.count_params() if value.built else None
        return {"kind": "model", "value": None if params is None else f"{params:,} params"}
    if introspect.exactly(value, bool, int, float, complex, str, type(None)) or introspect.inherits(value, np.generic):
        text = repr(value)
        if len(text) > MAX_SCALAR_CHARS:
            text = text[: MAX_SCALAR_CHARS - 1] + "…"
        return {"kind": "scalar", "value": text}
    if introspect.is_class(value):
        return {"kind": "class"}
    if callable(value):
        return {"kind": "function"}
    if introspect.exactly(value, list, tuple, dict, set):
        return {"kind": "collection", "value": f"{len(value)} items"}
    return {}


def _shape(shape: Any) -> list | None:
    try:
        return [None if d is None else int(d) for d in shape]
    except TypeError:  # unknown rank
        return None


def _dtype(dtype: object) -> str:
    name = getattr(dtype, "name", None) or str(dtype)
    return "string" if name == "string" else name


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_statm: tuple[int, int] | None = None  # (pid, fd) kept open: opening it was most of the cost


def memory_bytes() -> int | None:
    """Memory this kernel holds on its own: resident pages not shared with the fork server or
    anyone else (statm's resident minus shared). Reading PSS from smaps_rollup would be truer
    but costs ~9 ms in a TensorFlow process, on every run's critical path."""
    global _statm
    try:
        if _statm is None or _statm[0] != os.getpid():  # a forked child reads its own
            _statm = (os.getpid(), os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC))
        fields = os.pread(_statm[1], 256, 0).split()
        return (int(fields[1]) - int(fields[2])) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return None
