"""The kernel: one forked process that runs a visitor's snippets in a persistent namespace.

The main thread runs user code (signals, and so interrupts, are delivered to it); a control
thread reads the host's requests; the link's sender thread writes replies. Interrupt is a
SIGINT sent to the main thread, turned into KeyboardInterrupt only while user code runs, so it
can never land in the middle of the kernel's own bookkeeping.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import os
import platform
import queue
import signal
import socket
import threading
import time

import keras
import numpy as np
import tensorflow as tf

from . import (
    datasets,
    devices,
    figures,
    files,
    kerascache,
    lossbench,
    namespace,
    progress,
    protocol,
    render,
    repl,
    streams,
    tfconfig,
)
from .assistant import serve as serve_questions
from .link import Link, dumps

REHEARSAL = "x = tf.constant([1.0, 2.0, 3.0]) + 1\nx"  # what a first snippet does: an op, a result, a variable


def run(sock_fd: int, config: dict) -> None:
    """Entry point in a freshly forked child; returns when the host closes the link."""
    os.chdir(config["scratch"])
    os.environ.update({"HOME": config["scratch"], "TMPDIR": config["scratch"]})
    sock = socket.socket(fileno=sock_fd)
    # The host reads this process's pid from the first byte's credentials (SO_PASSCRED), puts
    # it in its cgroup, and answers; only then does anything else happen here.
    sock.sendall(b"\0")
    if sock.recv(1) != b"\1":
        return
    devices.configure(config.get("gpu"))
    repl.SCRATCH_BYTES = config.get("scratch_bytes")
    link = Link(sock)
    Kernel(link, config).serve()
    link.close()


class Kernel:
    def __init__(self, link: Link, config: dict):
        self._link = link
        self._lock = threading.Lock()
        self._current_id: str | None = None
        self._in_user_code = False
        self._interrupted_id: str | None = None  # a run asked to stop before it reached user code
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._main_thread = threading.get_ident()
        caps = render.Caps()
        for name, value in config.get("caps", {}).items():
            setattr(caps, name, value)
        self._capture = streams.OutputCapture(link.send, self.current_id, config.get("output_limit", 1 << 20))
        progress.install(link.send, self.current_id)
        self._fresh_start = tfconfig.FreshStart(config.get("gpu"))  # tf.config calls before any op
        tfconfig.install(self._fresh_start)
        datasets.block_downloads()
        kerascache.configure(provided=bool(config.get("keras_datasets")))
        files.configure(config["scratch"])
        # `keras` is tf.keras, the same Keras 3 plus the legacy backend functions (K.square, ...)
        # that lessons written for `from tensorflow import keras` use.
        names = {"__name__": "__main__", "__builtins__": builtins, "tf": tf, "np": np, "keras": tf.keras}
        names.update(datasets=datasets, bench_loss=lossbench.bench_loss, training_log=progress.training_log)
        self._interpreter = repl.Interpreter(names, self._send_after_output, caps)
        self._variables_sent = namespace.LastSent()
        signal.signal(signal.SIGINT, self._on_sigint)
        threading.Thread(target=self._control_loop, name="control", daemon=True).start()
        # Completion and inspection: a thread of their own, so a slow answer delays no interrupt.
        self._questions: queue.SimpleQueue = queue.SimpleQueue()
        assist = (self._questions, link.send, lambda: self._interpreter.namespace)
        threading.Thread(target=serve_questions, args=assist, name="assistant", daemon=True).start()
        _warm_up(names, caps)
        self._fresh_start.ready()  # the warm-up's op is the kernel's; any later one is the session's
        link.send(protocol.READY(info=kernel_info(config)))

    def _send_after_output(self, message: dict) -> None:
        """A value or error goes out after the text printed before it (a notebook places both by it)."""
        self._capture.drain()
        self._link.send_now(message)  # called outside user code only (repl.Interpreter)

    def current_id(self) -> str | None:
        return self._current_id

    def serve(self) -> None:
        while True:
            try:
                request = self._requests.get()
            except KeyboardInterrupt:
                continue
            if request is None:
                return
            self._execute(request)

    def _execute(self, request: dict) -> None:
        started = time.perf_counter()
        request_id = str(request.get("id"))
        with self._lock:
            self._current_id = request_id
        self._capture.start_run()
        if signal.getsignal(signal.SIGINT) != self._on_sigint:  # the previous snippet replaced it
            signal.signal(signal.SIGINT, self._on_sigint)
        ok = self._interpreter.run(request_id, str(request.get("code", "")), self._set_in_user_code)
        figures.flush(self._link.send, request_id)  # plots show at the end of the run, as in a notebook
        self._capture.drain()
        with self._lock:
            self._current_id = None
        elapsed_ms = (time.perf_counter() - started) * 1000
        variables = namespace.message(request_id, self._interpreter.namespace)
        done = protocol.DONE(id=request_id, ok=ok, elapsed_ms=round(elapsed_ms, 3))
        if self._variables_sent.is_news(variables):
            self._link.send_now(variables, done)
        else:
            self._link.send_now(done)

    def _set_in_user_code(self, value: bool) -> None:
        self._in_user_code = value
        if value and self._interrupted_id is not None and self._interrupted_id == self._current_id:
            self._interrupted_id = None
            raise KeyboardInterrupt("Interrupted by the user.")

    def _on_sigint(self, signum, frame) -> None:
        if self._in_user_code:
            raise KeyboardInterrupt("Interrupted by the user.")
        self._interrupted_id = self._current_id  # delivered as soon as user code starts

    def _control_loop(self) -> None:
        for message in self._link.messages():
            kind = message.get("type")
            if kind == "execute":
                self._requests.put(message)
            elif kind == "interrupt":
                self._interrupt(message.get("id"))
            elif isinstance(kind, str) and kind.startswith("files_"):
                self._link.send(files.handle(message))  # here, so it works while a run is busy
            elif kind in ("complete", "inspect"):
                self._questions.put(message)
        self._requests.put(None)

    def _interrupt(self, request_id: str | None) -> None:
        with self._lock:
            if self._current_id is not None and request_id in (None, self._current_id):
                signal.pthread_kill(self._main_thread, signal.SIGINT)
            elif request_id is not None:
                self._interrupted_id = request_id  # sent, but not started yet


def kernel_info(config: dict) -> dict:
    return {
        "tf": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        **devices.describe(config.get("gpu"), config.get("cpu_reason", "")),
        "pid": os.getpid(),
    }


def _warm_up(base_names: dict, caps: render.Caps) -> None:
    """Before the kernel is ready: a visitor's first snippet then finds TensorFlow's runtime
    started and its own path walked, and the kernel gives back what that left unused.

    The rehearsal runs a snippet through the whole path (parse, run, render, variables, JSON)
    in a namespace of its own, its messages dropped: the pages that path writes are copied from
    the fork server here, not during a visitor's first run (~450 page faults: a first result
    took ~3-4 ms of the kernel's CPU, ~2 ms now). glibc keeps freed heap memory, ~3 MB after
    TensorFlow's start; trimming it leaves a ready kernel smaller than it was without either
    (~15.4 MB of its own pages against ~16.6 MB)."""
    names = dict(base_names)
    sent: list[dict] = []
    rehearsal = repl.Interpreter(names, sent.append, caps)
    rehearsal.run("rehearsal", REHEARSAL, lambda _in_user_code: None)
    sent.append(namespace.message("rehearsal", names))
    for message in sent:
        dumps(message)
    del names, sent, rehearsal  # (no gc.collect(): it would copy every page it walks)
    with contextlib.suppress(OSError, AttributeError):  # a libc without malloc_trim keeps it
        ctypes.CDLL(None).malloc_trim(0)
