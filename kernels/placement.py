"""Which kernel host runs a session's kernel, and which hosts are alive.

Embedded (the default): one host inside the web process, so every session goes to it.
Scaled out (REDIS_URL set): kernel hosts (`manage.py kernelhost`) publish a heartbeat with
their free capacity to Redis; a session stays on the host that has its kernel while that host
is alive, and a new session goes to the live host with the most free capacity, hosts with a
free GPU slice first. Any web process can serve any session: the mapping lives in Redis.
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

HEARTBEAT_EVERY_S = 2.0
HOST_TIMEOUT_S = 20.0  # ten missed heartbeats: a host starved of CPU for a while is not dead
HOSTS_KEY = "playground:kernelhosts"
OWNER_KEY = "playground:owner:{owner}"
OWNER_TTL_S = 7 * 24 * 3600


class NoKernelHost(RuntimeError):
    pass


class Placement(Protocol):
    async def host_for(self, owner: str) -> str: ...
    async def alive(self, channel: str) -> bool: ...
    async def forget(self, owner: str) -> None: ...
    async def heartbeat(self, channel: str, free: int, gpu_free: int) -> None: ...
    async def withdraw(self, channel: str) -> None: ...


class LocalPlacement:
    """The embedded host: one channel, always there while the web process is."""

    def __init__(self, channel: str):
        self.channel = channel

    async def host_for(self, owner: str) -> str:
        return self.channel

    async def alive(self, channel: str) -> bool:
        return True

    async def forget(self, owner: str) -> None:
        return None

    async def heartbeat(self, channel: str, free: int, gpu_free: int) -> None:
        return None

    async def withdraw(self, channel: str) -> None:
        return None


class RedisPlacement:
    def __init__(self, url: str):
        import redis.asyncio as redis

        # redis-py types its asyncio commands as `Awaitable[T] | T`; here every one is awaited.
        self._redis: Any = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)

    async def host_for(self, owner: str) -> str:
        key = OWNER_KEY.format(owner=owner)
        current = await self._redis.get(key)
        if current and await self.alive(current.decode()):
            return current.decode()
        hosts = await self._hosts()
        channel = choose(hosts)
        await self._redis.set(key, channel, ex=OWNER_TTL_S)
        # Count the new session against the host now, not at its next heartbeat, so that a
        # burst of new visitors spreads over the hosts instead of landing on one.
        taken = {**hosts[channel], "free": hosts[channel]["free"] - 1}
        await self._redis.hset(HOSTS_KEY, channel, json.dumps(taken))
        return channel

    async def alive(self, channel: str) -> bool:
        raw = await self._redis.hget(HOSTS_KEY, channel)
        return raw is not None and _fresh(json.loads(raw))

    async def forget(self, owner: str) -> None:
        await self._redis.delete(OWNER_KEY.format(owner=owner))

    async def heartbeat(self, channel: str, free: int, gpu_free: int) -> None:
        entry = {"free": free, "gpu_free": gpu_free, "seen": time.time()}
        await self._redis.hset(HOSTS_KEY, channel, json.dumps(entry))

    async def withdraw(self, channel: str) -> None:
        await self._redis.hdel(HOSTS_KEY, channel)

    async def _hosts(self) -> dict[str, dict]:
        raw = await self._redis.hgetall(HOSTS_KEY)
        return {name.decode(): json.loads(value) for name, value in raw.items()}


def choose(hosts: dict[str, dict]) -> str:
    """The live host with a free GPU slice and the most room; else the one with the most room."""
    live = {name: entry for name, entry in hosts.items() if _fresh(entry) and entry.get("free", 0) > 0}
    if not live:
        raise NoKernelHost("no kernel host with free capacity is running")
    return max(live, key=lambda name: (live[name].get("gpu_free", 0) > 0, live[name]["free"], name))


def _fresh(entry: dict) -> bool:
    return time.time() - float(entry.get("seen", 0)) < HOST_TIMEOUT_S


_configured: Placement | None = None


def configured() -> Placement:
    """The placement this process uses, from settings (REDIS_URL decides)."""
    global _configured
    if _configured is None:
        from django.conf import settings

        if settings.REDIS_URL:
            _configured = RedisPlacement(settings.REDIS_URL)
        else:
            _configured = LocalPlacement(settings.PLAYGROUND_KERNELHOST_CHANNEL)
    return _configured
