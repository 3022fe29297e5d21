"""The websocket consumer, driven with Channels' WebsocketCommunicator against real kernels."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore

from bench.site import next_message
from tests.communicator import connect, is_done, receive_until, run

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
async def ws(host_cleanup):
    communicator = await connect()
    yield communicator
    await communicator.disconnect()


async def test_connecting_sends_the_session_status_at_once(host_cleanup):
    communicator = await connect()
    first = await next_message(communicator, lambda: communicator.receive_from(timeout=30))
    assert first["type"] == "status" and first["state"] in ("starting", "idle")
    await communicator.disconnect()


async def test_an_execute_returns_results_then_exactly_one_done(ws):
    messages = await run(ws, "t = tf.constant([[1., 2.], [3., 4.]])\nt\nt.dtype", "r1")
    mine = [m for m in messages if m.get("id") == "r1"]
    assert [m["type"] for m in mine] == ["run", "result", "result", "variables", "done"]
    assert mine[0]["code"].startswith("t = tf.constant")  # every page of the session is told a run began
    assert mine[1]["lineno"] == 2 and mine[1]["value"]["shape"] == [2, 2]
    assert mine[-1]["ok"] is True and mine[-1]["elapsed_ms"] >= 0


async def test_a_frame_that_is_not_json_gets_an_error_and_the_connection_stays_up(ws):
    await ws.send_to(text_data="{not json")
    error = (await receive_until(ws, lambda m: m["type"] == "error"))[-1]
    assert error["ename"] == "ProtocolError" and "not valid JSON" in error["evalue"] and error["id"] is None
    assert any(m["type"] == "result" for m in await run(ws, "1 + 1", "after"))


async def test_an_unknown_message_type_is_named_in_the_error(ws):
    await ws.send_to(text_data=json.dumps({"type": "launch_missiles"}))
    error = (await receive_until(ws, lambda m: m["type"] == "error"))[-1]
    assert "launch_missiles" in error["evalue"] and "execute" in error["evalue"]


async def test_an_execute_without_id_is_refused(ws):
    await ws.send_to(text_data=json.dumps({"type": "execute", "code": "1"}))
    error = (await receive_until(ws, lambda m: m["type"] == "error"))[-1]
    assert "'id'" in error["evalue"]


async def test_code_over_the_limit_is_refused_with_the_limit_and_a_done(ws):
    await ws.send_to(text_data=json.dumps({"type": "execute", "id": "big", "code": "x" * (65 * 1024)}))
    messages = await receive_until(ws, is_done("big"))
    error = next(m for m in messages if m["type"] == "error")
    assert error["id"] == "big" and "64 KiB" in error["evalue"]
    assert messages[-1]["ok"] is False


async def test_a_binary_frame_is_refused(ws):
    await ws.send_to(bytes_data=b"\x00\x01")
    error = (await receive_until(ws, lambda m: m["type"] == "error"))[-1]
    assert "JSON text" in error["evalue"]


async def test_a_reload_with_the_same_session_cookie_reattaches_to_the_same_kernel(host_cleanup):
    store = SessionStore()
    await database_sync_to_async(store.create)()
    first = await connect(store.session_key)
    await run(first, "kept = tf.constant(7)", "a")
    await first.disconnect()
    second = await connect(store.session_key)
    messages = await run(second, "kept * 6", "b")
    assert next(m for m in messages if m["type"] == "result")["value"]["values"] == 42
    await second.disconnect()


async def test_interrupt_and_restart_arrive_through_the_websocket(ws):
    await run(ws, "x = 1", "setup")
    await ws.send_to(text_data=json.dumps({"type": "execute", "id": "long", "code": "import time\ntime.sleep(60)"}))
    await receive_until(ws, lambda m: m["type"] == "status" and m["state"] == "busy")
    await ws.send_to(text_data=json.dumps({"type": "interrupt"}))
    messages = await receive_until(ws, is_done("long"))
    assert any(m["type"] == "error" and m["ename"] == "KeyboardInterrupt" for m in messages)
    await ws.send_to(text_data=json.dumps({"type": "restart"}))
    await receive_until(ws, lambda m: m["type"] == "status" and m["state"] == "idle")
    messages = await run(ws, "x", "gone")
    assert any(m["type"] == "error" and m["ename"] == "NameError" for m in messages)


async def kernel_pid(communicator: WebsocketCommunicator) -> int:
    status = await receive_until(communicator, lambda m: m["type"] == "status" and m["state"] == "idle")
    return status[-1]["kernel"]["pid"]


@pytest.mark.parametrize(
    "frame",
    [
        "[" * 50_000 + "]" * 50_000,
        '{"type": "execute", "id": "n", "code": "1", "x": ' + "1" * 20_000 + "}",
        '{"type": "execute", "id": "n", "code": NaN}',
    ],
)
async def test_deep_or_huge_json_from_the_browser_is_a_protocol_error_not_a_crash(ws, frame):
    await ws.send_to(text_data=frame)
    error = (await receive_until(ws, lambda m: m["type"] == "error"))[-1]
    assert error["ename"] == "ProtocolError"
    assert any(m["type"] == "result" for m in await run(ws, "1 + 1", "after"))


async def test_two_browsers_sent_the_same_planted_cookie_get_two_kernels(host_cleanup):
    first = await connect("invented-key-123456")
    second = await connect("invented-key-123456")
    await run(first, "planted = 'victim data'", "a")
    messages = await run(second, "planted", "b")
    assert next(m for m in messages if m["type"] == "error")["ename"] == "NameError"
    for communicator in (first, second):
        await communicator.disconnect()


async def test_a_kernel_no_page_can_come_back_to_ends_when_its_websocket_closes(host_cleanup):
    before = set(host_cleanup.sessions)
    communicator = await connect()  # no cookie: nobody can reattach to this kernel
    await kernel_pid(communicator)
    (owner,) = set(host_cleanup.sessions) - before
    await communicator.disconnect()
    for _ in range(50):
        if owner not in host_cleanup.sessions:
            break
        await asyncio.sleep(0.1)
    assert owner not in host_cleanup.sessions


async def test_made_up_forwarded_addresses_count_as_the_socket_address(host_cleanup):
    before = set(host_cleanup.sessions)
    opened = [await connect(forwarded_for=f"198.51.100.{n}") for n in range(3)]
    for communicator in opened:
        await kernel_pid(communicator)
    clients = {host_cleanup.sessions[owner].client for owner in set(host_cleanup.sessions) - before}
    for communicator in opened:
        await communicator.disconnect()
    assert len(clients) == 1  # one address, however many it claims to forward for
