"""Kernels forked and warmed up before anyone asks, so a new visitor never waits for them.

How many are kept ready follows demand: `PLAYGROUND_POOL_SIZE`, or as many sessions as started
within DEMAND_WINDOW_S at the busiest moment of the last DEMAND_MEMORY_S, up to
`PLAYGROUND_POOL_MAX_SIZE`. A class told "open the page now" thus finds the pool as large as the
last such burst, and a pool grown for one gives its surplus back once the memory of it expires.
Each ready kernel costs ~19 MB while idle.

A burst is served before the pool is refilled. Newcomers take ready kernels; when none is left,
they queue and kernels are started for them, a few at a time (STARTS_AT_ONCE: more only share
the cores and finish all at once), each going to the longest-waiting newcomer. Refilling waits
until no newcomer is waiting and, while kernels are still ready, none was served for
REFILL_QUIET_S (their first runs come right after); a kernel made ahead warms up at a tenth of
the CPU weight (cgroups.py). So making the next visitors' kernels does not slow the ones being
served, and a pool emptied by a steady stream of visitors still refills between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import signal
import tempfile
import time
from collections import deque
from pathlib import Path

from . import sandbox, uids
from .cgroups import Cgroups
from .forkserver import ForkServer
from .gpu import GpuInventory
from .limits import Limits
from .process import KernelProcess
from .reservations import Reservations

log = logging.getLogger(__name__)

DEMAND_WINDOW_S = 10.0  # sessions started this close together are one burst
DEMAND_MEMORY_S = 600.0  # how long the pool stays ready for a burst as large as the last one
REFILL_QUIET_S = 0.5  # refilling waits this long after the last kernel handed out
STARTS_AT_ONCE = max(2, os.cpu_count() or 1)  # kernels started at once for waiting newcomers
HELD_SHARE = 0.75  # of the capacity, at most, held for classes (reservations.py): the rest serves anyone


class KernelLimitReached(RuntimeError):
    pass


class KernelPool:
    def __init__(self, scratch_root: Path, limits: Limits, sandbox_settings: sandbox.SandboxSettings):
        self._scratch_root = scratch_root
        self._limits = limits
        self._sandbox = sandbox_settings
        self._by_pid: dict[int, KernelProcess] = {}
        self._ready: list[KernelProcess] = []
        self._refill: asyncio.Task | None = None
        self._waiting: deque[asyncio.Future[KernelProcess]] = deque()  # newcomers, longest waiting first
        self._starts: set[asyncio.Task] = set()  # kernels being started for them
        self._unforked = 0  # starts not forked yet: they will take a slot
        self._ahead: dict[str, KernelProcess] = {}  # made ahead, still at the background weight
        self._making_ahead = False  # the refill is starting a kernel now
        self._handed_out: deque[tuple[float, int]] = deque()  # (when, sessions started in the window then)
        self._last_handout = float("-inf")
        self._trim: asyncio.TimerHandle | None = None
        self._names = itertools.count(1)
        self.reservations = Reservations()  # ready kernels held for a class (reservations.py)
        self.cgroups = Cgroups()
        self.gpus = GpuInventory.discover(sandbox_settings.simulated_gpus, limits.gpu_memory_mb)
        self.forkserver = ForkServer(
            scratch_root / "forkserver",
            self._on_exit,
            sandbox_settings,
            limits.kernel_start_timeout_s,
            on_gone=self._on_fork_server_gone,
        )

    @property
    def live(self) -> int:
        """Kernel processes alive now, idle ones in the pool included."""
        return len(self._by_pid)

    @property
    def capacity(self) -> int:
        return self._limits.capacity

    @property
    def free(self) -> int:
        """Sessions this host can still take (its ready kernels are free to hand out)."""
        return self.capacity - self.live + len(self._ready)

    @property
    def ready(self) -> int:
        """Kernels forked, warmed up and waiting for a session."""
        return len(self._ready)

    @property
    def waiting(self) -> int:
        """Newcomers waiting for a kernel to be started for them."""
        return len(self._waiting)

    def ready_target(self) -> int:
        """Kernels to keep ready now: the pool's size, or the largest recent burst up to its maximum."""
        now = time.monotonic()
        while self._handed_out and now - self._handed_out[0][0] > DEMAND_MEMORY_S:
            self._handed_out.popleft()
        burst = max((count for _, count in self._handed_out), default=0)
        return max(self._limits.pool_size, min(burst, self._limits.pool_max_size)) + self.reservations.held()

    def reserve(self, tag: str, count: int, seconds: float) -> None:
        """Keep `count` more kernels ready for `tag`'s newcomers alone, for `seconds` (reservations.py)."""
        self.reservations.hold(tag, count, seconds, most=int(self.capacity * HELD_SHARE))
        expiry = self.reservations.next_expiry_s()
        if expiry is not None:  # then the surplus is given back
            asyncio.get_running_loop().call_later(expiry + 1, self._schedule_refill)
        self._schedule_refill()

    def has_room(self, reserved_for: str | None = None) -> bool:
        """Whether a newcomer (of class `reserved_for`) can get a kernel without evicting one (those
        queued before it counted, and kernels held for other classes left to them)."""
        unstarted = max(0, len(self._waiting) - len(self._starts))
        ready = sum(1 for p in self._ready if p.exitcode is None)
        held = self.reservations.held_for_others(reserved_for)
        return ready > held or self._occupied() + unstarted + max(0, held - ready) < self.capacity

    async def start(self) -> None:
        await self.forkserver.start()
        self._schedule_refill()

    async def acquire(self, reserved_for: str | None = None) -> KernelProcess:
        """A ready kernel: from the pool when one is waiting (and not held for another class than
        `reserved_for`), else the next one started. A class's student served from its reserve is
        no demand of the pool's own (the reserve was that demand)."""
        if reserved_for is None or self.reservations.held(reserved_for) == 0:
            self._note_handout()
        process = self._take_ready(reserved_for)
        if process is None:
            process = await self._wait_for_start()
        self.reservations.taken(reserved_for)
        self._schedule_refill()
        return process

    async def close(self) -> None:
        for task in (self._refill, *self._starts):
            if task is not None:
                task.cancel()
        if self._trim is not None:
            self._trim.cancel()
        processes = list(self._by_pid.values())
        await asyncio.gather(*(p.close("the server is shutting down") for p in processes))
        await self.forkserver.stop()

    # --- handing out ------------------------------------------------------------------------

    def _note_handout(self) -> None:
        now = time.monotonic()
        self._last_handout = now
        recent = itertools.takewhile(lambda handout: handout[0] >= now - DEMAND_WINDOW_S, reversed(self._handed_out))
        in_window = 1 + sum(1 for _ in recent)
        self._handed_out.append((now, in_window))
        if self._trim is not None:
            self._trim.cancel()  # when the memory of this burst expires, give its surplus back
        self._trim = asyncio.get_running_loop().call_later(DEMAND_MEMORY_S + 1, self._schedule_refill)

    def _take_ready(self, reserved_for: str | None) -> KernelProcess | None:
        self._ready = [p for p in self._ready if p.exitcode is None]
        if len(self._ready) <= self.reservations.held_for_others(reserved_for):
            return None
        process = self._ready.pop()
        self._in_use(process)
        return process

    def _in_use(self, process: KernelProcess) -> None:
        if self._ahead.pop(process.name, None) is not None and process.cgroup is not None:
            process.cgroup.set_background(False)

    async def _wait_for_start(self) -> KernelProcess:
        if self._occupied() >= self.capacity and not self._starting_any():
            raise self._full()
        waiter: asyncio.Future[KernelProcess] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        for process in self._ahead.values():  # kernels being made ahead may be theirs: full weight
            if process.cgroup is not None:
                process.cgroup.set_background(False)
        self._ahead.clear()
        self._start_for_waiting()
        try:
            return await waiter
        except asyncio.CancelledError:
            with contextlib.suppress(ValueError):
                self._waiting.remove(waiter)
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._ready.append(waiter.result())  # handed over as this newcomer left: keep it
            raise

    def _start_for_waiting(self) -> None:
        """Start kernels for the newcomers waiting, a few at a time; refuse them when full."""
        while len(self._waiting) > len(self._starts) and len(self._starts) < STARTS_AT_ONCE:
            if self._occupied() >= self.capacity:
                break
            task = asyncio.create_task(self._start_one(), name="kernel-pool-start")
            self._starts.add(task)
        if self._waiting and not self._starting_any():
            while self._waiting:  # nothing in flight will free a slot for them
                waiter = self._waiting.popleft()
                if not waiter.done():
                    waiter.set_exception(self._full())

    async def _start_one(self) -> None:
        try:
            process = await self._spawn_for_newcomer()
        except Exception as exc:
            self._fail_first_waiting(exc)
        else:
            self._deliver(process)
        finally:
            self._starts.discard(asyncio.current_task())
            self._start_for_waiting()

    async def _spawn_for_newcomer(self) -> KernelProcess:
        """A kernel for whoever waits first, tried once more if the fork server died meanwhile:
        the kernels it was making died with it, which says nothing about the next start."""
        deaths = self.forkserver.deaths
        try:
            return await self._spawn(background=False)
        except Exception:
            if not await self.forkserver.died_since(deaths):
                raise
        return await self._spawn(background=False)

    def _deliver(self, process: KernelProcess) -> None:
        """A kernel just started goes to the longest-waiting newcomer, or to the pool."""
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                self._in_use(process)
                waiter.set_result(process)
                return
        self._ready.append(process)

    def _fail_first_waiting(self, exc: Exception) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(exc)
                return

    def _occupied(self) -> int:
        """Slots taken: kernels alive and those about to be forked."""
        return self.live + self._unforked

    def _refilling(self) -> bool:
        return self._refill is not None and not self._refill.done()

    def _starting_any(self) -> bool:
        """Whether a kernel is on its way that a waiting newcomer could get."""
        return bool(self._starts) or self._making_ahead

    def _full(self) -> KernelLimitReached:
        return KernelLimitReached(
            f"this server already runs its maximum of {self.capacity} kernels, all of them busy "
            "(PLAYGROUND_MAX_KERNELS and PLAYGROUND_MEMORY_BUDGET_BYTES); try again in a few minutes"
        )

    # --- refilling ----------------------------------------------------------------------------

    def _schedule_refill(self) -> None:
        if not self._refilling():
            self._refill = asyncio.create_task(self._fill(), name="kernel-pool-refill")

    async def _fill(self) -> None:
        while True:
            await self._quiet()
            await self._give_back_surplus()
            if len(self._ready) >= self.ready_target() or self._occupied() >= self.capacity:
                return
            self._making_ahead = True
            try:
                process: KernelProcess | None = await self._spawn(background=True)
            except Exception as exc:  # keep serving; newcomers' own starts will retry and report
                log.warning("could not fill the kernel pool: %s", exc)
                process = None
            finally:
                self._making_ahead = False
            if process is not None:
                self._deliver(process)
            self._start_for_waiting()  # it may have held the last slot a newcomer waits for
            if process is None:
                return

    async def _quiet(self) -> None:
        """Until no newcomer is waiting, and none was served for REFILL_QUIET_S unless the pool
        is empty (a steady stream of visitors would otherwise never let it refill)."""
        while True:
            left = self._last_handout + REFILL_QUIET_S - time.monotonic()
            if not self._waiting and (left <= 0 or not self._ready):
                return
            await asyncio.sleep(0.05 if self._waiting else left)

    async def _give_back_surplus(self) -> None:
        """Ready kernels beyond the target (a burst long past) end; their memory comes back."""
        surplus = max(0, len(self._ready) - self.ready_target())
        oldest, self._ready[:surplus] = self._ready[:surplus], []
        await asyncio.gather(*(self.discard(p, "the kernel pool shrank") for p in oldest))

    # --- making one kernel --------------------------------------------------------------------

    async def _spawn(self, background: bool = False) -> KernelProcess:
        if self._sandbox.enabled:
            scratch, host_scratch = sandbox.SCRATCH, None  # a tmpfs the kernel mounts for itself
        else:
            host_scratch = Path(tempfile.mkdtemp(prefix="kernel-", dir=self._scratch_root))
            scratch = str(host_scratch)
        name = f"kernel-{os.getpid()}-{next(self._names)}"
        kernel_uids = uids.pool_for(self._sandbox.uid_range)
        uid = kernel_uids.take(name) if self._sandbox.enabled else os.getuid()
        gpu = self.gpus.take(holder=name)
        config = {
            **sandbox.kernel_config(self._sandbox, scratch, self._limits.scratch_bytes, uid),
            "memory_bytes": self._limits.memory_bytes,  # what the kernel's /proc/meminfo shows
            "output_limit": self._limits.output_bytes_per_run,
            "caps": {"max_values": self._limits.max_values, "max_repr_chars": self._limits.max_repr_chars},
            "gpu": gpu.config() if gpu else None,
            "cpu_reason": "" if gpu else self.gpus.cpu_reason(),
        }
        self._unforked += 1
        try:
            pid, sock = await self.forkserver.fork(config)
        except BaseException:
            self.gpus.give_back(name)
            kernel_uids.give_back(name)
            raise
        finally:
            self._unforked -= 1
        kernel_uids.bind(name, pid)  # freed when this pid's exit is reported (_on_exit)
        process = KernelProcess(pid, sock, host_scratch, self._limits.max_message_bytes)
        process.name = name
        self._by_pid[pid] = process
        if background and not self._waiting:
            self._ahead[name] = process  # _confine gives it the background weight
        try:
            await process.open(self._limits.kernel_start_timeout_s, self._confine)
        except BaseException:
            self._ahead.pop(name, None)
            await self.discard(process, "the kernel failed to start")
            raise
        return process

    def _confine(self, process: KernelProcess) -> None:
        """Put a new kernel in a cgroup of its own, before it runs anything."""
        limits = self._limits
        process.cgroup = self.cgroups.create(
            process.name,
            limits.memory_bytes,
            limits.max_threads,
            limits.cpu_cores_per_kernel,
            background=process.name in self._ahead,
        )
        if process.cgroup is not None and process.host_pid is not None:
            process.cgroup.add(process.host_pid)
        size = (
            f"{limits.memory_bytes / 2**30:g} GiB"
            if limits.memory_bytes >= 2**30
            else f"{limits.memory_bytes / 2**20:g} MiB"
        )
        process.oom_reason = f"the kernel ran out of memory (the limit is {size}, PLAYGROUND_MEMORY_BYTES)"

    def _on_fork_server_gone(self) -> None:
        """Its kernels died with it (each is tied to its parent), but no exit will be reported:
        count them as killed, so their uids and GPU slices come back."""
        for pid in list(self._by_pid):
            self._on_exit(pid, -signal.SIGKILL)

    def _on_exit(self, pid: int, exitcode: int) -> None:
        # Reported once the kernel's PID namespace is empty: its uid is free for another kernel.
        uids.pool_for(self._sandbox.uid_range).exited(pid)
        process = self._by_pid.pop(pid, None)
        if process is not None:
            process.exited(exitcode)
            self.gpus.give_back(process.name)
            self._ahead.pop(process.name, None)

    async def discard(self, process: KernelProcess, reason: str) -> None:
        """End a kernel that was handed out (its session is done with it)."""
        with contextlib.suppress(Exception):
            await process.close(reason)
        if self._by_pid.get(process.pid) is process:
            self._by_pid.pop(process.pid, None)
        self.gpus.give_back(process.name)
        self._ahead.pop(process.name, None)
        # Not its uid: that comes back with the fork server's exit report (_on_exit), since
        # processes of the kernel may outlive close()'s wait.
