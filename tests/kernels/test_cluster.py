"""Scaled out with the real parts: redis-server, two web processes and two kernel hosts on
loopback. Web processes hold no kernels; kernel hosts hold them; faults are survived."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from bench.cluster import Cluster
from bench.site import connect, execute, next_message, session_cookie

pytestmark = pytest.mark.slow

if shutil.which("redis-server") is None:
    pytest.skip("redis-server is not installed (make test installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def cluster():
    with Cluster(webs=2, kernelhosts=2) as running:
        yield running


async def value_of(websocket, code: str) -> str:
    messages = await execute(websocket, code, f"run-{id(code)}-{asyncio.get_running_loop().time()}")
    results = [m for m in messages if m["type"] == "result"]
    errors = [m for m in messages if m["type"] == "error"]
    if errors:
        return f"{errors[0]['ename']}: {errors[0]['evalue']}"
    return results[-1]["value"]["repr"] if results else ""


async def next_status(websocket, state: str, timeout: float = 30) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = await next_message(websocket)
            if message["type"] == "status" and message["state"] == state:
                return message


async def test_any_web_process_serves_any_session_and_the_kernel_stays_on_its_host(cluster):
    cookie = session_cookie(cluster.webs[0].base)
    async with await connect(cluster.webs[0].base, cookie) as websocket:
        assert await value_of(websocket, "shared = tf.constant([1, 2, 3])\nint(tf.reduce_sum(shared))") == "6"
    async with await connect(cluster.webs[1].base, cookie) as websocket:
        assert await value_of(websocket, "int(tf.reduce_sum(shared * 2))") == "12"


async def test_new_sessions_are_spread_over_the_kernel_hosts(cluster):
    owners = cluster.redis_cli("--scan", "--pattern", "playground:owner:*").split()
    before = {cluster.redis_cli("get", key).strip() for key in owners}
    cookies = [session_cookie(cluster.webs[0].base) for _ in range(4)]
    for cookie in cookies:
        async with await connect(cluster.webs[0].base, cookie) as websocket:
            assert await value_of(websocket, "1 + 1") == "2"
    owners = cluster.redis_cli("--scan", "--pattern", "playground:owner:*").split()
    hosts = {cluster.redis_cli("get", key).strip() for key in owners}
    assert len(hosts | before) == 2


async def test_restarting_a_web_process_loses_no_kernel(cluster):
    web = cluster.start_web()
    cookie = session_cookie(web.base)
    async with await connect(web.base, cookie) as websocket:
        await value_of(websocket, "survivor = 41")
    cluster.kill_web(len(cluster.webs) - 1)
    async with await connect(cluster.webs[0].base, cookie) as websocket:
        assert await value_of(websocket, "survivor + 1") == "42"


async def test_a_dead_kernel_host_is_reported_in_plain_words_and_new_kernels_go_elsewhere():
    with Cluster(webs=1, kernelhosts=2) as cluster:
        base = cluster.webs[0].base
        cookie = session_cookie(base)
        async with await connect(base, cookie) as websocket:
            pid_ns = await value_of(websocket, "import os\nos.readlink('/proc/self/ns/pid')")
            host = cluster.redis_cli("get", cluster.redis_cli("--scan", "--pattern", "playground:owner:*").split()[0])
            index = _kernelhost_index(cluster, host.strip())
            request = execute(websocket, "import time\ntime.sleep(60)", "doomed")
            running = asyncio.create_task(request)
            await asyncio.sleep(1)
            cluster.kill_kernelhost(index)
            messages = await asyncio.wait_for(running, 60)  # the host is declared dead after 20 s
            error = next(m for m in messages if m["type"] == "error")
            assert error["ename"] == "KernelDied" and "stopped answering" in error["evalue"]
            assert await value_of(websocket, "import os\nos.readlink('/proc/self/ns/pid')") != pid_ns


def _kernelhost_index(cluster: Cluster, channel: str) -> int:
    for index, process in enumerate(cluster.kernelhosts):
        if str(process.pid) in channel:
            return index
    raise AssertionError(f"no kernel host runs {channel}")


async def test_redis_going_away_gives_a_clear_error_and_the_site_recovers():
    with Cluster(webs=1, kernelhosts=1) as cluster:
        base = cluster.webs[0].base
        cookie = session_cookie(base)
        async with await connect(base, cookie) as websocket:
            assert await value_of(websocket, "1") == "1"
            cluster.stop_redis()
            messages = await execute(websocket, "2", "while-redis-is-down")
            error = next(m for m in messages if m["type"] == "error")
            assert error["ename"] == "KernelUnavailable" and "unreachable" in error["evalue"]
            cluster.start_redis_again()
        for _ in range(30):  # the kernel host re-registers with its next heartbeat
            try:
                async with await connect(base, cookie) as websocket:
                    if await value_of(websocket, "3") == "3":
                        return
            except Exception:
                pass
            await asyncio.sleep(1)
        raise AssertionError("the site did not recover after Redis came back")
