"""Who gets a kernel when a host is full: slots go to people who are there.

A host holds as many kernels as its memory budget has room for (their memory limits add up to
at most the budget) and never more than PLAYGROUND_MAX_KERNELS. One client address may hold at
most a fair share of that: enough for a class behind one NAT address, never the whole host.
When a new session needs a slot and none is free, the longest-idle kernel is evicted (one with
no page open first); its owner is told why when they come back. Only when every kernel is busy
running is anyone refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .limits import Limits

if TYPE_CHECKING:
    from .session import KernelSession

CLIENT_SHARE = 0.75  # of a host's capacity, at most, for one address


def capacity(limits: Limits) -> int:
    """Kernels one host may run at once, the ready pool included."""
    return max(1, min(limits.max_kernels, limits.memory_budget_bytes // limits.memory_bytes))


def client_cap(limits: Limits) -> int:
    """Kernels one client address may hold: its configured cap, within a fair share of the host."""
    return max(1, min(limits.max_kernels_per_client, int(capacity(limits) * CLIENT_SHARE)))


def evictable(sessions: Iterable[KernelSession], asking: KernelSession) -> list[KernelSession]:
    """Kernels that could make room, best first: pages closed first, then the longest idle."""
    idle = [s for s in sessions if s is not asking and s.process is not None and not s.running]
    return sorted(idle, key=lambda s: (bool(s.attached), -s.idle_seconds()))


def client_victim(
    sessions: Iterable[KernelSession], asking: KernelSession, limits: Limits
) -> KernelSession | str | None:
    """None when `asking`'s address is under its cap; else a kernel of the same address that no
    page holds any more (a reload that lost its cookie); else why it is refused."""
    same = [s for s in sessions if s is not asking and s.client == asking.client and s.holds_kernel]
    cap = client_cap(limits)
    if len(same) < cap:
        return None
    gone = [s for s in evictable(same, asking) if not s.attached]
    if gone:
        return gone[0]
    return (
        f"this address already holds {cap} kernels that are in use (PLAYGROUND_MAX_KERNELS_PER_CLIENT); "
        "close a tab you no longer need, or try again when one is shut down"
    )


def eviction_notice(session: KernelSession) -> str:
    idle = session.idle_seconds()
    spent = f"{idle / 60:.0f} minutes" if idle >= 90 else f"{idle:.0f} s"
    return (
        f"your previous kernel was shut down after {spent} without a run to make room for another visitor "
        "(the server was full), so its variables are lost"
    )
