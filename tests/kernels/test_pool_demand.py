"""The kernel pool grows with demand: as many kernels ready as sessions started in the largest
recent burst, up to PLAYGROUND_POOL_MAX_SIZE (real kernels from the shared kernel host)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from kernels import pool as pool_module

pytestmark = pytest.mark.slow


async def until(condition, timeout: float = 60.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_the_pool_keeps_as_many_ready_as_sessions_just_started_up_to_its_maximum(
    kernel_host, client_factory, monkeypatch
):
    pool = kernel_host.pool
    monkeypatch.setattr(pool, "_limits", dataclasses.replace(pool._limits, pool_size=1, pool_max_size=3))
    for _ in range(5):
        await client_factory()
    assert pool.ready_target() == 3  # five sessions just started, capped at three
    await until(lambda: pool.ready >= 3)
    monkeypatch.setattr(pool_module, "DEMAND_MEMORY_S", 0.0)
    assert pool.ready_target() == 1  # the wave is long past: back to the pool's own size
