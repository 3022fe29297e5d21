"""The file-transfer client: a session's scratch folder, reached the way its websocket reaches it.

The folder lives in the kernel's own mount namespace, so the web tier never opens it: each
request goes to the session's kernel host over the channel layer (`kernel.files`), the host
hands it to the kernel, and the kernel's control thread answers (kernel_runtime/files.py). Transfers
go in chunks of 256 KiB, so no channel-layer message comes near 1 MiB. Everything the kernel
answers is checked here: it is untrusted.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import AsyncIterator, Iterable

from kernel_runtime import protocol
from kernel_runtime.files import CHUNK_BYTES, FileRefused, check_name
from kernels import asking, bus, placement

TIMEOUT_S = 15.0

__all__ = ["CHUNK_BYTES", "FileError", "FileRefused", "check_name", "download", "listing", "upload"]


class FileError(Exception):
    """A request the kernel (or its host) refused; `code` is the kernel's reason code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


async def call(owner: str, request: protocol.Message, **fields: object) -> dict:
    """One request to the session's kernel and its answer (a files_* message other than an error)."""
    ref = uuid.uuid4().hex
    asked = request(ref=ref, **fields)
    try:
        _, text = await asking.ask(owner, lambda reply: bus.FILES(owner=owner, reply=reply, request=asked), TIMEOUT_S)
    except TimeoutError:
        raise FileError("timeout", f"The kernel did not answer within {TIMEOUT_S:g} s.") from None
    except placement.NoKernelHost:
        raise FileError("no_kernel", "No kernel server is running right now.") from None
    try:
        answer = json.loads(text)
    except (TypeError, ValueError):
        answer = None
    if not isinstance(answer, dict) or answer.get("ref") != ref or answer.get("type") not in protocol.FILE_REPLIES:
        raise FileError("bad_reply", "The kernel gave an answer that is not part of the protocol.")
    if answer["type"] == "files_error":
        raise FileError(str(answer.get("code", "error")), str(answer.get("message", "refused"))[:500])
    return answer


async def listing(owner: str) -> dict:
    answer = await call(owner, protocol.FILES_LIST)
    files = []
    for entry in answer.get("files") or []:
        try:
            files.append({"name": check_name(entry["name"]), "size": int(entry["size"]), "mtime": int(entry["mtime"])})
        except (FileRefused, KeyError, TypeError, ValueError):
            continue  # a kernel's odd answer is left out, never passed on
    return {"files": files, "truncated": bool(answer.get("truncated")), "free_bytes": _int(answer.get("free_bytes"))}


async def download(owner: str, name: str, max_bytes: int) -> tuple[int, AsyncIterator[bytes]]:
    """The file's size and its bytes; FileError (code `too_large`) when it is over `max_bytes`."""
    first = await _read(owner, name, 0)
    size = _int(first.get("size"))
    if size is None or size < 0:
        raise FileError("bad_reply", "The kernel gave no file size.")
    if size > max_bytes:
        raise FileError("too_large", f"{name} is {size:,} bytes; downloads are limited to {max_bytes:,} bytes.")

    async def chunks() -> AsyncIterator[bytes]:
        answer, sent = first, 0
        while True:
            data = _decode(answer)[: size - sent]  # never more than announced, whatever the kernel sends
            sent += len(data)
            if data:
                yield data
            if sent >= size or answer.get("eof") or not data:
                return
            answer = await _read(owner, name, sent)

    return size, chunks()


async def upload(owner: str, name: str, chunks: Iterable[bytes]) -> int:
    """Write the chunks as `name` (replacing it); returns the file's size in the kernel."""
    size, append = 0, False
    for chunk in chunks:
        for start in range(0, max(len(chunk), 1), CHUNK_BYTES):
            piece = base64.b64encode(chunk[start : start + CHUNK_BYTES]).decode("ascii")
            answer = await call(owner, protocol.FILES_WRITE, name=name, data_b64=piece, append=append)
            append, size = True, _int(answer.get("size")) or 0
    if not append:  # an empty file still gets created
        answer = await call(owner, protocol.FILES_WRITE, name=name, data_b64="", append=False)
        size = _int(answer.get("size")) or 0
    return size


async def _read(owner: str, name: str, offset: int) -> dict:
    return await call(owner, protocol.FILES_READ, name=name, offset=offset)


def _decode(answer: dict) -> bytes:
    try:
        return base64.b64decode(str(answer.get("data_b64", "")), validate=True)
    except (binascii.Error, ValueError):
        raise FileError("bad_reply", "The kernel sent a chunk that is not base64.") from None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
