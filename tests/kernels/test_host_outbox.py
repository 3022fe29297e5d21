"""How a kernel host sends to consumers: batched, in order, and never lost to a cancelled
broadcast (fast: a recording channel layer stands in for Redis)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from kernels.host import KernelHost
from kernels.limits import Limits
from kernels.sandbox import SandboxSettings


class SlowLayer:
    """Records what is sent; every send takes a moment, as a round trip to Redis does."""

    def __init__(self, held: str | None = None):
        self.sent: list[tuple[str, dict]] = []
        self.held, self.release = held, asyncio.Event()  # sends to `held` wait for release

    async def send(self, channel: str, event: dict) -> None:
        await asyncio.sleep(0.05)
        if channel == self.held:
            await self.release.wait()
        self.sent.append((channel, event))

    async def group_send(self, group: str, event: dict) -> None:
        await asyncio.sleep(0.05)
        self.sent.append((group, event))


def host(layer: SlowLayer, pages: dict[str, set[str]] | None = None) -> KernelHost:
    """A host whose sessions (owner -> the reply channels of its open pages) are stand-ins."""
    outbox = KernelHost(layer, "kernelhost-test", Limits(), SandboxSettings(enabled=False))
    for owner, channels in (pages or {}).items():
        outbox.sessions[owner] = SimpleNamespace(attached=channels)  # type: ignore[assignment]
    return outbox


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
    outbox = host(layer, {"owner-a": {"consumer-a", "consumer-b"}})
    await outbox.reply("consumer-a", "done", "<done>")
    broadcast = asyncio.create_task(outbox.broadcast("owner-a", "status", "<status>"))
    await asyncio.sleep(0.01)  # the broadcast now waits for consumer-a's send
    broadcast.cancel()
    await asyncio.sleep(0.2)
    assert ("consumer-a", {"type": "kernel.message", "kinds": ["done"], "texts": ["<done>"]}) in layer.sent


async def test_a_broadcast_goes_out_after_what_was_already_said_to_each_consumer():
    layer = SlowLayer()
    outbox = host(layer, {"owner-a": {"consumer-a"}})
    await outbox.reply("consumer-a", "done", "<done>")
    await outbox.broadcast("owner-a", "status", "<idle>")
    assert [channel for channel, _ in layer.sent] == ["consumer-a", "kernel-session.owner-a"]


async def test_a_broadcast_does_not_wait_for_what_is_said_to_other_sessions_pages():
    layer = SlowLayer(held="consumer-b")  # another session's page whose send is stuck
    outbox = host(layer, {"owner-a": {"consumer-a"}, "owner-b": {"consumer-b"}})
    await outbox.reply("consumer-b", "done", "<done>")
    await asyncio.wait_for(outbox.broadcast("owner-a", "status", "<idle>"), 5.0)  # (a guard, not a timing)
    assert [channel for channel, _ in layer.sent] == ["kernel-session.owner-a"]
    layer.release.set()
    await asyncio.sleep(0.1)
    assert [channel for channel, _ in layer.sent] == ["kernel-session.owner-a", "consumer-b"]
