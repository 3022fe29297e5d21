"""The channel layer of a one-process site: Channels' in-memory layer without two costs that
every message paid, and that grew with the number of open websockets.

- `send` deep-copied each message. Every sender here (consumers, kernel hosts) builds a message
  for that one send and never touches it again, and receivers only read them.
- `receive` walked every channel and every group member looking for expired messages, each time
  it was called: with 400 open websockets, every run's two receives walked 800 entries. The walk
  now runs at most once a second; a message still expires, at most a second late.
- A websocket consumer in this process can take its events directly (`attach_receiver`): a
  kernel's answers then reach its send buffer within the host's send, without a queue, a wake-up
  of the consumer's task and Channels' dispatch. Order holds: every send to that channel, its
  group's included, takes the same way.

The Redis layer of a scaled-out site is unaffected (settings.py picks one or the other).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

CLEAN_EVERY_S = 1.0


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0
        self._receivers: dict[str, Callable[[dict], bool]] = {}

    def attach_receiver(self, channel: str, receive: Callable[[dict], bool]) -> None:
        """Hand `channel`'s messages to `receive` as they are sent; a message it returns False
        for is queued for the channel's `receive()` as usual. `receive` must not raise."""
        self._receivers[channel] = receive

    def detach_receiver(self, channel: str) -> None:
        self._receivers.pop(channel, None)

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        receiver = self._receivers.get(channel)
        if receiver is not None and receiver(message):
            return
        queue = self.channels.get(channel)
        if queue is None:
            self.require_valid_channel_name(channel)
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            queue.put_nowait((time.time() + self.expiry, message))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def group_send(self, group: str, message: dict) -> None:
        """To every member in turn. Channels' own makes a task per member and waits for them
        as they complete; a send here never waits (a queue put or a receiver call), so a plain
        loop delivers the same, in the same order, without the tasks."""
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            with contextlib.suppress(ChannelFull):  # as in Channels: a member not reading misses it
                await self.send(channel, message)

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_EVERY_S:
            return
        self._cleaned_at = now
        super()._clean_expired()
