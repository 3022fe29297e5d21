"""The host checks every line a kernel sends against protocol.FROM_KERNEL, and counts what it
lets through (fast: no kernel; the real kernels' attacks are in test_host_trusts_no_kernel.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from kernel_runtime import protocol
from kernels.limits import Limits
from kernels.watchdog import DROP, END, FORWARD, HARD_CEILING, Traffic
from playground.sendbuffer import FRAME_BYTES, NOTICE, SendBuffer


def kernel_line(message: dict) -> dict:
    return protocol.check(protocol.FROM_KERNEL, protocol.loads(json.dumps(message)))


@pytest.mark.parametrize(
    "message",
    [
        protocol.STREAM(id="r1", name="stdout", text="hello\n"),
        protocol.STREAM(id=None, name="stderr", text="from a thread\n"),
        protocol.RESULT(id="r1", lineno=2, end_lineno=2, value={"kind": "text", "repr": "2"}),
        protocol.ERROR(id="r1", ename="NameError", evalue="name 'f' is not defined", lineno=5, hint=None, frames=[]),
        protocol.PROGRESS(
            id="r1", phase="fit", event="epoch", epoch=1, epochs=5, step=32, steps=32, logs={"loss": 0.5}
        ),
        protocol.VARIABLES(id="r1", variables=[], truncated=False, memory_bytes=123),
        protocol.DONE(id="r1", ok=True, elapsed_ms=1.5),
        protocol.READY(info={"tf": "2.21.0"}),
        protocol.FILES_WRITTEN(ref="7", name="model.keras", size=10),
    ],
)
def test_what_the_runtime_sends_passes_the_check(message):
    assert kernel_line(message) == message


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ({"type": "status", "state": "idle", "reason": None, "kernel": None, "queued": 0}, "unknown message type"),
        ({**protocol.DONE(id="r1", ok=True), "stopped_by": {"limit": "x"}}, "has no field 'stopped_by'"),
        ({**protocol.DONE(id="r1", ok=True), "cancelled": True}, "has no field 'cancelled'"),
        (protocol.STREAM(id="r1", name="stdin", text="x"), "must be one of stdout, stderr"),
        (protocol.STREAM(id="r" * 200, name="stdout", text="x"), "1 to 128 characters"),
        ({**protocol.DONE(id="r1", ok=True), "ok": "yes"}, "'done'.ok must be true or false"),
        ({"type": "result", "id": "r1"}, "needs 'lineno'"),
        ([1, 2], "JSON object"),
    ],
)
def test_what_the_runtime_never_sends_is_refused_naming_the_problem(message, words):
    with pytest.raises(protocol.MessageError, match=words):
        kernel_line(message)


@pytest.mark.parametrize(
    "line",
    [
        b'{"type": "stream", "id": null, "name": "stdout", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b"[" * 200_000,
        b'{"type": "done", "id": "r1", "ok": true, "elapsed_ms": NaN}',
        b'{"type": "done", "id": "r1", "ok": true, "elapsed_ms": ' + b"9" * 10_000 + b"}",
        b'{"type": "stream", "id": null, "name": "stdout", "text": "\xff\xfe"}',
    ],
)
def test_deep_huge_or_undecodable_lines_are_refused_not_crashed_on(line):
    with pytest.raises(protocol.MessageError):
        protocol.check(protocol.FROM_KERNEL, protocol.loads(line))


def test_depth_is_measured_without_recursion():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert not protocol.within_depth(deep, protocol.MAX_DEPTH)
    assert protocol.within_depth([[[1]]], 3)


# ---------- counting ----------


def traffic(**changes) -> Traffic:
    return Traffic(dataclasses.replace(Limits(), **changes))


def test_output_past_the_limit_is_cut_once_with_a_notice_then_dropped():
    counted = traffic(output_bytes_per_run=100)
    assert counted.admit("stream", 60, "a" * 60).action == FORWARD
    crossing = counted.admit("stream", 60, "b" * 60)
    assert crossing.action == FORWARD and crossing.keep_text == "b" * 40
    assert "100 KiB" not in crossing.notice and "PLAYGROUND_OUTPUT_BYTES_PER_RUN" in crossing.notice
    later = counted.admit("stream", 10, "c" * 10)
    assert later.action == DROP and later.notice == ""


def test_output_far_past_the_limit_ends_the_kernel():
    counted = traffic(output_bytes_per_run=1000)
    decisions = [counted.admit("stream", 1000, "x" * 1000) for _ in range(HARD_CEILING + 1)]
    assert decisions[-1].action == END and "output in one run" in decisions[-1].notice


def test_every_message_counts_against_the_rate_with_or_without_an_id():
    counted = traffic(max_messages_per_s=10)
    actions = [counted.admit("stream", 1, "x").action for _ in range(10)]
    assert actions == [FORWARD] * 10
    dropped = counted.admit("files_error", 50)
    assert dropped.action == DROP and "PLAYGROUND_MAX_MESSAGES_PER_S" in dropped.notice
    for _ in range(HARD_CEILING * 10 - 11):
        counted.admit("stream", 1, "x")
    assert counted.admit("result", 10).action == END


def test_results_past_their_limit_are_dropped_with_a_notice_and_a_new_run_starts_afresh():
    counted = traffic(result_bytes_per_run=1000)
    assert counted.admit("result", 900).action == FORWARD
    over = counted.admit("result", 200)
    assert over.action == DROP and "PLAYGROUND_RESULT_BYTES_PER_RUN" in over.notice
    counted.start_run()
    assert counted.admit("result", 900).action == FORWARD


# ---------- the browser's send buffer ----------


class StalledSocket:
    """A websocket whose browser reads nothing until `release` is set."""

    def __init__(self):
        self.release = asyncio.Event()
        self.frames: list[str] = []
        self.sent: list[str] = []  # the messages, out of their frames

    async def send(self, frame: str) -> None:
        await self.release.wait()
        self.frames.append(frame)
        self.sent.extend(frame.split("\n"))


def text_of(kind: str, run: str, size: int = 0) -> str:
    if kind == "progress":
        return json.dumps({"type": "progress", "id": run, "step": size})
    return json.dumps({"type": kind, "id": run, "pad": "x" * size})


async def test_a_page_that_does_not_read_holds_at_most_the_buffer_and_hears_why():
    socket = StalledSocket()
    buffer = SendBuffer(socket.send, limit_bytes=10_000)
    for _ in range(1000):
        buffer.put("stream", text_of("stream", "r1", 1000))
    buffer.put("done", text_of("done", "r1"))
    assert buffer.queued_bytes < 12_000
    socket.release.set()
    await asyncio.sleep(0.05)
    kinds = [json.loads(text)["type"] for text in socket.sent]
    assert kinds[-1] == "done"
    assert sum(NOTICE.strip() in json.loads(text).get("text", "") for text in socket.sent) == 1
    await buffer.close()


async def test_progress_is_coalesced_to_the_latest_while_the_page_lags():
    socket = StalledSocket()
    buffer = SendBuffer(socket.send, limit_bytes=2_000)
    for step in range(500):
        buffer.put("progress", text_of("progress", "r1", step))
    socket.release.set()
    await asyncio.sleep(0.05)
    steps = [json.loads(text)["step"] for text in socket.sent]
    assert steps[-1] == 499 and len(steps) < 100
    await buffer.close()


async def test_a_lagging_page_still_gets_each_fits_curve_thinned_with_its_first_and_last_epoch():
    socket = StalledSocket()
    buffer = SendBuffer(socket.send, limit_bytes=4_000)
    for epoch in range(1, 1001):
        for step in range(5):
            buffer.put("progress", json.dumps({"type": "progress", "id": "r1", "event": "batch", "step": step}))
        buffer.put("progress", json.dumps({"type": "progress", "id": "r1", "event": "epoch", "epoch": epoch}))
        assert buffer.queued_bytes <= 4_000
    buffer.put("progress", json.dumps({"type": "progress", "id": "r1", "event": "end", "epoch": 1000}))
    socket.release.set()
    await asyncio.sleep(0.05)
    sent = [json.loads(text) for text in socket.sent]
    epochs = [m["epoch"] for m in sent if m["event"] == "epoch"]
    assert epochs[0] == 1 and epochs[-1] == 1000 and 10 < len(epochs) < 100
    assert epochs == sorted(epochs) and sent[-1]["event"] == "end"
    await buffer.close()


async def test_messages_waiting_together_leave_as_one_frame_in_order_and_a_large_one_alone():
    socket = StalledSocket()
    buffer = SendBuffer(socket.send, limit_bytes=10 * FRAME_BYTES)
    for kind in ("result", "variables", "done"):
        buffer.put(kind, text_of(kind, "r1"))
    buffer.put("result", text_of("result", "r2", FRAME_BYTES))
    buffer.put("done", text_of("done", "r2"))
    socket.release.set()
    await asyncio.sleep(0.05)
    frames = [[json.loads(line)["type"] for line in frame.split("\n")] for frame in socket.frames]
    assert frames == [["result", "variables", "done"], ["result"], ["done"]]
    assert buffer.queued_bytes == 0
    await buffer.close()


def test_quick_runs_back_to_back_are_each_counted_on_their_own():
    counted = traffic(max_messages_per_s=10)
    for _ in range(50):  # 150 messages within a second, three a run
        counted.start_run()
        assert [counted.admit("result", 10).action for _ in range(3)] == [FORWARD] * 3


async def test_a_line_cut_short_by_the_kernels_end_is_not_taken_for_a_protocol_violation():
    # The host ends a flooding kernel mid-write: its reason must stay the one the host gave.
    import socket

    from kernels.process import KernelProcess

    host_end, kernel_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    host_end.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    host_end.setblocking(False)
    process = KernelProcess(pid=-1, sock=host_end, scratch=None, max_message_bytes=1 << 20)
    kernel_end.send(b"\0")  # its first byte carries its credentials
    opening = asyncio.create_task(process.open(5.0, admit=lambda _: None))
    await asyncio.to_thread(kernel_end.recv, 1)
    kernel_end.sendall(b'{"type": "ready", "info": {}}\n{"type": "stream", "id": "r1", "name": "stdout", "te')
    kernel_end.close()
    await opening
    assert [message async for message in process.messages()] == []
    assert process.end_reason is None
