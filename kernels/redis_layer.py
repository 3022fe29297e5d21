"""channels_redis's layer, with receives that outlive a Redis restart and refuse forged messages.

A consumer's or kernel host's receive loop that raises when Redis goes away would close every
websocket and stop every host. Here a receive waits for Redis to come back instead; sends
still fail at once, so whoever sends can tell the user plainly that the service is down.

Every message is sealed with the channel-layer key (channels_redis's `symmetric_encryption_keys`:
Fernet, AES-128-CBC with an HMAC-SHA256 and a timestamp), so a kernel host acts only on what a
web process wrote, and a websocket shows only what a kernel host wrote. Whoever can reach Redis
without the key can still write into a channel: such a message fails the check and is dropped
here, below `receive`. Raised, it would end the consumer that received it (its websocket) or
stall a kernel host's loop; logged for each one, a flood of them would flood the log.
"""

from __future__ import annotations

import asyncio
import logging
import time

from channels_redis.core import RedisChannelLayer
from cryptography.fernet import InvalidToken
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

RETRY_EVERY_S = 1.0
REFUSALS_LOGGED_EVERY_S = 60.0  # the first refusal at once, then one summary line at most this often


class ResilientRedisChannelLayer(RedisChannelLayer):
    def __init__(self, *args, symmetric_encryption_keys: list[str] | None = None, **kwargs):
        if not symmetric_encryption_keys:  # unsealed, any Redis client could speak for a web process
            raise ValueError("the Redis channel layer needs a key (symmetric_encryption_keys: CHANNEL_LAYER_KEY)")
        super().__init__(*args, symmetric_encryption_keys=symmetric_encryption_keys, **kwargs)
        self._refused = 0
        self._refusals_logged_at = float("-inf")

    async def receive(self, channel: str) -> dict:
        while True:
            try:
                return await super().receive(channel)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("channel layer receive failed (%s); retrying in %s s", exc, RETRY_EVERY_S)
                await asyncio.sleep(RETRY_EVERY_S)

    async def receive_single(self, channel: str) -> tuple:
        # The message is already off the channel (and off its backup queue) when it fails to
        # open, so dropping it and waiting for the next one loses nothing genuine.
        while True:
            try:
                return await super().receive_single(channel)
            except InvalidToken:
                self._refuse(channel)

    def _refuse(self, channel: str) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._refusals_logged_at < REFUSALS_LOGGED_EVERY_S:
            return
        log.warning(
            "refused %d channel-layer message(s) on %s that failed authentication: written by a "
            "Redis client without the key, or by a process with another CHANNEL_LAYER_KEY or "
            "SECRET_KEY (every web process and kernel host must share it), or older than %d s",
            self._refused,
            channel,
            self.expiry + 10,
        )
        self._refused, self._refusals_logged_at = 0, now
