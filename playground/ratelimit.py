"""A fixed-window rate limit kept in Django's cache.

The default cache (LocMemCache) is per process, which is right for the embedded single-process
default; a site run as several processes needs a shared cache (Redis, Memcached) in CACHES, or
each process counts on its own.
"""

from __future__ import annotations

import contextlib
import time

from django.core.cache import cache
from django.http import HttpRequest

from .clients import client_address


def hit(key: str, limit: int, window_s: int) -> int | None:
    """Count one hit on key: None while within `limit` per window, else seconds to wait."""
    now = time.time()
    window = int(now // window_s)
    bucket = _bucket(key, window)
    cache.add(bucket, 0, timeout=window_s + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window_s + 1)
        count = 1
    if count <= limit:
        return None
    return _wait(now, window, window_s)


def refund(key: str, window_s: int) -> None:
    """Take back one hit of this window: for limits on failures, counted before the outcome is
    known (so parallel attempts cannot all pass) and refunded when it is a success."""
    with contextlib.suppress(ValueError):  # the window has turned: nothing to take back
        cache.decr(_bucket(key, int(time.time() // window_s)))


def client_key(request: HttpRequest) -> str:
    """The client's address: the socket's, or the one a proxy in TRUSTED_PROXIES forwarded."""
    return client_address(request)


def _bucket(key: str, window: int) -> str:
    return f"ratelimit:{key}:{window}"


def _wait(now: float, window: int, window_s: int) -> int:
    return max(1, int((window + 1) * window_s - now))
