"""How a kernel host sends to consumers: batched, in order, and never lost to a cancelled
broadcast (fast: a recording channel layer stands in for Redis)."""

from __future__ import annotations

import asyncio

from playground.kernel.host import KernelHost
from playground.kernel.limits import Limits
from playground.kernel.sandbox import SandboxSettings


class SlowLayer:
    """Records what is sent; every send takes a moment, as a round trip to Redis does."""

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []

    async def send(self, channel: str, event: dict) -> None:
        await asyncio.sleep(0.05)
        self.sent.append((channel, event))

    async def group_send(self, group: str, event: dict) -> None:
        await asyncio.sleep(0.05)
        self.sent.append((group, event))


def host(layer: SlowLayer) -> KernelHost:
    return KernelHost(layer, "kernelhost-test", Limits(), SandboxSettings(enabled=False))


async def test_what_a_kernel_writes_in_one_go_leaves_as_one_event_in_order():
    layer = SlowLayer()
    outbox = host(layer)
    for kind in ("result", "variables", "done"):
        await outbox.reply("consumer-a", kind, f"<{kind}>")
    await asyncio.sleep(0.2)
    event = {
        "type": "kernel.message",
        "kinds": ["result", "variables", "done"],
        "texts": ["<result>", "<variables>", "<done>"],
    }
    assert layer.sent == [("consumer-a", event)]


async def test_a_cancelled_broadcast_does_not_cancel_other_consumers_sends():
    layer = SlowLayer()
    outbox = host(layer)
    await outbox.reply("consumer-a", "done", "<done>")
    broadcast = asyncio.create_task(outbox.broadcast("owner-b", "status", "<status>"))
    await asyncio.sleep(0.01)  # the broadcast now waits for consumer-a's send
    broadcast.cancel()
    await asyncio.sleep(0.2)
    assert ("consumer-a", {"type": "kernel.message", "kinds": ["done"], "texts": ["<done>"]}) in layer.sent


async def test_a_broadcast_goes_out_after_what_was_already_said_to_each_consumer():
    layer = SlowLayer()
    outbox = host(layer)
    await outbox.reply("consumer-a", "done", "<done>")
    await outbox.broadcast("owner-a", "status", "<idle>")
    assert [channel for channel, _ in layer.sent] == ["consumer-a", "kernel-session.owner-a"]
