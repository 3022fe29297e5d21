"""A class live, end to end: a teacher's websocket and students' sessions on real kernels, over
the site's own ASGI application (the in-process layer; test_class_cluster.py does it with Redis
and two web processes)."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from bench.site import next_message
from config.asgi import application
from tests.classroom.support import LESSON, class_token, join, open_class
from tests.communicator import connect, receive_until, run

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
WRONG = "# %% exercise: Cast to float\nt_float = t\nleak_probe = 1"
RIGHT = "# %% exercise: Cast to float\nt_float = tf.cast(t, tf.float32)"


class Class:
    """A class opened by a teacher's browser, with its code and the teacher's websocket."""

    def __init__(self, lesson: str = LESSON) -> None:
        self.teacher = Client()
        self.code = open_class(self.teacher, seats=3, code=lesson)
        self.sockets: list[WebsocketCommunicator] = []

    async def watch(self) -> WebsocketCommunicator:
        view = await connect(self.teacher.cookies["sessionid"].value, path=f"/ws/class/{self.code}/")
        self.sockets.append(view)
        roster = await receive(view, "roster")
        assert roster["type"] == "roster"
        return view

    async def student(self, name: str) -> WebsocketCommunicator:
        browser = Client()
        html = await sync_to_async(join)(browser, self.code, name)
        page = await connect(browser.cookies["sessionid"].value, path=f"/ws/session/?class={class_token(html)}")
        self.sockets.append(page)
        await receive_until(page, lambda m: m["type"] == "status" and m["state"] == "idle")
        return page

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.disconnect()
        await sync_to_async(self.teacher.post)(f"/class/{self.code}/close")  # its held kernels go back


async def receive(socket: WebsocketCommunicator, kind: str, where=lambda m: True, timeout: float = 30) -> dict:
    while True:
        message = await next_message(socket, lambda: socket.receive_from(timeout=timeout))
        if message["type"] == kind and where(message):
            return message


def of(name: str, state: str | None = None):
    return lambda m: m["student"]["name"] == name and (state is None or m["student"]["state"] == state)


@pytest.fixture
async def lesson(host_cleanup, fresh_cache):
    opened = await sync_to_async(Class)()
    yield opened
    await opened.close()


async def test_a_students_error_reaches_the_teacher_grouped_with_its_hint_and_line(lesson):
    view = await lesson.watch()
    ana = await lesson.student("Ana")
    await receive(view, "student", of("Ana", "idle"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await run(ana, "a = tf.constant(1)\ntf.constant(1) + tf.constant(1.5)", "r1")
    update = await receive(view, "student", of("Ana", "error"))
    assert loop.time() - started < 10  # generous: the figure is bench/classroom.py's
    error = update["student"]["last_error"]
    assert error["line"] == "tf.constant(1) + tf.constant(1.5)" and error["lineno"] == 2
    assert error["hint"]["code"] and update["student"]["runs"] == 1
    group = update["errors"][0]
    assert group["count"] == 1 and group["names"] == ["Ana"] and group["line"] == error["line"]


async def test_a_teacher_who_opens_the_view_later_sees_what_each_student_did(lesson):
    ana = await lesson.student("Ana")
    await run(ana, "x = 1\nx + 1", "r1")
    view = await lesson.watch()
    update = await receive(view, "student", of("Ana"))
    assert update["student"]["runs"] == 1 and update["student"]["state"] == "idle"


async def test_an_exercise_passes_or_fails_with_the_checks_message_and_the_check_leaves_nothing(lesson):
    view = await lesson.watch()
    ana = await lesson.student("Ana")
    await run(ana, "t = tf.constant([1, 2, 3])", "setup")
    await ana.send_to(text_data=json.dumps({"type": "execute", "id": "wrong", "code": WRONG}))
    verdict = await receive(ana, "verdict")
    assert verdict == {
        "type": "verdict",
        "id": "wrong",
        "exercise": "Cast to float",
        "passed": False,
        "message": "t_float must be float32: use tf.cast(t, tf.float32)",
    }
    grid = await receive(view, "student", lambda m: "Cast to float" in m["student"]["exercises"])
    assert grid["student"]["exercises"]["Cast to float"]["passed"] is False
    await ana.send_to(text_data=json.dumps({"type": "execute", "id": "right", "code": RIGHT}))
    assert (await receive(ana, "verdict"))["passed"] is True
    await receive(view, "student", lambda m: m["student"]["exercises"].get("Cast to float", {}).get("passed"))
    # The check ran on a copy of the namespace and said nothing of itself; the session goes on.
    probe = await run(ana, "'t_float' in dir(), 'leak_probe' in dir()", "probe")
    assert next(m for m in probe if m["type"] == "result")["value"]["repr"] == "(True, True)"
    assert not any("assert" in json.dumps(m) for m in probe)


async def test_a_cell_that_fails_fails_its_exercise_without_running_the_check(lesson):
    ana = await lesson.student("Ana")
    await ana.send_to(text_data=json.dumps({"type": "execute", "id": "broken", "code": WRONG.replace("= t", "= nope")}))
    verdict = await receive(ana, "verdict")
    assert verdict["passed"] is False and "error before its end" in verdict["message"]


async def test_a_push_is_offered_to_every_student_of_the_class_and_no_one_else(lesson, host_cleanup):
    view = await lesson.watch()
    ana, bo = await lesson.student("Ana"), await lesson.student("Bo")
    outsider = await connect()
    await view.send_to(text_data=json.dumps({"type": "push", "code": "t = tf.ones((2, 2))"}))
    assert (await receive(view, "pushed"))["id"]
    for student in (ana, bo):
        push = await receive(student, "push")
        assert push["code"] == "t = tf.ones((2, 2))"
    await run(outsider, "1", "o1")
    assert await outsider.receive_nothing(timeout=0.5)
    await outsider.disconnect()


async def test_closing_the_class_tells_its_students_and_takes_their_sessions_out_of_it(lesson):
    view = await lesson.watch()
    ana = await lesson.student("Ana")
    await sync_to_async(lesson.teacher.post)(f"/class/{lesson.code}/close")
    closed = await receive(ana, "class")
    assert closed["closed"] is True
    assert (await receive(view, "closed"))["type"] == "closed"
    await run(ana, "1 + 1", "after")  # the session goes on, out of the class


async def test_a_class_token_works_only_for_the_session_it_was_made_for(lesson, host_cleanup):
    view = await lesson.watch()
    ana_browser = Client()
    html = await sync_to_async(join)(ana_browser, lesson.code, "Ana")
    await receive(view, "student", of("Ana"))  # she joined
    intruder = await connect(path=f"/ws/session/?class={class_token(html)}")  # another session, Ana's token
    await run(intruder, "pretend = 1\npretend + 1", "i1")
    assert await view.receive_nothing(timeout=1.5)  # the teacher hears nothing of it
    await intruder.disconnect()


async def test_the_teachers_websocket_is_closed_to_anyone_who_does_not_teach_the_class(lesson):
    student = Client()
    await sync_to_async(join)(student, lesson.code, "Ana")
    for cookie in ("", student.cookies["sessionid"].value):
        headers = [
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ]
        socket = WebsocketCommunicator(application, f"/ws/class/{lesson.code}/", headers=headers)
        connected, code = await socket.connect(timeout=10)
        assert not connected and code == 4403


async def presenting(lesson: Class) -> WebsocketCommunicator:
    """The teacher's own playground page (/class/<code>/present), connected."""
    page = await sync_to_async(lesson.teacher.get)(f"/class/{lesson.code}/present")
    token = class_token(page.content.decode())
    socket = await connect(lesson.teacher.cookies["sessionid"].value, path=f"/ws/session/?class={token}")
    lesson.sockets.append(socket)
    await receive_until(socket, lambda m: m["type"] == "status" and m["state"] == "idle")
    return socket


