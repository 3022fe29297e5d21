"""Kernel side of the host link: newline-delimited JSON over a Unix stream socket.

All outgoing messages go through one sender thread. The main thread only enqueues, so an
interrupt (KeyboardInterrupt) can never cut a message in half, and bursts of small messages
leave in one write.
"""

from __future__ import annotations

import json
import math
import queue
import socket
import threading
from collections.abc import Iterator

_STOP = object()


def dumps(message: dict) -> bytes:
    try:
        text = json.dumps(message, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    except ValueError:
        text = json.dumps(finite(message), separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return text.encode("utf-8", "replace") + b"\n"


def finite(value: object) -> object:
    """JSON has no NaN or Infinity: write them as the strings JavaScript's Number() reads."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


class Link:
    """The kernel's end of its socket to the host."""

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._outbox: queue.SimpleQueue = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send_loop, name="link-sender", daemon=True)
        self._sender.start()

    def send(self, message: dict) -> None:
        self._outbox.put(dumps(message))

    def flush(self, timeout: float = 5.0) -> None:
        """Block until everything queued so far has been written to the socket."""
        written = threading.Event()
        self._outbox.put(written)
        written.wait(timeout)

    def close(self) -> None:
        self._outbox.put(_STOP)
        self._sender.join(2.0)

    def messages(self) -> Iterator[dict]:
        """Messages from the host, until it closes the socket."""
        with self._sock.makefile("rb") as lines:
            for line in lines:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict):
                    yield message

    def _send_loop(self) -> None:
        while True:
            batch = [self._outbox.get()]
            while True:  # gather whatever else is already waiting into the same write
                try:
                    batch.append(self._outbox.get_nowait())
                except queue.Empty:
                    break
            data = b"".join(item for item in batch if isinstance(item, bytes))
            if data:
                try:
                    self._sock.sendall(data)
                except OSError:
                    return
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
                elif item is _STOP:
                    return
