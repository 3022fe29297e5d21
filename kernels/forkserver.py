"""Host side of the fork server: start it, ask it for kernels, hear when they exit.

The fork server imports TensorFlow once (2-5 s); each kernel is then a fork of it, ready in a
fraction of a second and sharing the imported pages. See kernel_runtime/zygote.py for the other side.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import socket
from collections.abc import Callable
from pathlib import Path

from . import sandbox

log = logging.getLogger(__name__)


class ForkServerError(RuntimeError):
    pass


class ForkServer:
    def __init__(
        self,
        work_dir: Path,
        on_exit: Callable[[int, int], None],
        sandbox_settings: sandbox.SandboxSettings,
        start_timeout_s: float = 60.0,
        on_gone: Callable[[], None] = lambda: None,
    ):
        self._work_dir = work_dir
        self._sandbox = sandbox_settings
        self._on_exit = on_exit
        self._on_gone = on_gone  # the fork server ended: every kernel it forked is gone with it
        self._start_timeout_s = start_timeout_s
        self._process: asyncio.subprocess.Process | None = None
        self._control: socket.socket | None = None
        self._reader: asyncio.Task | None = None
        self._ready: asyncio.Future | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._refs = itertools.count(1)
        self._lock = asyncio.Lock()
        self.deaths = 0  # how many times it ended: a start in flight then failed through no fault of its own

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None and self._reader is not None

    async def start(self) -> None:
        async with self._lock:
            if not self.running:
                await self._start()

    async def _start(self) -> None:
        await self.stop()  # a fork server that died leaves a process to reap
        self._work_dir.mkdir(parents=True, exist_ok=True)
        host_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            launch = sandbox.fork_server_launch(child_end.fileno(), self._work_dir, self._sandbox)
            self._process = await asyncio.create_subprocess_exec(
                *launch.argv,
                env=launch.env,
                cwd=launch.cwd,
                pass_fds=(child_end.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
            )
        finally:
            child_end.close()
        host_end.setblocking(False)
        self._control = host_end
        self._ready = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read_loop(host_end), name="forkserver-reader")
        try:
            await asyncio.wait_for(asyncio.shield(self._ready), self._start_timeout_s)
        except (TimeoutError, ForkServerError):
            await self.stop()
            raise ForkServerError(f"the fork server did not start within {self._start_timeout_s:.0f} s") from None
        log.info("fork server ready (pid %s)", self._process.pid)

    async def fork(self, config: dict) -> tuple[int, socket.socket]:
        """A new kernel process: its pid and the host's end of its socket."""
        await self.start()
        host_end, kernel_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        host_end.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)  # see process._peer_pid
        host_end.setblocking(False)
        ref = next(self._refs)
        future = asyncio.get_running_loop().create_future()
        self._pending[ref] = future
        try:
            payload = json.dumps({"op": "fork", "ref": ref, "config": config}).encode()
            if self._control is None:
                raise ForkServerError("the fork server is not running")
            socket.send_fds(self._control, [payload], [kernel_end.fileno()])
            pid = await asyncio.wait_for(future, self._start_timeout_s)
        except BaseException:
            host_end.close()
            raise
        finally:
            kernel_end.close()
            self._pending.pop(ref, None)
        return pid, host_end

    async def died_since(self, deaths: int, within_s: float = 0.5) -> bool:
        """Whether it ended since `deaths` was read, waiting up to `within_s` for its link to say
        so: a kernel it forked may notice its death a moment before this end of the link does."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while self.deaths == deaths and loop.time() < deadline:
            await asyncio.sleep(0.02)
        return self.deaths != deaths

    async def stop(self) -> None:
        process, self._process = self._process, None
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None
        if self._control is not None:
            self._control.close()
            self._control = None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()

    async def _read_loop(self, control: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await loop.sock_recv(control, 1 << 16)
                if not data:
                    break
                self._dispatch(json.loads(data))
        except (OSError, ValueError) as exc:
            log.warning("fork server link failed: %s", exc)
        finally:
            self.deaths += 1
            self._fail_pending(ForkServerError("the fork server exited"))
            self._on_gone()
            if self._reader is asyncio.current_task():
                self._reader = None  # the next fork starts a new fork server

    def _dispatch(self, message: dict) -> None:
        op = message.get("op")
        if op == "ready" and self._ready and not self._ready.done():
            self._ready.set_result(True)
        elif op == "forked":
            ref = message.get("ref")
            future = self._pending.get(ref) if isinstance(ref, int) else None
            if future is not None and not future.done():
                future.set_result(int(message["pid"]))
        elif op == "exited":
            self._on_exit(int(message["pid"]), int(message["exitcode"]))

    def _fail_pending(self, error: Exception) -> None:
        waiting = list(self._pending.values())
        if self._ready is not None:
            waiting.append(self._ready)
        for future in waiting:
            if not future.done():
                future.set_exception(error)
