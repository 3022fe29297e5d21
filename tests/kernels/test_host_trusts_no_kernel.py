"""The host trusts no kernel: user code that reaches the runtime's own link, forges its messages,
leaves threads and processes running or sends malformed lines is held to every limit by the
host, while a neighbouring session keeps its state (issue "The host trusts no kernel")."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

import pytest

from tests.support import BusClient, session_with_limits

pytestmark = pytest.mark.slow

# What an attacker does first: find the runtime's link and kernel among the live objects.
FIND_LINK = """
import gc, json
from kernel_runtime import link as wire
link = next(o for o in gc.get_objects() if isinstance(o, wire.Link))
kernel_object = next(o for o in gc.get_objects() if type(o).__name__ == "Kernel" and hasattr(o, "current_id"))
def forge(message):
    link.send(message)
    link.flush()
"""
FLOOD = """
for _ in range({times}):
    forge({{'type': 'stream', 'id': kernel_object.current_id(), 'name': 'stdout', 'text': 'x' * 65536}})
"""
ID_LESS_FLOOD = """
for i in range(600):
    link.send({'type': 'stream', 'id': None, 'name': 'stdout', 'text': '.'})
link.flush()
"""
FORGED_DONE = """
forge({'type': 'done', 'id': kernel_object.current_id(), 'ok': True, 'elapsed_ms': 0})
while True:
    pass
"""
LEFTOVER_THREAD = """
import threading
def spin():
    while True:
        pass
threading.Thread(target=spin, daemon=True).start()
"""
SPINNING_CHILDREN = """
import os, time
for _ in range(2):
    if os.fork() == 0:
        while True:
            pass
time.sleep({sleep})
"""
DEEP_LINE = """
deep = b'[' * 100000 + b']' * 100000
link._sock.sendall(b'{"type": "stream", "id": null, "name": "stdout", "text": ' + deep + b'}\\n')
import time
time.sleep(30)
"""


@contextlib.asynccontextmanager
async def attacker_with_limits(kernel_host, **changes):
    """A session made under `changes` to the host's limits, its link already found."""
    async with session_with_limits(kernel_host, **changes) as session:
        await session.run(FIND_LINK)
        yield session


def stdout_bytes(run) -> int:
    return sum(len(m["text"].encode()) for m in run.of("stream") if m["name"] == "stdout")


async def test_output_sent_straight_through_the_link_is_capped_by_the_host(kernel_host, neighbour):
    async with attacker_with_limits(kernel_host, output_bytes_per_run=64 * 1024) as session:
        run = await session.run(FLOOD.format(times=6))
        assert stdout_bytes(run) <= 64 * 1024
        assert "PLAYGROUND_OUTPUT_BYTES_PER_RUN" in run.stderr
        assert run.done["ok"] is True
        assert (await session.run("1 + 1")).results[1]["repr"] == "2"  # the kernel goes on


async def test_output_far_past_the_limit_ends_the_kernel_and_says_why(kernel_host, neighbour):
    async with attacker_with_limits(kernel_host, output_bytes_per_run=64 * 1024) as session:
        run = await session.run(FLOOD.format(times=40))
        assert run.error["ename"] == "KernelDied"
        assert "output in one run" in run.error["evalue"]
        assert stdout_bytes(run) <= 64 * 1024
        assert (await session.run("1 + 1")).results[1]["repr"] == "2"  # a new kernel


async def test_messages_without_an_id_are_rate_limited_too(kernel_host, neighbour):
    async with attacker_with_limits(kernel_host, max_messages_per_s=100) as session:
        run = await session.run(ID_LESS_FLOOD)
        assert run.done["ok"] is True
        await asyncio.sleep(0.3)
        idle_streams = 0
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.5):
                while True:
                    message = await session.next_message()
                    idle_streams += message["type"] == "stream" and message["id"] is None
        assert idle_streams <= 110


async def test_a_forged_done_frees_nothing_the_code_goes_on_counting_and_is_ended(kernel_host, neighbour):
    async with attacker_with_limits(kernel_host, idle_cpu_seconds=1.0) as session:
        run = await session.run(FORGED_DONE)
        assert run.done["ok"] is True  # the host believed it: the run looked over
        dead = await session.wait_status(lambda s: s["state"] == "dead", timeout=30)
        assert "PLAYGROUND_IDLE_CPU_SECONDS" in dead["reason"]


async def test_threads_left_running_after_a_run_are_ended_past_the_idle_cpu_budget(kernel_host, neighbour):
    async with attacker_with_limits(kernel_host, idle_cpu_seconds=1.0) as session:
        assert (await session.run(LEFTOVER_THREAD)).done["ok"]
        dead = await session.wait_status(lambda s: s["state"] == "dead", timeout=30)
        assert "while no run was in progress" in dead["reason"]
        assert (await session.run("1 + 1")).results[1]["repr"] == "2"


FORK_SLEEPER = "import os, time\npid = os.fork()\nif pid == 0:\n    time.sleep(1000)\n    os._exit(0)\n"


