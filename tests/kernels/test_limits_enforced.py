"""Each limit stops what it should, and says which limit and its value in plain words."""

from __future__ import annotations

import pytest

from tests.support import BusClient, session_with_limits

pytestmark = pytest.mark.slow


async def test_cpu_time_per_run_is_warned_about_then_stopped(kernel_host):
    async with session_with_limits(kernel_host, cpu_seconds_per_run=2.0) as session:
        run = await session.run("while True:\n    pass")
        assert "of its 2 s CPU-time limit; it will be stopped then" in run.stderr
        assert "stopped: this run reached its CPU-time limit of 2 s (PLAYGROUND_CPU_SECONDS_PER_RUN)" in run.stderr
        assert run.done["stopped_by"] == {"limit": "cpu_seconds_per_run", "value": 2.0}
        assert run.error["ename"] == "KeyboardInterrupt"
        assert (await session.run("1 + 1")).results[1]["repr"] == "2"  # the session goes on


async def test_wall_time_per_run_is_stopped_even_when_idle(kernel_host):
    async with session_with_limits(kernel_host, wall_seconds_per_run=1.5) as session:
        run = await session.run("import time\ntime.sleep(60)")
        assert "time limit of 1.5 s (PLAYGROUND_WALL_SECONDS_PER_RUN)" in run.stderr
        assert run.done["stopped_by"]["limit"] == "wall_seconds_per_run"


async def test_a_message_flood_is_cut_with_a_notice(kernel_host):
    async with session_with_limits(kernel_host, max_messages_per_s=50) as session:
        run = await session.run("\n".join(f"{i}" for i in range(400)))
        assert len(run.of("result")) <= 51
        assert "more than 50 messages a second (PLAYGROUND_MAX_MESSAGES_PER_S)" in run.stderr
        assert run.done["ok"] is True


async def test_kernels_per_client_are_limited_and_the_refusal_names_the_limit(kernel_host):
    sessions = []
    try:
        async with session_with_limits(kernel_host, client="one-address", max_kernels_per_client=1) as first:
            assert (await first.run("1")).done["ok"]
            second = BusClient(client="one-address")
            sessions.append(second)
            status = await second.attach()
            assert status["state"] == "dead"
            assert "PLAYGROUND_MAX_KERNELS_PER_CLIENT" in status["reason"] and "1 kernels" in status["reason"]
            other = BusClient(client="another-address")
            sessions.append(other)
            assert (await other.attach())["state"] == "idle"
    finally:
        for session in sessions:
            await session.close()
