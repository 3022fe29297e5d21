"""A sliding-window rate limit kept in Django's cache.

Each key counts hits in fixed windows; a hit is weighed against this window's count plus the
last window's, scaled by how much of it still lies within the past `window_s` seconds (the
sliding-window counter). A plain fixed window forgets everything at its turn: a client could
make twice its limit across the boundary, and a count could restart between two hits a second
apart. Refused hits count too, so hammering a limit keeps it shut.

The default cache (LocMemCache) is per process, which is right for the embedded single-process
default; a site run as several processes needs a shared cache (Redis, Memcached) in CACHES, or
each process counts on its own.
"""

from __future__ import annotations

import contextlib
import math
import time

from django.core.cache import cache
from django.http import HttpRequest

from .clients import client_address


def hit(key: str, limit: int, window_s: int) -> int | None:
    """Count one hit on key: None while the hits of the last `window_s` seconds are within
    `limit`, else the seconds to wait before one more would be."""
    now = time.time()
    window, into = int(now // window_s), now % window_s
    current = _count(_bucket(key, window), window_s)
    previous = cache.get(_bucket(key, window - 1), 0)
    if previous * (1 - into / window_s) + current <= limit:
        return None
    return _wait(previous, current, limit, into / window_s, window_s)


def refund(key: str, window_s: int) -> None:
    """Take back one hit of this window: for limits on failures, counted before the outcome is
    known (so parallel attempts cannot all pass) and refunded when it is a success."""
    with contextlib.suppress(ValueError):  # the window has turned: nothing to take back
        cache.decr(_bucket(key, int(time.time() // window_s)))


def client_key(request: HttpRequest) -> str:
    """The client's address: the socket's, or the one a proxy in TRUSTED_PROXIES forwarded."""
    return client_address(request)


def _count(bucket: str, window_s: int) -> int:
    timeout = 2 * window_s + 1  # read again as the previous window during the next one
    cache.add(bucket, 0, timeout=timeout)
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=timeout)
        return 1


def _bucket(key: str, window: int) -> str:
    return f"ratelimit:{key}:{window}"


def _wait(previous: int, current: int, limit: int, elapsed: float, window_s: int) -> int:
    """Seconds until one more hit fits, if none comes meanwhile; `elapsed`: of this window."""
    if current + 1 <= limit:  # later in this window, as the last one weighs less
        fits_at = 1 - (limit - current - 1) / previous
    else:  # in the next window, as this one's hits weigh less there
        fits_at = 1 + min(1.0, max(0.0, 1 - (limit - 1) / current))
    return max(1, math.ceil((fits_at - elapsed) * window_s))
