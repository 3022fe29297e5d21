"""Who gets a kernel when a host is full: slots go to people who are there.

A host holds as many kernels as its memory budget has room for (their memory requests, what a
typical session uses, add up to at most the budget; each kernel's limit is several times more)
and never more than PLAYGROUND_MAX_KERNELS. When their real memory nears the budget, idle
kernels are ended, biggest first. One client address may hold at
most a fair share of that: enough for a class behind one NAT address, never the whole host.
When a new session needs a slot and none is free, the longest-idle kernel is evicted (one with
no page open first); its owner is told why when they come back. Only when every kernel is busy
running is anyone refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from .limits import Limits


class Occupant(Protocol):
    """What admission reads of a session (kernels/session.py's KernelSession is one)."""

    @property
    def client(self) -> str: ...
    @property
    def process(self) -> object | None: ...
    @property
    def attached(self) -> object: ...  # true while a page is open on it
    @property
    def running(self) -> bool: ...
    @property
    def holds_kernel(self) -> bool: ...
    def idle_seconds(self) -> float: ...


S = TypeVar("S", bound=Occupant)


def evictable(sessions: Iterable[S], asking: S) -> list[S]:
    """Kernels that could make room, best first: pages closed first, then the longest idle."""
    idle = [s for s in sessions if s is not asking and s.process is not None and not s.running]
    return sorted(idle, key=lambda s: (bool(s.attached), -s.idle_seconds()))


def client_victim(sessions: Iterable[S], asking: S, limits: Limits) -> S | str | None:
    """None when `asking`'s address is under its cap; else a kernel of the same address that no
    page holds any more (a reload that lost its cookie); else why it is refused."""
    same = [s for s in sessions if s is not asking and s.client == asking.client and s.holds_kernel]
    cap = limits.client_cap
    if len(same) < cap:
        return None
    gone = [s for s in evictable(same, asking) if not s.attached]
    if gone:
        return gone[0]
    return (
        f"this address already holds {cap} kernels that are in use (PLAYGROUND_MAX_KERNELS_PER_CLIENT); "
        "close a tab you no longer need, or try again when one is shut down"
    )


MEMORY_HIGH, MEMORY_LOW = 0.9, 0.8  # of the budget: relief starts above the first, stops below the second


def memory_relief(used: dict[S, int], budget_bytes: int) -> list[S]:
    """Idle kernels to end, biggest first, when the kernels' real memory (`used`, by session) is
    over MEMORY_HIGH of the budget, until it would be under MEMORY_LOW: before the kernel's
    out-of-memory killer has to pick someone, perhaps in the middle of a run."""
    total = sum(used.values())
    if total <= budget_bytes * MEMORY_HIGH:
        return []
    victims = []
    for session in sorted((s for s in used if not s.running), key=lambda s: -used[s]):
        if total <= budget_bytes * MEMORY_LOW:
            break
        victims.append(session)
        total -= used[session]
    return victims


def memory_notice(used_bytes: int) -> str:
    return (
        f"your previous kernel was shut down because the server was running short of memory and it was "
        f"the largest one not running anything ({used_bytes / 2**20:.0f} MiB), so its variables are lost"
    )


def eviction_notice(session: Occupant) -> str:
    idle = session.idle_seconds()
    spent = f"{idle / 60:.0f} minutes" if idle >= 90 else f"{idle:.0f} s"
    return (
        f"your previous kernel was shut down after {spent} without a run to make room for another visitor "
        "(the server was full), so its variables are lost"
    )
