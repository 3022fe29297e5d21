"""The pages (websockets) open on a session, each held open by a lease its web process renews.

A page that closes normally says so (`kernel.detach`). A web process that dies, or a detach lost
in a Redis restart, says nothing: without leases its pages would look open for good, holding
their kernels until the idle timeout and shielding them from eviction (admission ends closed
pages' kernels first). So every consumer says `kernel.present` every bus.PRESENT_EVERY_S, and a
page not heard from within LEASE_S counts as closed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from .bus import PRESENT_EVERY_S

LEASE_S = 3 * PRESENT_EVERY_S  # two renewals may go missing before a live page is taken as closed


class OpenPages:
    """Reply channels of a session's open pages, with when each was last heard from."""

    def __init__(self) -> None:
        self._heard: dict[str, float] = {}
        self.closed_at: float | None = time.monotonic()  # since when none is open; None while one is

    def __bool__(self) -> bool:
        return bool(self._heard)

    def __iter__(self) -> Iterator[str]:
        return iter(self._heard)  # every status broadcast walks it: no copy (silent() makes its own list)

    def __len__(self) -> int:
        return len(self._heard)

    def __contains__(self, reply: object) -> bool:
        return reply in self._heard

    def heard(self, reply: str) -> None:
        """The page opened, or its web process says it still is."""
        self._heard[reply] = time.monotonic()
        self.closed_at = None

    def close(self, reply: str) -> None:
        self._heard.pop(reply, None)
        if not self._heard and self.closed_at is None:
            self.closed_at = time.monotonic()

    def silent(self) -> list[str]:
        """Pages whose web process has not renewed them within the lease."""
        oldest = time.monotonic() - LEASE_S
        return [reply for reply, heard in self._heard.items() if heard < oldest]
