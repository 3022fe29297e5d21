"""Capture the kernel's stdout and stderr at the file-descriptor level and stream them live.

File descriptors 1 and 2 become pipes, so output from Python's print, from TensorFlow's C++
logging and from child processes all arrives the same way. A reader thread batches what it
reads into `stream` messages (a print in a slow loop shows up at once; a tight print loop
becomes a few messages a second), and the main thread drains the pipes at the end of each run
so that every byte written during a run is sent before that run's `done`.
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import sys
import threading
import time
from collections.abc import Callable

from . import protocol

BATCH_S = 0.02  # gather output for up to 20 ms before sending, to bound the message rate
CHUNK = 65536


class OutputCapture:
    def __init__(self, send: Callable[[dict], None], current_id: Callable[[], str | None], limit_bytes: int):
        self._send = send
        self._current_id = current_id
        self._limit = limit_bytes
        self._sent_bytes = 0
        self._dropped = False
        self._lock = threading.Lock()
        self._pipes: dict[int, str] = {}
        for fd, name in ((1, "stdout"), (2, "stderr")):
            read_end, write_end = os.pipe()
            os.dup2(write_end, fd)
            os.close(write_end)
            os.set_blocking(read_end, False)
            self._pipes[read_end] = name
        self._fds = list(self._pipes)
        sys.stdout = _text_stream(1)
        sys.stderr = _text_stream(2)
        threading.Thread(target=self._read_loop, name="output-reader", daemon=True).start()

    def start_run(self) -> None:
        with self._lock:
            self._sent_bytes = 0
            self._dropped = False

    def drain(self) -> None:
        """Send everything written so far (call on the main thread before `done`)."""
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        # One poll for both pipes: most runs print nothing, and four reads to learn that were
        # a tenth of a trivial run's time in the kernel.
        if not select.select(self._fds, [], [], 0)[0]:
            return
        with self._lock:
            self._read_available()

    def _read_loop(self) -> None:
        fds = list(self._pipes)
        while True:
            readable, _, _ = select.select(fds, [], [])
            if readable:
                time.sleep(BATCH_S)
            with self._lock:
                self._read_available()

    def _read_available(self) -> None:
        for fd, name in self._pipes.items():
            chunks = []
            while True:
                try:
                    data = os.read(fd, CHUNK)
                except BlockingIOError:
                    break
                if not data:
                    break
                chunks.append(data)
            if chunks:
                self._emit(name, b"".join(chunks))

    def _emit(self, name: str, data: bytes) -> None:
        room = self._limit - self._sent_bytes
        if room <= 0:
            self._note_dropped()
            return
        data = data[:room]
        self._sent_bytes += len(data)
        text = data.decode("utf-8", "replace")
        self._send(protocol.STREAM(id=self._current_id(), name=name, text=text))
        if self._sent_bytes >= self._limit:
            self._note_dropped()

    def _note_dropped(self) -> None:
        if self._dropped:
            return
        self._dropped = True
        limit_kib = self._limit // 1024
        text = f"\n[output limit reached: {limit_kib} KiB per run; further output of this run is discarded]\n"
        self._send(protocol.STREAM(id=self._current_id(), name="stderr", text=text))


def _text_stream(fd: int) -> io.TextIOWrapper:
    raw = io.FileIO(fd, "w", closefd=False)
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", line_buffering=True, write_through=True)