async def test_processes_a_run_started_end_with_the_run(kernel, neighbour):
    assert (await kernel.run(FORK_SLEEPER)).done["ok"]
    run = await kernel.run("import time\ntime.sleep(0.2)\nos.waitpid(pid, 0)[1] & 0x7f")
    assert run.results[3]["repr"] == "9"  # SIGKILL, from the host


async def test_a_documented_line_keeps_the_processes_of_a_run(kernel, neighbour):
    assert (await kernel.run("# playground: keep processes\n" + FORK_SLEEPER)).done["ok"]
    run = await kernel.run("import time\ntime.sleep(0.2)\nos.waitpid(pid, os.WNOHANG)")
    assert run.results[3]["repr"] == "(0, 0)"  # still running
    await kernel.run("os.kill(pid, 9)")


async def test_cpu_burnt_by_children_counts_against_the_run(kernel_host, neighbour):
    async with attacker_with_limits(kernel_host, cpu_seconds_per_run=2.0) as session:
        run = await session.run(SPINNING_CHILDREN.format(sleep=60))
        assert run.done["stopped_by"] == {"limit": "cpu_seconds_per_run", "value": 2.0}


async def test_a_kernel_gets_at_most_the_cpu_quota_an_operator_sets(kernel_host, kernel, neighbour):
    process = kernel_host.sessions[kernel.owner].process
    process.cgroup.cap_cpu(0.5)  # what PLAYGROUND_CPU_CORES_PER_KERNEL=0.5 gives each new kernel
    before = process.cpu_seconds()
    await kernel.run(SPINNING_CHILDREN.format(sleep=2))
    used = process.cpu_seconds() - before
    assert used < 2 * 0.5 + 0.3  # two children spinning for 2 s, capped at half a core (uncapped: ~4 s)


async def test_a_deeply_nested_line_ends_the_kernel_with_a_reason_not_a_hang(kernel, neighbour):
    await kernel.run(FIND_LINK)
    run = await kernel.run(DEEP_LINE, timeout=30)
    assert run.error["ename"] == "KernelDied" and "nested deeper than" in run.error["evalue"]
    assert (await kernel.run("1 + 1")).results[1]["repr"] == "2"


async def test_messages_for_another_run_and_a_second_done_never_reach_the_page(kernel, neighbour):
    await kernel.run(FIND_LINK)
    code = (
        "value = {'kind': 'text', 'repr': 'forged'}\n"
        "forge({'type': 'result', 'id': 'someone-else', 'lineno': 1, 'end_lineno': 1, 'value': value})\n"
        "forge({'type': 'done', 'id': 'someone-else', 'ok': True, 'elapsed_ms': 0})\n"
        "forge({'type': 'done', 'id': kernel_object.current_id(), 'ok': True, 'elapsed_ms': 0})\n"
        "import time\ntime.sleep(0.3)\n7"
    )
    await kernel.run(code)
    after = await kernel.run("6 * 7")
    assert after.results[1]["repr"] == "42"
    seen = [m for m in kernel.status_history + after.messages if m.get("id") == "someone-else"]
    assert seen == []


async def test_a_kernel_with_no_page_open_is_shut_down_after_the_grace_and_its_owner_told(kernel_host):
    original = kernel_host.limits
    kernel_host.limits = dataclasses.replace(original, detached_grace_s=0.5)
    session = BusClient()
    try:
        await session.attach()
        await session.run("x = 1")
        await session.layer.send(
            kernel_host.channel,
            {"type": "kernel.detach", "owner": session.owner, "reply": session.channel, "forget": False},
        )
        await asyncio.sleep(2.5)
        assert session.owner not in kernel_host.sessions
    finally:
        kernel_host.limits = original
    back = BusClient(owner=session.owner)
    status = await back.attach()
    assert status["state"] == "idle" and "after its page was closed" in status["reason"]
    await back.close()


async def test_a_full_host_evicts_the_longest_idle_kernel_and_tells_its_owner(kernel_host):
    idle_one = BusClient()
    await idle_one.attach()
    await idle_one.run("x = 1")
    kernel_host.sessions[idle_one.owner].last_activity -= 600  # the longest idle (under the idle timeout)
    pool = kernel_host.pool
    if pool._refill is not None:
        await pool._refill
    original, ready = pool._limits, list(pool._ready)
    pool._ready.clear()
    pool._limits = dataclasses.replace(original, max_kernels=pool.live)
    newcomer = BusClient()
    try:
        status = await newcomer.attach()
        assert status["state"] == "idle", status
    finally:
        pool._limits = original
        pool._ready.extend(ready)
    assert idle_one.owner not in kernel_host.sessions
    back = BusClient(owner=idle_one.owner)
    status = await back.attach()
    assert "make room for another visitor" in status["reason"]
    for client in (newcomer, back):
        await client.close()


async def test_a_tensor_of_rank_forty_is_shown_not_taken_for_an_attack(kernel):
    run = await kernel.run("tf.zeros([1] * 40)")
    assert run.done["ok"] is True and run.results[1]["shape"] == [1] * 40
