"""Kernels forked and warmed up before anyone asks, so a new visitor never waits for them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from pathlib import Path

from .forkserver import ForkServer
from .limits import Limits
from .process import KernelProcess

log = logging.getLogger(__name__)


class KernelLimitReached(RuntimeError):
    pass


class KernelPool:
    def __init__(self, scratch_root: Path, limits: Limits):
        self._scratch_root = scratch_root
        self._limits = limits
        self._by_pid: dict[int, KernelProcess] = {}
        self._ready: list[KernelProcess] = []
        self._refill: asyncio.Task | None = None
        self.forkserver = ForkServer(scratch_root / "forkserver", self._on_exit, limits.kernel_start_timeout_s)

    @property
    def live(self) -> int:
        """Kernel processes alive now, idle ones in the pool included."""
        return len(self._by_pid)

    async def start(self) -> None:
        await self.forkserver.start()
        self._schedule_refill()

    async def acquire(self) -> KernelProcess:
        """A ready kernel: from the pool when one is waiting, else a fresh fork."""
        while self._ready:
            process = self._ready.pop()
            if process.exitcode is None:
                self._schedule_refill()
                return process
        if self.live >= self._limits.max_kernels:
            limit = self._limits.max_kernels
            raise KernelLimitReached(
                f"this server already runs its maximum of {limit} kernels (PLAYGROUND_MAX_KERNELS); "
                "try again in a few minutes"
            )
        process = await self._spawn()
        self._schedule_refill()
        return process

    async def close(self) -> None:
        if self._refill is not None:
            self._refill.cancel()
        processes = list(self._by_pid.values())
        await asyncio.gather(*(p.close("the server is shutting down") for p in processes))
        await self.forkserver.stop()

    async def _spawn(self) -> KernelProcess:
        scratch = Path(tempfile.mkdtemp(prefix="kernel-", dir=self._scratch_root))
        config = {
            "scratch": str(scratch),
            "output_limit": self._limits.output_bytes_per_run,
            "caps": {"max_values": self._limits.max_values, "max_repr_chars": self._limits.max_repr_chars},
        }
        pid, sock = await self.forkserver.fork(config)
        process = KernelProcess(pid, sock, scratch, self._limits.max_message_bytes)
        self._by_pid[pid] = process
        try:
            await process.open(self._limits.kernel_start_timeout_s)
        except BaseException:
            await process.close("the kernel failed to start")
            raise
        return process

    def _on_exit(self, pid: int, exitcode: int) -> None:
        process = self._by_pid.pop(pid, None)
        if process is not None:
            process.exited(exitcode)

    def _schedule_refill(self) -> None:
        if self._refill is None or self._refill.done():
            self._refill = asyncio.create_task(self._fill(), name="kernel-pool-refill")

    async def _fill(self) -> None:
        while len(self._ready) < self._limits.pool_size and self.live < self._limits.max_kernels:
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
        if process.exitcode is not None or self._by_pid.get(process.pid) is process:
            self._by_pid.pop(process.pid, None)
