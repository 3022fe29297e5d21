"""A session's scratch-folder traffic with its kernel: a view's file requests relayed to the kernel
and its answers back to the view (docs/files.md), and a link's files written into the folder
before the next run (seeds.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from kernel_runtime import protocol

from .delivery import Outbox
from .process import KernelProcess
from .seeds import Seeds

MAX_WAITING = 64  # answers views have stopped waiting for are forgotten past this


class SessionFiles:
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self._replies: dict[str, str] = {}  # files request ref -> the reply channel waiting
        self.seeds = Seeds()  # a link's files, written into the kernel before the next run

    def request(self, process: KernelProcess | None, request: object, reply: str) -> str | None:
        """Pass a scratch-folder request to the kernel (its answer goes to `reply`); or say why not."""
        if process is None:
            return "this session has no kernel running"
        try:
            request = protocol.check(protocol.FILE_REQUESTS, request)
        except protocol.MessageError:
            return "not a file request"
        if len(self._replies) > MAX_WAITING:
            self._replies.clear()
        self._replies[str(request["ref"])] = reply
        process.send(request)
        return None

    async def answered(self, message: dict, text: str, notice: Callable[[str], Awaitable[None]]) -> bool:
        """Whether the kernel's file answer was one of ours (then it has gone where it belongs)."""
        if self.seeds.owns(message):
            said = self.seeds.answered(message)
            if said:
                await notice(said)
            return True
        reply = self._replies.pop(str(message.get("ref")), None)
        if reply is None:
            return False
        await self._outbox.reply(reply, message["type"], text)
        return True
