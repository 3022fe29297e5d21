"""What a session's pages are told of its state (`status`), and when.

Most runs end within milliseconds: `busy` is announced only for a run still going after
BUSY_ANNOUNCE_DELAY_S, so a quick run costs no status broadcasts at all (two group sends per run
were the largest cost of a round trip through Redis), and an `idle` after an unannounced `busy`
is no news either.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from .delivery import Outbox

BUSY_ANNOUNCE_DELAY_S = 0.05


class StatusAnnouncer:
    def __init__(self, owner: str, outbox: Outbox, status: Callable[[], dict]):
        self._owner, self._outbox, self._status = owner, outbox, status
        self._pending: asyncio.TimerHandle | asyncio.Task | None = None
        self._announced = ""  # the last state the pages were told

    async def changed(self, state: str, reason: str | None, still_busy: Callable[[], bool]) -> None:
        """The session's state is now `state`; `still_busy` says, later, whether the run that made
        it busy is still going."""
        if state == "busy":
            self._pending = asyncio.get_running_loop().call_later(BUSY_ANNOUNCE_DELAY_S, self._busy, still_busy)
            return
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if state == self._announced == "idle" and reason is None:
            return  # busy was never announced: nothing changed for the pages
        self._announced = state
        await self._broadcast()

    def _busy(self, still_busy: Callable[[], bool]) -> None:
        self._pending = None
        if still_busy():
            self._announced = "busy"
            # A task the next state change cancels, so a `busy` never lands after its `idle`.
            self._pending = asyncio.create_task(self._broadcast())

    async def _broadcast(self) -> None:
        await self._outbox.broadcast(self._owner, "status", json.dumps(self._status()))
