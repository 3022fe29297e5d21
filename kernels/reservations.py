"""Ready kernels held for a class before it arrives (classroom/, "warm before the bell").

Opening a class with N seats asks its kernel host to keep N more kernels ready, for that class's
students only, until they have all come, the class closes, or `seconds` pass. The pool
(pool.py) keeps them within its capacity (PLAYGROUND_MAX_KERNELS and the memory budget) on top of
its own target, all classes together at most pool.HELD_SHARE of the capacity. Anyone else takes
a ready kernel only when more are ready than are held, so a stranger's burst never empties a
class's reserve, and a class's students take from it first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass
class Reservation:
    left: int  # kernels still to hand to the class's students
    until: float  # monotonic


class Reservations:
    def __init__(self) -> None:
        self._held: dict[str, Reservation] = {}

    def hold(self, tag: str, count: int, seconds: float, most: int) -> None:
        """Hold `count` ready kernels for `tag` for `seconds` (0 of either: release them), within
        `most` held for every class together (a class asking for more gets what is left)."""
        self._held.pop(tag, None)
        count = min(count, most - self.held())
        if count > 0 and seconds > 0:
            self._held[tag] = Reservation(count, time.monotonic() + seconds)

    def held(self, tag: str | None = None) -> int:
        """Kernels held now, for every class (tag None) or for one."""
        self._expire()
        if tag is not None:
            reservation = self._held.get(tag)
            return reservation.left if reservation else 0
        return sum(reservation.left for reservation in self._held.values())

    def held_for_others(self, tag: str | None) -> int:
        """Kernels a newcomer of `tag` (or of no class) must leave in the pool."""
        return self.held() - (self.held(tag) if tag is not None else 0)

    def taken(self, tag: str | None) -> None:
        """One of `tag`'s students took a kernel: one fewer held for it."""
        if tag is None or tag not in self._held:
            return
        self._held[tag].left -= 1
        if self._held[tag].left <= 0:
            del self._held[tag]

    def next_expiry_s(self) -> float | None:
        """Seconds until the first reservation lapses (then the pool gives its kernels back)."""
        self._expire()
        if not self._held:
            return None
        return max(0.0, min(r.until for r in self._held.values()) - time.monotonic())

    def _expire(self) -> None:
        now = time.monotonic()
        for tag in [tag for tag, reservation in self._held.items() if reservation.until <= now]:
            del self._held[tag]
