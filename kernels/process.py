"""One kernel process as the host sees it: its socket, its exit, and why it ended.

Everything a kernel sends is untrusted: each line is size-capped, parsed with a depth limit
and checked field by field against protocol.FROM_KERNEL before anything else looks at it. A
line that fails ends the kernel, with the reason kept for the user.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import socket
import struct
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from kernel_runtime import protocol

from . import sandbox
from .cgroups import KernelCgroup
from .watchdog import process_cpu_seconds

READY = "ready"


class KernelProcess:
    def __init__(self, pid: int, sock: socket.socket, scratch: Path | None, max_message_bytes: int):
        self.pid = pid  # in the fork server's PID namespace: what its exit reports name
        self.name = f"kernel-{pid}"  # its cgroup's and GPU slice's name
        self.host_pid: int | None = None  # the kernel process itself, as this host sees it
        self.scratch = scratch  # a host folder to remove afterwards (only without the sandbox)
        self.cgroup: KernelCgroup | None = None
        self.oom_reason = "the kernel ran out of memory"
        self.info: dict = {}
        self.exitcode: int | None = None
        self.end_reason: str | None = None  # set by whoever ends it on purpose
        self._sock = sock
        self._max_message_bytes = max_message_bytes
        self._exited = asyncio.Event()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self, timeout_s: float, admit: Callable[[KernelProcess], None]) -> None:
        """Learn the kernel's pid, let `admit` confine it, then wait for its `ready`."""
        self.host_pid = await asyncio.wait_for(_peer_pid(self._sock), timeout_s)
        admit(self)
        self._sock.send(b"\1")
        self._reader, self._writer = await asyncio.open_unix_connection(sock=self._sock, limit=self._max_message_bytes)
        line = await asyncio.wait_for(self._reader.readline(), timeout_s)
        try:
            message = protocol.check(protocol.FROM_KERNEL, protocol.loads(line or b"null"))
        except protocol.MessageError as exc:
            raise RuntimeError(f"the kernel did not start ({exc})") from None
        if message["type"] != READY:
            raise RuntimeError("the kernel did not start")
        self.info = message["info"]

    def send(self, message: dict) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(json.dumps(message).encode() + b"\n")

    async def messages(self) -> AsyncIterator[tuple[dict, str]]:
        """(message, its JSON text) for each valid line, until the kernel goes away or sends
        something that is not part of the protocol (then `end_reason` says what)."""
        assert self._reader is not None
        while True:
            try:
                line = await self._reader.readline()
            except (ValueError, asyncio.LimitOverrunError):
                self.end_reason = f"the kernel sent a message larger than {self._max_message_bytes // 2**20} MiB"
                return
            except (ConnectionError, OSError):
                return
            if not line.endswith(b"\n"):
                return  # the kernel went away mid-line (ended, perhaps by the host): not a message
            try:
                message = protocol.check(protocol.FROM_KERNEL, protocol.loads(line))
            except protocol.MessageError as exc:
                self.end_reason = f"the kernel sent a message that is not part of the protocol: {exc}"
                return
            yield message, line.decode("utf-8").rstrip("\n")

    def cpu_seconds(self) -> float:
        """CPU used so far by the kernel and everything it started (its cgroup's count)."""
        used = self.cgroup.cpu_seconds() if self.cgroup is not None else None
        return used if used is not None else process_cpu_seconds(self.host_pid)

    def memory_used(self) -> int | None:
        """Memory the kernel holds now (its cgroup's count); None without a cgroup."""
        return self.cgroup.memory_used() if self.cgroup is not None else None

    def process_count(self) -> int | None:
        """Processes (not threads) in the kernel's cgroup now; None without a cgroup."""
        return len(self.cgroup.pids()) if self.cgroup is not None else None

    def end_children(self) -> int:
        """End every process the kernel started; the kernel itself stays."""
        return self.cgroup.kill_all(sparing=self.host_pid) if self.cgroup is not None else 0

    def exited(self, exitcode: int) -> None:
        self.exitcode = exitcode
        self._exited.set()

    def kill(self, reason: str | None = None) -> None:
        if reason and self.end_reason is None:
            self.end_reason = reason
        if self.exitcode is None:
            sandbox.kill_kernel(self.host_pid or self.pid)
        if self.cgroup is not None:
            self.cgroup.kill_all()

    async def wait_exit(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self._exited.wait(), timeout_s)
            return True
        except TimeoutError:
            return False

    async def close(self, reason: str | None = None) -> None:
        """End the kernel (it gets no say) and clean up after it."""
        self.kill(reason)
        if self._writer is not None:
            self._writer.close()
        else:
            self._sock.close()
        await self.wait_exit(2.0)
        if self.cgroup is not None:
            self.cgroup.remove()
        if self.scratch is not None:
            # rmtree never follows symbolic links a kernel may have planted in its scratch folder
            await asyncio.to_thread(shutil.rmtree, self.scratch, True)

    async def death_reason(self) -> str:
        if self.end_reason:
            return self.end_reason
        await self.wait_exit(1.0)
        if self.cgroup is not None and self.cgroup.oom_killed():
            return self.oom_reason
        return describe_exit(self.exitcode)


async def _peer_pid(sock: socket.socket) -> int:
    """The pid of the process that sent the first byte, from its SO_PASSCRED credentials.

    The kernel translates the pid into this host's PID namespace, so it is right even though
    the kernel runs in namespaces of its own."""
    loop = asyncio.get_running_loop()
    found: asyncio.Future[int] = loop.create_future()

    def readable() -> None:
        try:
            data, ancillary, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(struct.calcsize("3i")))
        except BlockingIOError:
            return
        except OSError as exc:
            found.set_exception(exc)
        else:
            pids = [
                struct.unpack("3i", d[:12])[0]
                for level, kind, d in ancillary
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS
            ]
            if data and pids:
                found.set_result(pids[0])
            else:
                found.set_exception(RuntimeError("the kernel did not identify itself"))
        loop.remove_reader(fd)

    fd = sock.fileno()
    loop.add_reader(fd, readable)
    try:
        return await found
    finally:
        loop.remove_reader(fd)


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "the kernel stopped answering"
    if exitcode == 0:
        return "the kernel exited"
    if exitcode > 0:
        return f"the kernel exited with status {exitcode}"
    signum = -exitcode
    name = signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else f"signal {signum}"
    if signum == signal.SIGKILL:
        return "the kernel was killed (SIGKILL), most often because it ran out of memory"
    if signum in (signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT):
        return f"the kernel crashed ({name})"
    return f"the kernel was stopped by {name}"
