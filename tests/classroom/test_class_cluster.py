"""A class scaled out with the real parts: redis-server, two web processes and two kernel hosts
on loopback. Students on either web process (and their kernels on either host) appear in the one
teacher's view; a push and the class's end reach students on both."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest

from bench.classes import Browser, join, open_class, student_path
from bench.cluster import Cluster
from bench.site import connect, execute, next_message

pytestmark = pytest.mark.slow

if shutil.which("redis-server") is None:
    pytest.skip("redis-server is not installed (make test installs it)", allow_module_level=True)


async def receive(socket, kind: str, where=lambda m: True, timeout: float = 30) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            message = await next_message(socket)
            if message["type"] == kind and where(message):
                return message


async def test_students_on_two_web_processes_and_two_hosts_appear_in_one_teachers_view():
    with Cluster(webs=2, kernelhosts=2) as cluster:
        first, second = (web.base for web in cluster.webs)
        teacher = Browser(first)
        code = await asyncio.to_thread(open_class, teacher, 5, "Cluster")
        tokens = {}
        for browser, name in ((ana := Browser(first), "Ana"), (bo := Browser(second), "Bo")):
            await asyncio.to_thread(browser.get, f"/c/{code}")  # the join form first, as a browser
            tokens[name] = await asyncio.to_thread(join, browser, code, name)
        async with (
            await connect(first, teacher.cookie(), f"/ws/class/{code}/") as view,
            await connect(first, ana.cookie(), student_path(tokens["Ana"])) as ana_page,
            await connect(second, bo.cookie(), student_path(tokens["Bo"])) as bo_page,
        ):
            await receive(view, "roster")
            await execute(ana_page, "tf.constant(1) + tf.constant(1.5)", "a1")
            await execute(bo_page, "x = tf.ones((2, 2))\nx", "b1")
            ana_error = await receive(view, "student", lambda m: m["student"]["name"] == "Ana" and m["student"]["runs"])
            bo_ran = await receive(view, "student", lambda m: m["student"]["name"] == "Bo" and m["student"]["runs"])
            assert ana_error["student"]["state"] == "error" and ana_error["errors"][0]["names"] == ["Ana"]
            assert bo_ran["student"]["state"] == "idle"
            await view.send(json.dumps({"type": "push", "code": "pushed = 1"}))
            for page in (ana_page, bo_page):
                assert (await receive(page, "push"))["code"] == "pushed = 1"
            await asyncio.to_thread(teacher.get, f"/class/{code}/teach")  # the page with the Close form
            await asyncio.to_thread(teacher.post, f"/class/{code}/close", {})
            for page in (ana_page, bo_page):
                assert (await receive(page, "class"))["closed"] is True
            await receive(view, "closed")
