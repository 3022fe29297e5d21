"""Kernel lifecycle: one kernel per session, reattach, queueing, interrupt, restart, death."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time

import pytest

from kernels import sandbox
from tests.support import SERVER_ENVIRONMENT, BusClient

pytestmark = pytest.mark.slow

FIT_SETUP = """
X = np.random.default_rng(0).normal(size=(256, 4)).astype("float32")
y = X.sum(axis=1, keepdims=True)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="sgd")
"""


PID_NAMESPACE = "import os\nos.readlink('/proc/self/ns/pid')"


async def test_each_session_gets_its_own_kernel_process(client_factory):
    first, second = await client_factory(), await client_factory()
    await first.run("x = 'first'")
    run = await second.run("x")
    assert run.error["ename"] == "NameError"
    assert (await first.run(PID_NAMESPACE)).results[2]["repr"] != (await second.run(PID_NAMESPACE)).results[2]["repr"]


async def test_a_new_websocket_of_the_same_session_reattaches_to_the_same_kernel(client_factory):
    tab = await client_factory()
    await tab.run("remembered = tf.constant([1, 2, 3])")
    reloaded = await client_factory(owner=tab.owner)
    run = await reloaded.run("remembered * 2")
    assert run.results[1]["values"] == [2, 4, 6]


async def test_status_on_attach_names_the_kernel_versions_and_device(kernel_host):
    client = BusClient()
    status = await client.attach()
    assert status["state"] == "idle"
    assert status["kernel"]["tf"].startswith("2.") and status["kernel"]["device"] == "CPU"
    await client.close()


async def test_runs_sent_while_one_is_running_are_queued_in_order(kernel):
    ids = [await kernel.submit(f"import time\ntime.sleep(0.2)\nprint({i})") for i in range(3)]
    finished = []
    while len(finished) < 3:
        message = await kernel.next_message()
        if message["type"] == "done":
            finished.append(message["id"])
    assert finished == ids


async def test_a_full_queue_refuses_more_runs_with_a_reason(kernel, kernel_host):
    limit = kernel_host.limits.max_queued_runs
    first = await kernel.submit("import time\ntime.sleep(1)")
    ids = [await kernel.submit("1") for _ in range(limit + 1)]
    refused = await kernel.collect(ids[-1])
    assert refused.error["ename"] == "QueueFull" and str(limit) in refused.error["evalue"]
    await kernel.collect(first)


async def test_interrupt_stops_a_busy_loop_and_keeps_the_variables(kernel):
    await kernel.run("kept = 123")
    request_id = await kernel.submit("while True:\n    pass")
    await kernel.wait_status(lambda s: s["state"] == "busy")
    started = time.monotonic()
    await kernel.interrupt()
    run = await kernel.collect(request_id)
    assert time.monotonic() - started < 3
    assert run.error["ename"] == "KeyboardInterrupt" and run.error["lineno"] in (1, 2)
    assert (await kernel.run("kept")).results[1]["repr"] == "123"


async def test_interrupt_stops_a_long_fit_within_seconds_and_keeps_the_weights(kernel):
    await kernel.run(FIT_SETUP)
    request_id = await kernel.submit("model.fit(X, y, epochs=10_000, batch_size=1)")
    while True:
        message = await kernel.next_message()
        if message.get("id") == request_id and message["type"] == "progress":
            break
    started = time.monotonic()
    await kernel.interrupt()
    run = await kernel.collect(request_id)
    assert time.monotonic() - started < 3
    assert run.error["ename"] == "KeyboardInterrupt"
    steps = await kernel.run("int(model.optimizer.iterations.numpy())")
    assert int(steps.results[1]["repr"]) > 0


async def test_interrupt_also_cancels_the_runs_waiting_behind(kernel):
    running = await kernel.submit("import time\ntime.sleep(30)")
    waiting = await kernel.submit("print('should not run')")
    await kernel.wait_status(lambda s: s["state"] == "busy")
    await kernel.interrupt()
    cancelled = await kernel.collect(waiting)
    assert cancelled.done["ok"] is False and cancelled.done.get("cancelled") is True
    assert (await kernel.collect(running)).error["ename"] == "KeyboardInterrupt"


async def test_code_that_ignores_interrupt_is_ended_after_the_grace_period_and_says_so(kernel, kernel_host):
    code = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint('deaf')\n"
    code += "while True:\n    time.sleep(0.1)"
    request_id = await kernel.submit(code)
    while (await kernel.next_message()).get("type") != "stream":
        pass  # the handler is installed once it prints
    await kernel.interrupt()
    run = await kernel.collect(request_id, timeout=kernel_host.limits.interrupt_grace_s + 30)
    assert run.error["ename"] == "KernelDied"
    assert "did not stop within" in run.error["evalue"]
    dead = await kernel.wait_status(lambda s: s["state"] == "dead")
    assert "Interrupt" in dead["reason"]
    assert (await kernel.run("1 + 1")).results[1]["repr"] == "2"


async def test_a_snippet_that_replaced_the_interrupt_handler_does_not_make_later_runs_deaf(kernel):
    assert (await kernel.run("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)")).done["ok"]
    request_id = await kernel.submit("print('looping', flush=True)\nwhile True:\n    pass")
    while (await kernel.next_message()).get("type") != "stream":
        pass
    await kernel.interrupt()
    assert (await kernel.collect(request_id)).error["ename"] == "KeyboardInterrupt"


async def test_restart_gives_a_fresh_empty_kernel(kernel, kernel_host):
    await kernel.run("forgotten = 1")
    old_pid = kernel_host.sessions[kernel.owner].process.host_pid
    await kernel.restart_and_wait()
    run = await kernel.run("forgotten")
    assert run.error["ename"] == "NameError"
    assert kernel_host.sessions[kernel.owner].process.host_pid != old_pid
    with pytest.raises(ProcessLookupError):
        os.kill(old_pid, 0)  # the old kernel is gone, not just replaced


async def test_a_crashed_kernel_is_reported_with_the_reason_and_the_next_run_gets_a_new_one(kernel):
    run = await kernel.run("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    assert run.error["ename"] == "KernelDied" and "SIGSEGV" in run.error["evalue"]
    dead = await kernel.wait_status(lambda s: s["state"] == "dead")
    assert "crashed" in dead["reason"]
    assert (await kernel.run("tf.constant(3) * 2")).results[1]["values"] == 6


async def test_a_kernel_that_exits_is_reported_with_its_status(kernel):
    run = await kernel.run("import os\nos._exit(3)")
    assert "exited with status 3" in run.error["evalue"]


async def test_a_kernel_killed_from_outside_is_reported(kernel, kernel_host):
    pid = kernel_host.sessions[kernel.owner].process.host_pid
    request_id = await kernel.submit("import time\ntime.sleep(30)")
    await kernel.wait_status(lambda s: s["state"] == "busy")
    sandbox.kill_kernel(pid)
    run = await kernel.collect(request_id)
    assert "SIGKILL" in run.error["evalue"]


async def test_the_kernel_gets_none_of_the_servers_environment(kernel):
    os.environ["PLAYGROUND_TEST_SECRET"] = "hunter2"
    try:
        run = await kernel.run("import os, sys\nsorted(os.environ)\nimport playground")
    finally:
        del os.environ["PLAYGROUND_TEST_SECRET"]
    names = set(eval(run.results[2]["repr"]))
    passed_on = set(sandbox.BASE_ENV) | {"HOME", "TMPDIR", "PYTHONPATH", "PWD"}
    assert "PLAYGROUND_TEST_SECRET" not in names
    leaked = (names - passed_on) & SERVER_ENVIRONMENT
    assert not leaked, f"server variables reached the kernel: {leaked}"
    assert "DJANGO_SETTINGS_MODULE" not in names
    assert run.error["ename"] == "ModuleNotFoundError"


async def test_the_kernel_works_in_its_own_scratch_folder(kernel):
    run = await kernel.run("import os\nos.getcwd()\nos.environ['HOME'] == os.getcwd()")
    assert run.results[2]["repr"] == "'/scratch'"
    assert run.results[3]["repr"] == "True"


async def test_idle_kernels_are_culled_and_the_session_is_told_why(kernel, kernel_host):
    await kernel.run("x = 1")
    original = kernel_host.limits
    kernel_host.limits = dataclasses.replace(original, idle_timeout_s=0.01)
    try:
        await asyncio.sleep(0.05)
        await kernel_host.patrol()
    finally:
        kernel_host.limits = original
    dead = await kernel.wait_status(lambda s: s["state"] == "dead")
    assert "without a run" in dead["reason"]
    assert kernel.owner not in kernel_host.sessions


async def test_a_full_host_whose_kernels_all_run_refuses_and_says_which_limit(kernel_host):
    pool = kernel_host.pool
    if pool._refill is not None:
        await pool._refill  # a refill in flight would hand out a kernel despite the limit
    original, ready = pool._limits, list(pool._ready)
    pool._ready.clear()
    pool._limits = dataclasses.replace(original, max_kernels=max(1, pool.live))
    idle = [s for s in kernel_host.sessions.values() if s.process is not None and not s.running]
    for session in idle:  # as if every kernel were running: none may be evicted
        session._queue.append(None)
    client = BusClient()
    try:
        status = await client.attach()
    finally:
        for session in idle:
            session._queue.clear()
        pool._limits = original
        pool._ready.extend(ready)
    assert status["state"] == "dead"
    assert "PLAYGROUND_MAX_KERNELS" in status["reason"] and "all of them busy" in status["reason"]
    run = await client.run("1")
    assert run.done["ok"] is True, run.messages  # below the limit again, the next run gets a kernel
    await client.close()
