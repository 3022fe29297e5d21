"""How often kernels may be started: per session and per client address, by the host's own count.

Each start forks a kernel and warms it, about a core for a moment; a page that sends Restart
in a loop, or a script that opens websocket after websocket without a cookie, would otherwise
keep the fork server busy for everyone. A start takes one token from its session's bucket and
one from its address's; buckets refill evenly over a minute. The address's is large enough for
a class of 60 behind one NAT address arriving at once; a session's, for a person restarting
now and then. A restart asked for while a kernel is being started is the same restart
(session.py), so a flood of them makes at most the session's burst of kernels.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

MAX_TRACKED = 20_000  # buckets kept; full ones are dropped first


class Buckets:
    """Token buckets by key: `capacity` tokens, refilled at `capacity` per minute."""

    def __init__(self, capacity: int, clock: Callable[[], float] = time.monotonic):
        self._capacity, self._per_s, self._clock = capacity, capacity / 60.0, clock
        self._tokens: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def take(self, key: str) -> float:
        """Take a token: 0 when there was one, else the seconds until there will be."""
        now = self._clock()
        tokens, when = self._tokens.get(key, (float(self._capacity), now))
        tokens = min(self._capacity, tokens + (now - when) * self._per_s)
        if tokens < 1:
            self._tokens[key] = (tokens, now)
            return (1 - tokens) / self._per_s
        self._tokens[key] = (tokens - 1, now)
        if len(self._tokens) > MAX_TRACKED:
            self._forget_full(now)
        return 0.0

    def give_back(self, key: str) -> None:
        tokens, when = self._tokens.get(key, (float(self._capacity), self._clock()))
        self._tokens[key] = (min(self._capacity, tokens + 1), when)

    def _forget_full(self, now: float) -> None:
        full = [
            k for k, (tokens, when) in self._tokens.items() if tokens + (now - when) * self._per_s >= self._capacity
        ]
        for key in full or list(self._tokens)[: len(self._tokens) // 2]:
            del self._tokens[key]


class StartBudget:
    def __init__(self, per_session: int, per_client: int, clock: Callable[[], float] = time.monotonic):
        self.per_session, self.per_client = per_session, per_client
        self._sessions = Buckets(per_session, clock)
        self._clients = Buckets(per_client, clock)

    def refusal(self, owner: str, client: str) -> str | None:
        """None when one more kernel may start for this session and address; else why not."""
        wait = self._sessions.take(owner)
        if wait:
            return (
                f"this session started {self.per_session} kernels within a minute "
                f"(PLAYGROUND_KERNEL_STARTS_PER_MINUTE); try again in {math.ceil(wait)} s"
            )
        if client:
            wait = self._clients.take(client)
            if wait:
                self._sessions.give_back(owner)
                return (
                    f"this address started {self.per_client} kernels within a minute "
                    f"(PLAYGROUND_CLIENT_KERNEL_STARTS_PER_MINUTE); try again in {math.ceil(wait)} s"
                )
        return None
