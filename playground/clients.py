"""Who is asking: the client's address and the session key a browser may bind a kernel to.

Both are things a client could otherwise choose. The address is the socket's unless the peer is a
proxy named in TRUSTED_PROXIES, so a made-up X-Forwarded-For counts for nothing; a session key
counts only if this server issued it, so a cookie planted in someone's browser binds nothing.
Used by the HTTP views (a request) and the websocket consumer (an ASGI scope).
"""

from __future__ import annotations

import functools
import ipaddress
import threading
import time
from collections.abc import Mapping
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

UNKNOWN = "unknown"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# ---------- the client's address ----------


def client_address(source: HttpRequest | Mapping[str, Any]) -> str:
    """The address to count this client under: a request's or an ASGI scope's. An IPv6 client
    is counted by its network (PLAYGROUND_IPV6_PREFIX, /64 by default): one subscriber gets a
    whole /64 and could otherwise be a new client at every request."""
    peer, forwarded = _peer_and_forwarded(source)
    networks = trusted_networks(tuple(settings.TRUSTED_PROXIES))
    if networks and _is_trusted(peer, networks):
        return counted(_from_forwarded(forwarded, networks) or peer)
    return counted(peer)


def counted(address: str) -> str:
    """`address` as clients are counted: IPv4 as it is, IPv6 as its network's prefix."""
    parsed = _parse(address)
    if not isinstance(parsed, ipaddress.IPv6Address):
        return address
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.IPv6Network((parsed, settings.PLAYGROUND_IPV6_PREFIX), strict=False))


def _peer_and_forwarded(source: HttpRequest | Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(source, HttpRequest):
        return source.META.get("REMOTE_ADDR") or UNKNOWN, source.META.get("HTTP_X_FORWARDED_FOR", "")
    client = source.get("client") or (UNKNOWN,)
    values = [value.decode("latin-1") for name, value in source.get("headers") or () if name == b"x-forwarded-for"]
    return str(client[0] or UNKNOWN), ",".join(values)  # several headers read as one list, as HTTP says


def _from_forwarded(forwarded: str, networks: tuple[IPNetwork, ...]) -> str | None:
    """The right-most entry no trusted proxy wrote: each proxy appends, so what is left of it is
    whatever the client sent and may be made up. None when the chain is unusable."""
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    for entry in reversed(entries):
        address = _parse(entry)
        if address is None:
            return None  # a proxy of ours never writes this: count the client under the proxy
        if not any(address in network for network in networks):
            return str(address)
    # Every hop is a trusted proxy (a client on the proxies' own network): the first one it is.
    first = _parse(entries[0]) if entries else None
    return str(first) if first is not None else None


def _parse(entry: str) -> IPAddress | None:
    """An address from an X-Forwarded-For entry: `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`."""
    if entry.startswith("["):
        entry = entry[1 : entry.find("]")] if "]" in entry else entry
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        return ipaddress.ip_address(entry)
    except ValueError:
        return None


def _is_trusted(peer: str, networks: tuple[IPNetwork, ...]) -> bool:
    address = _parse(peer)
    return address is not None and any(address in network for network in networks)


@functools.lru_cache(maxsize=8)
def trusted_networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES as networks (an address is a network of one); settings checked the syntax."""
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


# ---------- the session key ----------


# A key this process has just issued or found in the store is trusted for a minute without
# asking the store again: a page's websocket follows its page load, and a class of 50 opening
# the page at once costs the web process one query less each (about half its work for a
# newcomer's websocket). Only keys that were in the store are remembered, so a key the server
# never issued still binds nothing; a session deleted meanwhile counts for at most this long.
ISSUED_MEMORY_S = 60.0
ISSUED_MEMORY_MAX = 10_000


class _IssuedKeys:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}  # oldest first
        self._lock = threading.Lock()  # sync views run in threads, the consumer in the event loop

    def remember(self, key: str) -> None:
        with self._lock:
            self._until.pop(key, None)
            self._until[key] = time.monotonic() + ISSUED_MEMORY_S
            while len(self._until) > ISSUED_MEMORY_MAX:
                del self._until[next(iter(self._until))]

    def known(self, key: str) -> bool:
        with self._lock:
            until = self._until.get(key)
            if until is not None and until < time.monotonic():
                del self._until[key]
                return False
            return until is not None

    def forget_all(self) -> None:
        with self._lock:
            self._until.clear()


recently_issued = _IssuedKeys()


def issued_key(key: str | None) -> str | None:
    """The key (a session cookie's value) if this server issued it: remembered, or in the
    session store (then remembered); else None."""
    if not key:
        return None
    if recently_issued.known(key):
        return key
    if not import_module(settings.SESSION_ENGINE).SessionStore().exists(key):
        return None
    recently_issued.remember(key)
    return key


def issued_session_key(session: SessionBase) -> str | None:
    """The session's key if this server issued it, else None."""
    return issued_key(session.session_key)


async def aissued_key(key: str | None) -> str | None:
    """issued_key for the websocket consumer: a remembered key costs no thread hop; otherwise
    the store is asked in a worker thread that closes stale database connections around the
    query (Channels' database_sync_to_async), so the consumer itself never holds one."""
    if not key or recently_issued.known(key):
        return key or None
    return await database_sync_to_async(issued_key)(key)


def ensure_issued_session(request: HttpRequest) -> str:
    """The key to bind this browser to: a missing or unknown key is first replaced by a new one,
    which the response's Set-Cookie hands to the browser."""
    if issued_session_key(request.session) is None:
        request.session.cycle_key()  # the unknown key is dropped: nothing was ever stored under it
    key = request.session.session_key
    assert key is not None  # cycle_key() saved the session under a new key
    recently_issued.remember(key)
    return key
