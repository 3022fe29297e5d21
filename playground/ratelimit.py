"""A fixed-window rate limit kept in Django's cache.

The default cache (LocMemCache) is per process, which is right for the embedded single-process
default; a site run as several processes needs a shared cache (Redis, Memcached) in CACHES, or
each process counts on its own.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest


def hit(key: str, limit: int, window_s: int) -> int | None:
    """Count one hit on key: None while within `limit` per window, else seconds to wait."""
    now = time.time()
    window = int(now // window_s)
    bucket = f"ratelimit:{key}:{window}"
    cache.add(bucket, 0, timeout=window_s + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window_s + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window + 1) * window_s - now))


def client_key(request: HttpRequest) -> str:
    """The client's address. Behind a proxy, run uvicorn with --proxy-headers so this is the visitor's."""
    return request.META.get("REMOTE_ADDR") or "unknown"
