"""channels_redis's layer, with receives that outlive a Redis restart.

A consumer's or kernel host's receive loop that raises when Redis goes away would close every
websocket and stop every host. Here a receive waits for Redis to come back instead; sends
still fail at once, so whoever sends can tell the user plainly that the service is down.
"""

from __future__ import annotations

import asyncio
import logging

from channels_redis.core import RedisChannelLayer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

RETRY_EVERY_S = 1.0


class ResilientRedisChannelLayer(RedisChannelLayer):
    async def receive(self, channel: str) -> dict:
        while True:
            try:
                return await super().receive(channel)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("channel layer receive failed (%s); retrying in %s s", exc, RETRY_EVERY_S)
                await asyncio.sleep(RETRY_EVERY_S)