async def test_a_student_who_follows_sees_the_teachers_editor_and_runs_live_and_others_do_not(lesson):
    teacher = await presenting(lesson)
    ana, bo = await lesson.student("Ana"), await lesson.student("Bo")
    await teacher.send_to(text_data=json.dumps({"type": "editor", "code": "w = tf.Variable(2.0)"}))
    await ana.send_to(text_data=json.dumps({"type": "follow", "on": True}))
    assert (await receive(ana, "teacher_editor"))["code"] == "w = tf.Variable(2.0)"  # what it held already
    await run(teacher, "w = tf.Variable(2.0)\nw * 3", "t1")
    followed = [(await receive(ana, "follow"))["message"] for _ in range(3)]
    assert [m["type"] for m in followed[:2]] == ["run", "result"]
    assert "6.0" in followed[1]["value"]["repr"]
    await teacher.send_to(text_data=json.dumps({"type": "editor", "code": "w.assign(5.0)"}))
    assert (await receive(ana, "teacher_editor"))["code"] == "w.assign(5.0)"
    assert await bo.receive_nothing(timeout=0.5)  # Bo does not follow
    await ana.send_to(text_data=json.dumps({"type": "follow", "on": False}))
    await run(teacher, "w + 1", "t2")
    await asyncio.sleep(0.3)
    seen = []
    while not await ana.receive_nothing(timeout=0.2):
        seen.append(json.loads(await ana.receive_from()))
    assert not [m for m in seen if m["type"] == "follow" and m["message"].get("id") == "t2"]
    # what the teacher's playground ran, for a student who starts following later
    bo_runs = await sync_to_async(Client().get)(f"/c/{lesson.code}/teacher")
    assert bo_runs.status_code == 403  # not a student of the class


