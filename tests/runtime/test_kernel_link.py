"""The kernel's end of its link to the host: order of what it writes, from every thread."""

from __future__ import annotations

import json
import socket
import threading

from kernel_runtime.link import Link


def read_lines(sock: socket.socket, count: int) -> list[dict]:
    lines = []
    with sock.makefile("rb") as stream:
        while len(lines) < count:
            lines.append(json.loads(stream.readline()))
    return lines


def test_a_runs_answers_written_at_once_follow_what_other_threads_queued_before_them():
    host, kernel = socket.socketpair()
    link = Link(kernel)
    gate = threading.Event()

    def progress_thread() -> None:
        for step in range(200):
            link.send({"type": "progress", "step": step})
        gate.set()

    threading.Thread(target=progress_thread).start()
    gate.wait(5)
    link.send_now({"type": "variables"}, {"type": "done"})
    link.send({"type": "status"})
    lines = read_lines(host, 203)
    assert [m.get("step") for m in lines[:200]] == list(range(200))
    assert [m["type"] for m in lines[200:]] == ["variables", "done", "status"]
    link.close()
    host.close()


def test_flush_returns_once_everything_queued_is_written_and_close_ends_the_sender():
    host, kernel = socket.socketpair()
    link = Link(kernel)
    for n in range(50):
        link.send({"type": "stream", "n": n})
    link.flush(5)
    host.setblocking(False)
    assert host.recv(1 << 20).count(b"\n") == 50
    link.close()
    assert not link._sender.is_alive()
    host.close()
