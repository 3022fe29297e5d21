"""Warm before the bell: opening a class asks a kernel host to hold a ready kernel for each seat
(kernels/reservations.py), for PLAYGROUND_CLASS_WARM_MINUTES or until the class closes, so a class
arriving at once gets kernels at the ready pool's speed. Within the host's capacity (its memory
budget and PLAYGROUND_MAX_KERNELS): past it, the rest start as the students come.

With several kernel hosts the class's kernels are held on one (placement.py picks it as for a
session); its ready kernels count in its free capacity, so placement sends newcomers there first.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from kernels import bus, embedded, placement

log = logging.getLogger(__name__)


def tag(code: str) -> str:
    """How the kernel host names the class's reserve (KernelSession.reserved_for says the same)."""
    return f"class:{code}"


def hold(code: str, seats: int, seconds: float) -> None:
    """Ask for `seats` kernels held for the class (0: give them back). Best effort: a class whose
    reserve could not be asked for still works, its students' kernels start as they come."""
    try:
        async_to_sync(_send)(code, seats, seconds)
    except Exception as exc:
        log.warning("could not hold kernels for class %s (%s)", code, exc)


async def _send(code: str, seats: int, seconds: float) -> None:
    if embedded.enabled() and embedded.current() is None:
        return  # the site's one host is not running (it starts with the server): nothing to warm
    host = await placement.configured().host_for(tag(code))
    await get_channel_layer().send(host, bus.RESERVE(owner=tag(code), count=seats, seconds=seconds))
