"""The real site (uvicorn + the embedded kernel host) on a free loopback port, and its wire.

Used by the benchmarks and by the end-to-end tests, so both measure and test the same thing
a visitor gets from `make serve`: starting it (running_site), finding its process (server_pid),
a visitor's cookie and websocket (session_cookie, connect), and a run's messages (execute).
What the benches run over it is in workloads.py.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_site(extra_env: dict[str, str] | None = None, quiet: bool = False, root: Path = ROOT) -> Iterator[str]:
    """Migrate a fresh database, serve the site, yield its base URL, stop it afterwards.

    `root` serves another checkout (a worktree of an earlier commit) for before/after runs."""
    with tempfile.TemporaryDirectory(prefix="playground-site-") as data_dir:
        env = {**os.environ, "PLAYGROUND_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "config.settings"}
        # Every simulated visitor comes from 127.0.0.1, and load figures measure the path, not
        # admission: lift the per-address share and the memory budget (PLAYGROUND_MAX_KERNELS
        # still holds).
        env["PLAYGROUND_MAX_KERNELS_PER_CLIENT"] = "1000"
        env["PLAYGROUND_MEMORY_BUDGET_BYTES"] = str(2**50)
        env.update(extra_env or {})
        manage = [sys.executable, "manage.py", "migrate", "--noinput"]
        subprocess.run(manage, cwd=root, env=env, check=True, capture_output=True)
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--no-access-log"]
        output = subprocess.DEVNULL if quiet else None
        server = subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=output)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base, server)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(60)  # a site with hundreds of kernels takes a while to end them
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def parse_config(text: str) -> tuple[str, dict[str, str]]:
    """A named site configuration from the command line: `NAME=VAR=VALUE,VAR=VALUE` -> (NAME, env)."""
    name, _, assignments = text.partition("=")
    env = dict(item.split("=", 1) for item in assignments.split(",") if item)
    return name, env


def server_pid(port: str | int) -> int:
    """The pid of the uvicorn serving on `port`: running_site does not hand its Popen out, and
    benches read the process's own counters (CPU, memory, its kernels below it)."""
    wanted = str(port).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):  # a process that ended while we looked
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if b"uvicorn" in b" ".join(argv) and (b"--port", wanted) in itertools.pairwise(argv):
                return int(entry.name)
    raise LookupError(f"no uvicorn on port {port}")


def wait_until_serving(base: str, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("the server did not start")


def session_cookie(base: str) -> str:
    """What a browser gets from its first visit: the session cookie its websocket will carry."""
    with urllib.request.urlopen(base + "/") as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    return next(c.split(";")[0] for c in cookies if c.startswith("sessionid="))


def ws_url(base: str, path: str = "/ws/session/") -> str:
    return base.replace("http", "ws", 1) + path


async def connect(base: str, cookie: str | None = None, path: str = "/ws/session/") -> ClientConnection:
    """A visitor's websocket to the site, carrying its session cookie (without one, a new session);
    `path` for another one (a class's student page adds `?class=<token>`, its teacher's view is
    `/ws/class/<code>/`)."""
    import websockets  # a dev requirement (requirements-dev.txt): imported when first used

    headers = {"Origin": base}
    if cookie:
        headers["Cookie"] = cookie
    return await websockets.connect(ws_url(base, path), additional_headers=headers, max_size=None)


_unread: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # websocket -> messages of frames read


async def next_message(websocket, receive: Callable[[], Awaitable[str]] | None = None) -> dict:
    """The server's next message. A frame holds one or more, separated by newlines
    (docs/protocol.md); the rest of a frame waits here for the next call. `receive` reads a
    frame where the websocket has no `recv()` (Channels' test communicator)."""
    unread = _unread.setdefault(websocket, deque())
    while not unread:
        frame = await (receive() if receive is not None else websocket.recv())
        unread.extend(json.loads(line) for line in frame.split("\n"))
    return unread.popleft()


async def execute(websocket, code: str, request_id: str) -> list[dict]:
    """Send one run and return its output messages up to and including `done` (not the `run`
    every page is sent when it begins)."""
    await websocket.send(json.dumps({"type": "execute", "id": request_id, "code": code}))
    seen = []
    while True:
        message = await next_message(websocket)
        if message.get("id") != request_id or message["type"] == "run":
            continue
        seen.append(message)
        if message["type"] == "done":
            return seen
