"""A scaled-out site on loopback: a real redis-server, web processes and kernel hosts.

Used by the cluster tests (tests/kernels/test_cluster*.py) and the load benchmark (bench/cluster_load.py):

    with Cluster(webs=2, kernelhosts=2) as cluster:
        cluster.webs[0].base   # http://127.0.0.1:<port>
        cluster.kill_web(0); cluster.kill_kernelhost(1)

Set up as docs/deployment.md says a real one must be: Redis asks for a password (it is in
REDIS_URL) and every process shares one CHANNEL_LAYER_KEY; both are made afresh for each cluster.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from .site import ROOT, free_port, wait_until_serving


@dataclass
class Web:
    base: str
    process: subprocess.Popen


class Cluster:
    def __init__(
        self,
        webs: int = 2,
        kernelhosts: int = 2,
        extra_env: dict[str, str] | None = None,
        kernelhost_logs: bool = False,
    ):
        self.web_count, self.host_count = webs, kernelhosts
        self.extra_env = extra_env or {}
        self.kernelhost_logs = kernelhost_logs  # to files (kernelhost_log) instead of stderr
        self.redis_password = secrets.token_urlsafe(24)
        self.channel_layer_key = secrets.token_urlsafe(32)
        self.webs: list[Web] = []
        self.kernelhosts: list[subprocess.Popen] = []
        self.redis: subprocess.Popen | None = None

    def __enter__(self) -> Cluster:
        self._data = tempfile.TemporaryDirectory(prefix="playground-cluster-")
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        # Web processes and kernel hosts first, while Redis still answers: a receive waiting
        # for Redis to come back would otherwise hold their shutdown.
        for group in ([*(w.process for w in self.webs), *self.kernelhosts], [self.redis]):
            for process in group:
                if process is not None and process.poll() is None:
                    process.terminate()
            for process in group:
                if process is not None:
                    try:
                        process.wait(30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
        self._data.cleanup()

    def _start(self) -> None:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server; make does it)")
        self.redis_port = free_port()
        self.redis_url = f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}/0"
        self.redis = self._start_redis(redis_server)
        self.env = {
            **os.environ,
            "PLAYGROUND_DATA_DIR": self._data.name,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "REDIS_URL": self.redis_url,
            "CHANNEL_LAYER_KEY": self.channel_layer_key,
            "PLAYGROUND_MAX_KERNELS_PER_CLIENT": "1000",
            **self.extra_env,
        }
        manage = [sys.executable, "manage.py", "migrate", "--noinput"]
        subprocess.run(manage, cwd=ROOT, env=self.env, check=True, capture_output=True)
        for _ in range(self.host_count):
            self.start_kernelhost()
        for _ in range(self.web_count):
            self.start_web()
        self.wait_for_kernelhosts()

    def start_web(self) -> Web:
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        web = Web(f"http://127.0.0.1:{port}", process)
        wait_until_serving(web.base, process)
        self.webs.append(web)
        return web

    def _start_redis(self, redis_server: str = "redis-server") -> subprocess.Popen:
        # The password goes in a config read from stdin, not the command line, which `ps` shows.
        config = f"port {self.redis_port}\nbind 127.0.0.1\nrequirepass {self.redis_password}\n"
        command = [redis_server, "-", "--save", "", "--appendonly", "no"]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        process.stdin.write(config)
        process.stdin.close()
        return process

    def start_kernelhost(self) -> subprocess.Popen:
        command = [sys.executable, "manage.py", "kernelhost"]
        stderr = open(self._log_path(len(self.kernelhosts)), "w") if self.kernelhost_logs else None  # noqa: SIM115
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=stderr, text=True)
        if stderr is not None:
            stderr.close()  # the child has its own copy
        self.kernelhosts.append(process)
        return process

    def kernelhost_log(self, index: int) -> str:
        """What kernel host `index` logged so far (with kernelhost_logs=True)."""
        with open(self._log_path(index)) as log:
            return log.read()

    def _log_path(self, index: int) -> str:
        return os.path.join(self._data.name, f"kernelhost-{index}.log")

    def wait_for_kernelhosts(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for process in self.kernelhosts:
            line = ""
            while "ready" not in line:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("a kernel host did not start")
                line = process.stdout.readline()

    def kill_web(self, index: int) -> None:
        self.webs[index].process.kill()
        self.webs[index].process.wait()

    def kill_kernelhost(self, index: int) -> None:
        self.kernelhosts[index].kill()
        self.kernelhosts[index].wait()

    def redis_cli(self, *args: str) -> str:
        env = {**os.environ, "REDISCLI_AUTH": self.redis_password}  # not -a: `ps` would show it
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), *args], capture_output=True, text=True, env=env)
        return out.stdout

    def stop_redis(self) -> None:
        self.redis.terminate()
        self.redis.wait()

    def start_redis_again(self) -> None:
        self.redis = self._start_redis()
        time.sleep(0.5)
