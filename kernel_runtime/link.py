"""Kernel side of the host link: newline-delimited JSON over a Unix stream socket.

Messages from other threads, and from the main thread while it runs user code, go through
one sender thread: queuing never writes, so an interrupt (KeyboardInterrupt) can never cut a
message in half, and bursts of small messages leave in one write. The main thread's own
answers outside user code (a run's results, variables and `done`) are written directly.
"""

from __future__ import annotations

import json
import math
import socket
import threading
from collections.abc import Iterator


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
        self._pending: list[bytes | threading.Event] = []  # for the sender thread, in order
        self._closed = False
        self._ready = threading.Condition()
        self._sender = threading.Thread(target=self._send_loop, name="link-sender", daemon=True)
        self._sender.start()

    def send(self, message: dict) -> None:
        """Queue a message for the sender thread. Safe from any thread at any time, in user code
        too: it never writes, so an interrupt cannot cut a message in half."""
        self._put(dumps(message))

    def send_now(self, *messages: dict) -> None:
        """Write `messages` from this thread, after everything queued before them. For the main
        thread outside user code only (an interrupt raises nothing there): a quick run's answers
        then cost no wake-up of the sender thread, which was most of their cost on an idle core."""
        data = b"".join(dumps(message) for message in messages)
        with self._ready:
            items, self._pending = self._pending, []
            self._write([*items, data])

    def flush(self, timeout: float = 5.0) -> None:
        """Block until everything queued so far has been written to the socket."""
        written = threading.Event()
        self._put(written)
        written.wait(timeout)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
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

    def _put(self, item: bytes | threading.Event) -> None:
        with self._ready:
            self._pending.append(item)
            self._ready.notify()

    def _send_loop(self) -> None:
        # Whatever waits when the thread wakes leaves in one write. Writes happen under the
        # lock, by this thread or by send_now, so messages leave in the order they were given.
        while True:
            with self._ready:
                while not self._pending and not self._closed:
                    self._ready.wait()
                items, self._pending = self._pending, []
                if not self._write(items) or self._closed:
                    return

    def _write(self, items: list[bytes | threading.Event]) -> bool:
        data = b"".join(item for item in items if isinstance(item, bytes))
        try:
            if data:
                self._sock.sendall(data)
            return True
        except OSError:  # the host is gone: the control thread sees the socket close
            return False
        finally:
            for item in items:
                if isinstance(item, threading.Event):
                    item.set()
