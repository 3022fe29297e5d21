"""The channel layer of a one-process site: Channels' in-memory layer without two costs that
every message paid, and that grew with the number of open websockets.

- `send` deep-copied each message. Every sender here (consumers, kernel hosts) builds a message
  for that one send and never touches it again, and receivers only read them.
- `receive` walked every channel and every group member looking for expired messages, each time
  it was called: with 400 open websockets, every run's two receives walked 800 entries. The walk
  now runs at most once a second; a message still expires, at most a second late.

The Redis layer of a scaled-out site is unaffected (settings.py picks one or the other).
"""

from __future__ import annotations

import asyncio
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

CLEAN_EVERY_S = 1.0


class LocalChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._cleaned_at = 0.0

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        queue = self.channels.get(channel)
        if queue is None:
            self.require_valid_channel_name(channel)
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            queue.put_nowait((time.time() + self.expiry, message))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_EVERY_S:
            return
        self._cleaned_at = now
        super()._clean_expired()
