"""A burst of newcomers: served first come, first served from the ready kernels, then by kernels
started a few at a time; the pool refilled only once they are served, sized for the largest
recent burst, and its surplus given back later (fast: kernels are stand-ins here; the weight
of a real kernel made ahead is checked at the end)."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest

from kernels import pool as pool_module
from kernels.limits import Limits
from kernels.sandbox import SandboxSettings


class StandIn:
    """What the pool needs of a kernel process."""

    def __init__(self, pid: int):
        self.pid, self.name, self.cgroup = pid, f"stand-in-{pid}", None
        self.exitcode: int | None = None
        self.closed: str | None = None

    async def close(self, reason: str | None = None) -> None:
        self.closed, self.exitcode = reason, 0


class Starts:
    """Replaces KernelPool._spawn: each start waits until the test finishes it."""

    def __init__(self, pool: pool_module.KernelPool):
        self.pool = pool
        self.pending: list[tuple[asyncio.Future, bool, float]] = []  # (finish, background, when)
        self.made = 0

    async def __call__(self, background: bool = False) -> StandIn:
        finish: asyncio.Future = asyncio.get_running_loop().create_future()
        self.pending.append((finish, background, time.monotonic()))
        await finish
        self.made += 1
        process = StandIn(1000 + self.made)
        self.pool._by_pid[process.pid] = process  # type: ignore[assignment]
        return process

    def finish(self, index: int = 0) -> None:
        self.pending.pop(index)[0].set_result(None)

    def fail(self, error: Exception, index: int = 0) -> None:
        self.pending.pop(index)[0].set_exception(error)

    def in_flight(self, background: bool | None = None) -> int:
        return sum(1 for _, b, _ in self.pending if background is None or b == background)


@pytest.fixture
def pool(tmp_path, monkeypatch):
    monkeypatch.setattr(pool_module, "STARTS_AT_ONCE", 2)
    monkeypatch.setattr(pool_module, "REFILL_QUIET_S", 0.2)
    limits = Limits(pool_size=1, pool_max_size=4, max_kernels=8)
    kernels = pool_module.KernelPool(tmp_path, limits, SandboxSettings(enabled=False))
    starts = Starts(kernels)
    monkeypatch.setattr(kernels, "_spawn", starts)
    return kernels, starts


async def until(condition, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_newcomers_beyond_the_ready_kernels_get_kernels_started_two_at_a_time_in_their_order(pool):
    kernels, starts = pool
    newcomers = [asyncio.create_task(kernels.acquire()) for _ in range(5)]
    await settle()
    assert starts.in_flight(background=False) == 2 and kernels.waiting == 5
    starts.finish(1)  # the second start ends first: its kernel goes to the longest waiting
    await settle()
    assert newcomers[0].done() and not any(n.done() for n in newcomers[1:])
    assert starts.in_flight(background=False) == 2  # the next start took its place
    while not all(n.done() for n in newcomers):
        assert starts.in_flight(background=True) == 0  # nothing made ahead while anyone waits
        starts.finish()
        await settle()
    pids = [n.result().pid for n in newcomers]
    assert len(set(pids)) == 5 and kernels.live == 5
    await until(lambda: starts.in_flight(background=True) == 1)  # empty, and nobody waits: refill now
    assert time.monotonic() - kernels._last_handout < pool_module.REFILL_QUIET_S


async def test_a_pool_with_kernels_left_is_refilled_only_once_the_burst_is_served_and_quiet(pool):
    kernels, starts = pool
    kernels._ready.extend([StandIn(1), StandIn(2), StandIn(3)])
    newcomers = [asyncio.create_task(kernels.acquire()) for _ in range(2)]
    await settle()
    assert all(n.done() for n in newcomers) and kernels.ready == 1  # the ready kernels went at once
    await asyncio.sleep(0.1)
    assert starts.in_flight(background=True) == 0  # their first runs come right after
    await asyncio.sleep(0.2)
    assert starts.in_flight(background=True) == 1
    assert starts.pending[0][2] - kernels._last_handout >= pool_module.REFILL_QUIET_S
    while kernels._refilling():
        starts.finish()
        await settle()
    assert kernels.ready == kernels.ready_target() == 2  # two sessions in one burst


async def test_the_pool_is_sized_for_the_largest_recent_burst_and_gives_the_surplus_back_later(pool, monkeypatch):
    kernels, _ = pool
    monkeypatch.setattr(pool_module, "DEMAND_WINDOW_S", 0.05)
    for _ in range(3):
        kernels._note_handout()
    await asyncio.sleep(0.1)
    for _ in range(2):
        kernels._note_handout()
    assert kernels.ready_target() == 3  # the larger of the two bursts, not the five in all
    kernels._ready.extend(StandIn(pid) for pid in range(1, 5))
    monkeypatch.setattr(pool_module, "DEMAND_MEMORY_S", 0.0)
    assert kernels.ready_target() == 1
    oldest = kernels._ready[:3]
    await kernels._give_back_surplus()
    assert kernels.ready == 1 and all(p.closed == "the kernel pool shrank" for p in oldest)


async def test_a_kernel_started_for_a_newcomer_who_left_goes_to_the_next_one_or_to_the_pool(pool):
    kernels, starts = pool
    first, second = kernels.acquire(), kernels.acquire()
    leaving, staying = asyncio.create_task(first), asyncio.create_task(second)
    await settle()
    leaving.cancel()
    starts.finish()
    await settle()
    assert staying.done() and staying.result().pid == 1001
    alone = asyncio.create_task(kernels.acquire())
    await settle()
    alone.cancel()
    await settle()
    while starts.in_flight(background=False):
        starts.finish()
        await settle()
    assert [p.pid for p in kernels._ready] == [1002]  # nobody waits for it: ready for the next


async def test_a_full_host_refuses_a_newcomer_at_once_when_no_kernel_is_on_its_way(pool):
    kernels, starts = pool
    for pid in range(8):
        kernels._by_pid[pid] = StandIn(pid)
    assert not kernels.has_room()
    with pytest.raises(pool_module.KernelLimitReached, match="PLAYGROUND_MAX_KERNELS"):
        await kernels.acquire()
    assert starts.in_flight() == 0


async def test_a_start_cut_short_by_the_fork_server_dying_is_tried_again_and_other_failures_are_told(pool):
    kernels, starts = pool
    newcomer = asyncio.create_task(kernels.acquire())
    await settle()
    starts.fail(RuntimeError("the kernel did not start (it went away)"))
    await asyncio.sleep(0.1)
    kernels.forkserver.deaths += 1  # its link ends a moment after the kernel's: what it forked died with it
    await until(lambda: starts.in_flight(background=False) == 1)  # a new fork server's turn
    assert not newcomer.done()
    starts.finish()
    await settle()
    assert newcomer.result().pid == 1001
    unlucky = asyncio.create_task(kernels.acquire())
    await settle()
    newcomers_start = next(i for i, (_, background, _) in enumerate(starts.pending) if not background)
    starts.fail(RuntimeError("bubblewrap is missing"), newcomers_start)  # nothing died: no second try
    await until(unlucky.done)
    with pytest.raises(RuntimeError, match="bubblewrap"):
        unlucky.result()


@pytest.mark.slow
async def test_a_real_kernel_made_ahead_weighs_a_tenth_until_it_is_handed_out(kernel_host, monkeypatch):
    pool = kernel_host.pool
    if not pool.cgroups.available or "cpu" not in pool.cgroups.bases:
        pytest.skip("no cgroup CPU controller here")
    if pool._refill is not None:
        await pool._refill
    monkeypatch.setattr(pool, "_limits", dataclasses.replace(pool._limits, pool_size=pool.ready + 1))
    pool._schedule_refill()
    await pool._refill
    ahead = pool._ready[-1]
    weight = "cpu.weight" if pool.cgroups.version == 2 else "cpu.shares"
    folder = ahead.cgroup._paths["cpu"]
    background = int((folder / weight).read_text())
    assert await pool.acquire() is ahead
    try:
        full = int((folder / weight).read_text())
        assert background == full // 10
    finally:
        await pool.discard(ahead, "test over")
