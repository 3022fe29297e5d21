"""The one-process site's channel layer: no copies, expiry walked at most once a second, and
events handed straight to a consumer in this process, in the order they were sent."""

from __future__ import annotations

import asyncio

import pytest
from channels.exceptions import ChannelFull

from kernels import local_layer
from kernels.local_layer import LocalChannelLayer


async def test_events_handed_to_a_receiver_keep_their_order_with_its_groups():
    layer = LocalChannelLayer(capacity=10)
    taken: list[str] = []
    layer.attach_receiver("consumer.one", lambda event: taken.append(event["n"]) or True)
    await layer.group_add("session.a", "consumer.one")
    await layer.send("consumer.one", {"type": "kernel.message", "n": "reply"})
    await layer.group_send("session.a", {"type": "kernel.message", "n": "status"})
    await layer.send("consumer.one", {"type": "kernel.message", "n": "done"})
    assert taken == ["reply", "status", "done"]
    assert layer.channels == {}  # nothing was queued


async def test_what_a_receiver_declines_and_what_comes_after_it_leaves_is_queued():
    layer = LocalChannelLayer(capacity=10)
    layer.attach_receiver("consumer.one", lambda event: event["type"] == "kernel.message")
    await layer.send("consumer.one", {"type": "other"})
    assert await layer.receive("consumer.one") == {"type": "other"}
    layer.detach_receiver("consumer.one")
    await layer.send("consumer.one", {"type": "kernel.message"})
    assert await asyncio.wait_for(layer.receive("consumer.one"), 1) == {"type": "kernel.message"}


async def test_a_full_channel_refuses_and_expired_messages_go_within_a_second(monkeypatch):
    layer = LocalChannelLayer(capacity=2, expiry=0)
    await layer.send("host", {"type": "a"})
    await layer.send("host", {"type": "b"})
    with pytest.raises(ChannelFull):
        await layer.send("host", {"type": "c"})
    monkeypatch.setattr(local_layer, "CLEAN_EVERY_S", 0.0)
    await layer.send("other", {"type": "fresh"})
    layer._clean_expired()
    assert "host" not in layer.channels


async def test_a_group_send_reaches_every_member_in_order_past_one_that_is_full():
    layer = LocalChannelLayer(capacity=1)
    taken: list[str] = []
    layer.attach_receiver("consumer.one", lambda event: taken.append(event["n"]) or True)
    for member in ("consumer.one", "consumer.full", "consumer.two"):
        await layer.group_add("session.a", member)
    await layer.send("consumer.full", {"type": "x", "n": "filler"})
    await layer.group_send("session.a", {"type": "kernel.message", "n": "status"})
    assert taken == ["status"]
    assert (await layer.receive("consumer.two"))["n"] == "status"
    assert (await layer.receive("consumer.full"))["n"] == "filler"  # it missed the status, as in Channels
