"""The host's own counts, attacked with real kernels: restarts in a flood, typing that never ends,
memory running short. A neighbouring session keeps its state throughout."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.support import ask, session_with_limits

pytestmark = pytest.mark.slow


async def test_a_flood_of_restarts_makes_at_most_a_handful_of_kernels(kernel, neighbour, kernel_host, monkeypatch):
    # The attack: 283 restarts in 6 s on one socket started 89 kernels, a core of forking.
    started = []
    acquire = kernel_host.pool.acquire

    async def counted(*args, **kwargs):
        process = await acquire(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(kernel_host.pool, "acquire", counted)
    for _ in range(150):
        await kernel.restart()
        await asyncio.sleep(0.01)
    refused = await kernel.wait_status(lambda s: "PLAYGROUND_KERNEL_STARTS_PER_MINUTE" in (s["reason"] or ""), 60)
    assert refused["state"] == "dead" and "try again in" in refused["reason"]
    assert len(started) < kernel_host.limits.kernel_starts_per_minute  # the fixture's kernel was the first


async def test_three_hundred_completions_with_a_model_in_the_session_leave_the_kernel_alive(kernel_host, neighbour):
    # The attack on the honest user: the questions' CPU counted as idle CPU, and typing
    # `model.` and friends ~300 times ended the kernel with a wrong reason.
    async with session_with_limits(kernel_host, idle_cpu_seconds=1.0) as student:
        setup = "t = tf.ones([3, 4])\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])"
        assert (await student.run(setup)).error is None
        typed = ["model.", "tf.nn.", "np.linalg.", "t.", "keras.layers."]
        for n in range(300):
            await ask(student, "complete", typed[n % len(typed)])
        await asyncio.sleep(2.5)  # two patrols
        run = await student.run("t.shape, model.count_params()")
        assert run.error is None and run.results[1]["repr"] == "(TensorShape([3, 4]), 10)"


async def test_memory_running_short_ends_the_biggest_idle_kernel_and_tells_its_owner(
    kernel_host, client_factory, neighbour, monkeypatch
):
    hoarder = await client_factory()
    assert (await hoarder.run("hoard = np.ones(200 * 2**20, dtype=np.uint8)")).error is None
    busy = await client_factory()
    running = asyncio.create_task(busy.run("import time\nkept = 7\ntime.sleep(4)\nkept"))
    await asyncio.sleep(1)
    used = sum(s.process.memory_used() or 0 for s in kernel_host.sessions.values() if s.process is not None)
    # Past 90 % of the budget, and the hoarder alone brings it under 80 %.
    budget = int(used / 0.95)
    monkeypatch.setattr(kernel_host, "limits", dataclasses.replace(kernel_host.limits, memory_budget_bytes=budget))
    notice = await hoarder.wait_status(lambda s: "short of memory" in (s["reason"] or ""), 30)
    assert notice["state"] == "dead" and "MiB" in notice["reason"]
    run = await running
    assert run.error is None and run.results[4]["repr"] == "7"  # a running kernel is never the one ended