async def test_the_teachers_playground_pushes_its_cell_and_students_cannot_speak_for_the_teacher(lesson):
    teacher = await presenting(lesson)
    ana = await lesson.student("Ana")
    await teacher.send_to(text_data=json.dumps({"type": "push", "code": "# %%\nx = 1"}))
    assert (await receive(ana, "push"))["code"] == "# %%\nx = 1"
    await ana.send_to(text_data=json.dumps({"type": "editor", "code": "fake"}))
    refusal = await receive(ana, "error")
    assert refusal["ename"] == "ClassError" and "teacher's playground" in refusal["evalue"]
    await ana.send_to(text_data=json.dumps({"type": "push", "code": "spam"}))
    assert (await receive(ana, "error"))["ename"] == "ClassError"
    assert await teacher.receive_nothing(timeout=0.5)  # the teacher's playground got no push back


SLOW_CHECK = """# %% exercise: Slow
slow = 1
# %% check
import time
time.sleep(1.0)
assert slow == 1, "slow must be 1"
"""
FORGES_DONE = """# %% exercise: Slow
slow = 1
import gc, threading, time
from kernel_runtime import link as wire
_link = next(o for o in gc.get_objects() if isinstance(o, wire.Link))
def _forge():
    time.sleep(0.4)  # while the check sleeps
    for _ in range(2):
        _link.send({"type": "done", "id": "forger", "ok": True, "elapsed_ms": 0})
    _link.flush()
threading.Thread(target=_forge, daemon=True).start()
"""


async def test_a_kernel_that_forges_its_runs_done_while_the_check_runs_ends_nothing_twice(host_cleanup, fresh_cache):
    lesson = await sync_to_async(Class)(SLOW_CHECK)
    try:
        ana, neighbour = await lesson.student("Ana"), await lesson.student("Bo")
        await run(neighbour, "kept = tf.constant(7)", "n1")
        await ana.send_to(text_data=json.dumps({"type": "execute", "id": "forger", "code": FORGES_DONE}))
        seen = await receive_until(ana, lambda m: m["type"] == "verdict")
        await asyncio.sleep(0.5)
        while not await ana.receive_nothing(timeout=0.3):
            seen.append(json.loads(await ana.receive_from()))
        dones = [m for m in seen if m["type"] == "done" and m["id"] == "forger"]
        assert len(dones) == 1 and seen[-1]["type"] != "done"  # the forged ones never reached the page
        assert [m["passed"] for m in seen if m["type"] == "verdict"] == [True]
        after = await run(ana, "slow + 1", "after")  # the session goes on, one run at a time
        assert next(m for m in after if m["type"] == "result")["value"]["repr"] == "2"
        kept = await run(neighbour, "int(kept)", "n2")
        assert next(m for m in kept if m["type"] == "result")["value"]["repr"] == "7"
    finally:
        await lesson.close()
