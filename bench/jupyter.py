"""The nearest peer, Jupyter Server + ipykernel with TensorFlow, driven over its websocket.

The harness installs it into a virtualenv of its own, `bench/.venv-jupyter` (gitignored), with
pinned versions, and never into the project's `.venv`: Jupyter is not a dependency of the site.
TensorFlow, Keras and NumPy are installed there at the project's versions, so the ipykernel
(the venv's own `python3` kernelspec) imports the same TensorFlow a playground kernel has.

The wire: `POST /api/kernels` starts a kernel; `ws://.../api/kernels/<id>/channels?token=...`
carries Jupyter messaging protocol v5 messages as JSON text (no subprotocol asked for, so the
server uses its JSON framing with a `channel` field). A run is an `execute_request` on `shell`;
its end is the `execute_reply` on `shell`, its value the `execute_result` on `iopub`.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from .site import free_port

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-jupyter"
PINS = [
    "jupyter_server==2.21.1",
    "ipykernel==7.4.0",
    "tensorflow-cpu==2.21.0",  # the project's versions (requirements.txt)
    "keras==3.15.1",
    "numpy==2.4.6",
]


def ensure_venv() -> Path:
    """bench/.venv-jupyter with the pinned packages; created or brought up to date when needed."""
    python = VENV / "bin" / "python"
    marker = VENV / ".installed"
    wanted = "\n".join(PINS)
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    print(f"installing Jupyter Server and ipykernel into {VENV} (once) ...", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *PINS], check=True)
    marker.write_text(wanted)
    return python


# A config file that turns Nagle's algorithm off on the kernel websockets, as the playground's
# server (asyncio/uvloop) does for every TCP connection. Tornado leaves it on unless the handler
# calls set_nodelay(True), and jupyter_server's KernelWebsocketHandler does not: each burst of
# iopub messages after the first then waits for the client's delayed ACK (about 40 ms).
NODELAY_CONFIG = """
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

_open = KernelWebsocketHandler.open


async def _open_nodelay(self, kernel_id):
    self.set_nodelay(True)
    return await _open(self, kernel_id)


KernelWebsocketHandler.open = _open_nodelay
"""


@contextlib.contextmanager
def running_jupyter(nodelay: bool = False) -> Iterator[JupyterServer]:
    """Jupyter Server on a free loopback port with a token; `nodelay` applies NODELAY_CONFIG."""
    python = ensure_venv()
    token = secrets.token_hex(16)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-jupyter-") as home:
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": f"{home}/config",
            "JUPYTER_DATA_DIR": f"{home}/data",
            "JUPYTER_RUNTIME_DIR": f"{home}/runtime",
            "IPYTHONDIR": f"{home}/ipython",
            "TF_CPP_MIN_LOG_LEVEL": "2",  # as in the playground's fork server
        }
        if nodelay:
            os.makedirs(f"{home}/config")
            Path(f"{home}/config/jupyter_server_config.py").write_text(NODELAY_CONFIG)
        command = [str(python), "-m", "jupyter_server", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1"]
        command += [f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home}"]
        command += ["--ServerApp.port_retries=0", "--ServerApp.log_level=WARN"]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        jupyter = JupyterServer(f"http://127.0.0.1:{port}", token, server.pid)
        try:
            jupyter.wait_until_serving(server)
            yield jupyter
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


class JupyterServer:
    def __init__(self, base: str, token: str, pid: int):
        self.base = base
        self.token = token
        self.pid = pid

    def wait_until_serving(self, server: subprocess.Popen, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError("jupyter server exited during start-up")
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("jupyter server did not start")

    def api(self, method: str, path: str, body: dict | None = None) -> dict | list | None:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"token {self.token}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=300) as response:
            text = response.read()
        return json.loads(text) if text else None

    def start_kernel(self) -> str:
        return self.api("POST", "/api/kernels", {"name": "python3"})["id"]

    def shutdown_kernel(self, kernel_id: str) -> None:
        with contextlib.suppress(OSError):
            self.api("DELETE", f"/api/kernels/{kernel_id}")

    async def connect(self, kernel_id: str) -> JupyterSession:
        import websockets

        url = self.base.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels?token={self.token}"
        websocket = await websockets.connect(url, max_size=None, open_timeout=120)
        return JupyterSession(websocket)


class JupyterSession:
    """One websocket to one kernel: execute code, collect its messages until the reply."""

    def __init__(self, websocket):
        self.websocket = websocket
        self.session = uuid.uuid4().hex

    async def execute(self, code: str, want_result: bool = False) -> dict:
        """Run `code`; returns {"reply", "result", "stream", "messages", "t_result", "t_reply"}
        (t_* are time.perf_counter() at arrival). With want_result, waits for execute_result too
        (it may come after the reply on a separate channel)."""
        msg_id = uuid.uuid4().hex
        await self.websocket.send(json.dumps(execute_request(msg_id, self.session, code)))
        out: dict = {"reply": None, "result": None, "error": None, "stream": [], "messages": []}
        out["t_sent"] = time.perf_counter()
        while out["reply"] is None or (want_result and out["result"] is None and out["error"] is None):
            message = json.loads(await self.websocket.recv())
            now = time.perf_counter()
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["msg_type"]
            out["messages"].append((kind, message["header"].get("date"), now))
            if kind == "execute_reply":
                out["reply"], out["t_reply"] = message, now
                if message["content"].get("status") != "ok":
                    out["error"] = message["content"]
            elif kind == "execute_result":
                out["result"], out["t_result"] = message, now
            elif kind == "error":
                out["error"] = message["content"]
            elif kind == "stream":
                out["stream"].append(message["content"]["text"])
        return out

    async def close(self) -> None:
        await self.websocket.close()


def execute_request(msg_id: str, session: str, code: str) -> dict:
    return {
        "header": {
            "msg_id": msg_id,
            "username": "bench",
            "session": session,
            "msg_type": "execute_request",
            "version": "5.3",
            "date": datetime.datetime.now(datetime.UTC).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
        "buffers": [],
    }


def result_text(out: dict) -> str:
    return out["result"]["content"]["data"]["text/plain"] if out.get("result") else ""
