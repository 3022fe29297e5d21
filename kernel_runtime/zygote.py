"""The fork server: imports TensorFlow once, then forks a kernel per request.

Run as `python -m kernel_runtime.zygote <control-fd>`. The control socket is a SOCK_SEQPACKET pair
(one JSON message per packet). Requests: `{"op": "fork", "ref", "config"}` carrying the new
kernel's socket as SCM_RIGHTS. Replies: `{"op": "ready"}` once, `{"op": "forked", "ref", "pid"}`
and `{"op": "exited", "pid", "exitcode"}` when a kernel ends (negative: killed by that signal).

TensorFlow and CUDA are not fork-safe once initialised, so this process never runs an op:
it only imports. Each child runs its own first op after the fork.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import json
import os
import resource
import selectors
import signal
import socket
import sys

PR_SET_PDEATHSIG = 1
CLONE_NEWPID = 0x20000000
MADV_COLLAPSE = 25
HUGE_PAGE = 2 << 20
_libc = ctypes.CDLL(None, use_errno=True)
_inits: set[int] = set()  # children that are the init of a kernel's PID namespace


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    die_with_parent()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crashing kernel leaves no core file
    preload()
    gc.freeze()  # keep the imported objects' pages shared with every child (no refcount writes)
    collapse_into_huge_pages()
    _send(control, {"op": "ready", "pid": os.getpid()})
    wake_read, wake_write = os.pipe()
    for fd in (wake_read, wake_write):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is control:
                if not _handle_request(control, (selector, wake_read, wake_write)):
                    return
            else:
                _drain(wake_read)
                _reap(control)


def preload() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras  # noqa: F401
    import numpy
    import tensorflow

    tensorflow.keras.backend.square  # noqa: B018  (tf.keras is lazy: load it here, not in each kernel)

    import matplotlib.pyplot  # noqa: F401  (plots and the bundled datasets cost nothing per kernel)
    import pyseccomp  # noqa: F401  (loads libseccomp once, for every kernel)
    import sklearn.datasets  # noqa: F401

    from . import assistant, isolate, render, syscalls, worker  # noqa: F401  (and through them repl, ...)

    syscalls.compile_filter()  # each kernel loads the compiled program (no libseccomp work per kernel)

    assistant.warm_up()  # jedi's parsed stubs, in pages every kernel shares: its first completion is quick
    # A first result's rendering sets up NumPy's array printing and reductions and Python's ABC
    # caches, once here instead of in every kernel's first run. NumPy only, no TensorFlow op, and
    # nothing that opens a file a kernel would inherit.
    for sample in (numpy.array([[1.5, -2.0, 3.25]], dtype=numpy.float32), numpy.arange(6).reshape(2, 3)):
        render.render(sample)


def collapse_into_huge_pages() -> None:
    """Back the imported heap (~330 MB, mostly dense) with 2 MB pages, so that each fork copies
    a few hundred page-table entries instead of ~80,000: a fork took 12-23 ms, now 5-10 ms, in
    this process and again in each kernel's init. A kernel's later writes still copy only the
    4 KB page they touch (the kernel splits a shared huge page's mapping first), so its memory
    is unchanged. Only regions at least 90% populated are collapsed (a hole becomes memory);
    on a kernel without MADV_COLLAPSE (before Linux 6.1) this does nothing."""
    madvise = _libc.madvise
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    for start, end in _dense_anonymous_regions(0.9):
        first, last = -(-start // HUGE_PAGE) * HUGE_PAGE, end // HUGE_PAGE * HUGE_PAGE
        if last > first and madvise(first, last - first, MADV_COLLAPSE) != 0 and ctypes.get_errno() == errno.EINVAL:
            return  # not supported here


def _dense_anonymous_regions(density: float) -> list[tuple[int, int]]:
    """Private writable anonymous mappings (and the heap) whose pages are mostly present."""
    regions, current = [], None
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if fields[0] == "Anonymous:" and current is not None:
                start, end = current
                if int(fields[1]) * 1024 >= density * (end - start):
                    regions.append(current)
                current = None
            elif not fields[0].endswith(":"):  # a mapping's header: range perms offset dev inode [path]
                private_rw = fields[1].startswith("rw") and fields[1].endswith("p")
                anonymous = len(fields) == 5 or fields[5] == "[heap]"
                low, high = (int(bound, 16) for bound in fields[0].split("-"))
                current = (low, high) if private_rw and anonymous else None
    return regions


def die_with_parent() -> None:
    # In the sandbox our parent is bubblewrap's init, which --die-with-parent ties to the host.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _handle_request(control: socket.socket, inherited: tuple) -> bool:
    try:
        data, fds, _, _ = socket.recv_fds(control, 1 << 20, 1)
    except ConnectionError:
        return False  # the host went away: so do we (and every kernel, by PDEATHSIG)
    if not data:
        return False
    request = json.loads(data)
    if request.get("op") != "fork" or len(fds) != 1:
        for fd in fds:
            os.close(fd)
        return True
    sandboxed = bool(request["config"].get("sandbox"))
    pid = _fork_init() if sandboxed else os.fork()
    if pid == 0:
        _become_kernel(control, fds[0], request["config"], inherited)
    if sandboxed:
        _inits.add(pid)
    os.close(fds[0])
    _send(control, {"op": "forked", "ref": request.get("ref"), "pid": pid})
    return True


def _become_kernel(control: socket.socket, kernel_fd: int, config: dict, inherited: tuple) -> None:
    code = 1
    try:
        selector, wake_read, wake_write = inherited
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        selector.close()
        control.close()
        os.close(wake_read)
        os.close(wake_write)
        os.setsid()  # never attached to the server's terminal
        from . import isolate, worker

        isolate.isolate(config)
        worker.run(kernel_fd, config)
        code = 0
    finally:
        os._exit(code)


def _fork_init() -> int:
    """Fork a child that is PID 1 of a new PID namespace (isolate.py makes it the
    kernel's init), without a process in between: this process's later children stay here."""
    own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.unshare(CLONE_NEWPID) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWPID)")
        try:
            pid = os.fork()
        finally:
            if os.getpid() != 1 and _libc.setns(own, CLONE_NEWPID) != 0:  # (the child is PID 1)
                raise OSError(ctypes.get_errno(), "setns back to the fork server's PID namespace")
    finally:
        os.close(own)
    return pid


def _reap(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        if pid in _inits:
            _inits.discard(pid)
            if code > 128:  # an init cannot die of its kernel's signal: it exits with 128 + it
                code = 128 - code
        _send(control, {"op": "exited", "pid": pid, "exitcode": code})


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def _send(control: socket.socket, message: dict) -> None:
    control.sendall(json.dumps(message).encode())


if __name__ == "__main__":
    main()
