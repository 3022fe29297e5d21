"""A link's files on their way into a session's scratch folder, before its next run (docs/files.md).

A link's page tells its web process which snippet it opened (`?snippet=<id>` on its websocket);
the web process reads the snippet's files from the database and sends them to the session's
kernel host as `kernel.seed` chunks, before the page can send a run. The session keeps them here,
and `_pump` writes them into the kernel just before the run's `execute`: the kernel's control
thread handles messages in order, so the files are in the folder before the run begins.

They are written `exclusive`: a file of that name the visitor already has is kept, and the run
says so on stderr (the same bytes already there are no news and say nothing).
"""

from __future__ import annotations

import base64
import binascii
import logging
import uuid

from kernel_runtime import protocol

from . import bus

log = logging.getLogger(__name__)

CHUNK_BYTES = 256 * 1024  # per `kernel.seed` message: well under the Redis layer's 1 MiB
MAX_PENDING_BYTES = 16 * 2**20
"""A session holds at most this much of links' files waiting for a run (several link pages)."""
MAX_PENDING_FILES = 200


def messages(owner: str, name: str, data: bytes) -> list[dict]:
    """One file as the `kernel.seed` messages a web process sends to the session's host."""
    pieces = [data[start : start + CHUNK_BYTES] for start in range(0, len(data), CHUNK_BYTES)] or [b""]
    return [
        bus.SEED(owner=owner, name=name, data_b64=base64.b64encode(piece).decode("ascii"), append=n > 0)
        for n, piece in enumerate(pieces)
    ]


class Seeds:
    """Files waiting for the session's next run, and the writes of them the kernel has yet to answer."""

    def __init__(self) -> None:
        self._pending: dict[str, bytearray] = {}
        self._written: dict[str, str] = {}  # files_write ref -> the file's name

    def add(self, name: object, data_b64: object, append: object) -> None:
        """A `kernel.seed` chunk: a file's first (append false) or its next bytes."""
        if not isinstance(name, str) or not isinstance(data_b64, str):
            return
        try:
            data = base64.b64decode(data_b64, validate=True)
        except (binascii.Error, ValueError):
            return
        held = self._pending.pop(name, bytearray())
        if append is not True:  # a file's first chunk: whatever was held under its name is replaced
            held = bytearray()
        if self.pending_bytes + len(held) + len(data) > MAX_PENDING_BYTES or len(self._pending) >= MAX_PENDING_FILES:
            log.warning("a link's file %r was dropped: the session holds too many waiting", name)
            return
        self._pending[name] = held + data

    @property
    def pending_bytes(self) -> int:
        return sum(len(data) for data in self._pending.values())

    def writes(self) -> list[dict]:
        """The `files_write` requests to send before the next `execute`; nothing is held after."""
        requests = []
        for name, data in self._pending.items():
            ref = f"seed-{uuid.uuid4().hex}"
            self._written[ref] = name
            encoded = base64.b64encode(data).decode("ascii")
            requests.append(protocol.FILES_WRITE(ref=ref, name=name, data_b64=encoded, append=False, exclusive=True))
        self._pending.clear()
        return requests

    def owns(self, message: dict) -> bool:
        return str(message.get("ref")) in self._written

    def answered(self, message: dict) -> str | None:
        """The kernel's answer to a write: None when the file is there, else what to tell the run."""
        name = self._written.pop(str(message.get("ref")), "?")
        if message["type"] != "files_error":
            return None
        if message.get("code") == "exists":
            return (
                f"{name} was not copied from the link: your scratch folder already has a different "
                f"{name}, which was kept. Rename or delete yours, then reload the link's page to get its copy.\n"
            )
        return f"{name} was not copied from the link: {message.get('message')}\n"
