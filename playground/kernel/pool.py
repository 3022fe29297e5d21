"""Kernels forked and warmed up before anyone asks, so a new visitor never waits for them.

The pool keeps `PLAYGROUND_POOL_SIZE` kernels ready, and more while visitors arrive: as many as
sessions started in the last DEMAND_WINDOW_S, up to `PLAYGROUND_POOL_MAX_SIZE`, so a class that
opens the page over a minute finds kernels waiting after its first few. Kernels made for a
passed wave stay ready for the next visitors (each ~19 MB while idle).
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

from . import admission, sandbox, uids
from .cgroups import Cgroups
from .forkserver import ForkServer
from .gpu import GpuInventory
from .limits import Limits
from .process import KernelProcess

log = logging.getLogger(__name__)

DEMAND_WINDOW_S = 10.0


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
        self._handed_out: deque[float] = deque()  # when each recent session got its kernel
        self._names = itertools.count(1)
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
        return admission.capacity(self._limits)

    @property
    def free(self) -> int:
        """Sessions this host can still take (its ready kernels are free to hand out)."""
        return self.capacity - self.live + len(self._ready)

    @property
    def ready(self) -> int:
        """Kernels forked, warmed up and waiting for a session."""
        return len(self._ready)

    def ready_target(self) -> int:
        """Kernels to keep ready now: the pool's size, or the recent demand up to its maximum."""
        now = time.monotonic()
        while self._handed_out and now - self._handed_out[0] > DEMAND_WINDOW_S:
            self._handed_out.popleft()
        demand = min(len(self._handed_out), self._limits.pool_max_size)
        return max(self._limits.pool_size, demand)

    def has_room(self) -> bool:
        return any(p.exitcode is None for p in self._ready) or self.live < self.capacity

    async def start(self) -> None:
        await self.forkserver.start()
        self._schedule_refill()

    async def acquire(self) -> KernelProcess:
        """A ready kernel: from the pool when one is waiting, else a fresh fork."""
        self._handed_out.append(time.monotonic())
        while True:
            while self._ready:
                process = self._ready.pop()
                if process.exitcode is None:
                    self._schedule_refill()
                    return process
            if self.live < self.capacity:
                process = await self._spawn()
                self._schedule_refill()
                return process
            if self._refill is None or self._refill.done():
                raise KernelLimitReached(
                    f"this server already runs its maximum of {self.capacity} kernels, all of them busy "
                    "(PLAYGROUND_MAX_KERNELS and PLAYGROUND_MEMORY_BUDGET_BYTES); try again in a few minutes"
                )
            await asyncio.shield(self._refill)  # it took the last slot: its kernel is ours in a moment

    async def close(self) -> None:
        if self._refill is not None:
            self._refill.cancel()
        processes = list(self._by_pid.values())
        await asyncio.gather(*(p.close("the server is shutting down") for p in processes))
        await self.forkserver.stop()

    async def _spawn(self) -> KernelProcess:
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
        try:
            pid, sock = await self.forkserver.fork(config)
        except BaseException:
            self.gpus.give_back(name)
            kernel_uids.give_back(name)
            raise
        kernel_uids.bind(name, pid)  # freed when this pid's exit is reported (_on_exit)
        process = KernelProcess(pid, sock, host_scratch, self._limits.max_message_bytes)
        process.name = name
        self._by_pid[pid] = process
        try:
            await process.open(self._limits.kernel_start_timeout_s, self._confine)
        except BaseException:
            await self.discard(process, "the kernel failed to start")
            raise
        return process

    def _confine(self, process: KernelProcess) -> None:
        """Put a new kernel in a cgroup of its own, before it runs anything."""
        limits = self._limits
        process.cgroup = self.cgroups.create(
            process.name, limits.memory_bytes, limits.max_processes, limits.cpu_cores_per_kernel
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

    def _schedule_refill(self) -> None:
        if self._refill is None or self._refill.done():
            self._refill = asyncio.create_task(self._fill(), name="kernel-pool-refill")

    async def _fill(self) -> None:
        while len(self._ready) < self.ready_target() and self.live < self.capacity:
            try:
                process = await self._spawn()
            except Exception as exc:  # keep serving; acquire() will retry and report
                log.warning("could not fill the kernel pool: %s", exc)
                return
            self._ready.append(process)

    async def discard(self, process: KernelProcess, reason: str) -> None:
        """End a kernel that was handed out (its session is done with it)."""
        with contextlib.suppress(Exception):
            await process.close(reason)
        if self._by_pid.get(process.pid) is process:
            self._by_pid.pop(process.pid, None)
        self.gpus.give_back(process.name)
        # Not its uid: that comes back with the fork server's exit report (_on_exit), since
        # processes of the kernel may outlive close()'s wait.
