"""Warm before the bell, with the real pool: opening a class holds ready kernels for its students,
which strangers leave alone, its students take, and closing it gives back."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from tests.classroom.support import class_token, join, open_class
from tests.communicator import connect, receive_until

pytestmark = [pytest.mark.slow, pytest.mark.warm, pytest.mark.django_db(transaction=True)]


async def until(condition, timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.1)


async def test_a_classs_kernels_are_ready_before_it_arrives_and_only_for_it(host_cleanup, fresh_cache):
    pool = host_cleanup.pool
    teacher = Client()
    code = await sync_to_async(open_class)(teacher, seats=2)
    tag = f"class:{code}"
    try:
        assert pool.reservations.held(tag) == 2
        await until(lambda: pool.ready >= pool.ready_target())  # made ahead, before anyone came
        ready_before = pool.ready
        assert not pool.has_room() or pool.ready > pool.reservations.held()  # strangers leave them
        stranger = await connect()
        await receive_until(stranger, lambda m: m["type"] == "status" and m["state"] == "idle")
        assert pool.reservations.held(tag) == 2  # a stranger took none of the class's
        student = Client()
        html = await sync_to_async(join)(student, code, "Ana")
        page = await connect(student.cookies["sessionid"].value, path=f"/ws/session/?class={class_token(html)}")
        await receive_until(page, lambda m: m["type"] == "status" and m["state"] == "idle")
        assert pool.reservations.held(tag) == 1 and ready_before >= 2
        for socket in (stranger, page):
            await socket.disconnect()
    finally:
        await sync_to_async(teacher.post)(f"/class/{code}/close")
    await until(lambda: pool.reservations.held(tag) == 0, timeout=10)  # the release is a message
