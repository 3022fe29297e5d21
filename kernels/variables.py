"""The session's last `variables` message, kept by the host for every page of the session.

A kernel sends `variables` only after a run that changed what the Variables panel shows (names,
kinds, shapes, dtypes, small values, or the memory figure by a mebibyte): most quick runs
change nothing there, and the message was a third of their traffic. So the host keeps the last
one and gives it to a websocket that has not heard it: a page that opens (a reload, a second
tab) at once, and a run asked by another tab than the last change's before that run's `done`.
"""

from __future__ import annotations

import json


class KnownVariables:
    def __init__(self) -> None:
        self._text: str | None = None
        self._heard: set[str] = set()  # reply channels that have the current text

    def sent(self, replies: list[str], text: str) -> None:
        """The kernel's new `variables`, forwarded to the pages `replies`."""
        self._text, self._heard = text, set(replies)

    def owed(self, reply: str, run_id: str | None = None) -> str | None:
        """The current `variables` if `reply` has not heard them (labelled with `run_id` if given)."""
        if self._text is None or reply in self._heard:
            return None
        self._heard.add(reply)
        return self._text if run_id is None else json.dumps({**json.loads(self._text), "id": run_id})

    def left(self, reply: str) -> None:
        self._heard.discard(reply)

    def forget(self) -> None:
        """The kernel is gone: its variables with it."""
        self._text, self._heard = None, set()
