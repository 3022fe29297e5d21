"""The session's scratch folder, listed, read and written for the host, inside the kernel.

The scratch folder is a tmpfs in the kernel's own mount namespace: the host cannot open it and
must not try. It asks over the kernel's link instead (`files_list`, `files_read`,
`files_write`), and the control thread answers here, so it works while a run is busy.

Names are single path components: no `/`, no `..`, no leading dot, no control characters.
Files are opened relative to a directory descriptor of the folder with O_NOFOLLOW, and only
regular files are read or written, so a symlink or FIFO the user planted leads nowhere.
"""

from __future__ import annotations

import base64
import binascii
import errno
import os
import stat

from . import protocol

CHUNK_BYTES = 256 * 1024  # raw bytes per `files_chunk`: ~350 KB of base64, well under 1 MiB
MAX_NAME_BYTES = 255
# Right-to-left override and its kin show a name as another (`gpj.exe` as `exe.jpg`).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class FileRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def check_name(name: object) -> str:
    """The name if it is one plain file name in the folder, else FileRefused."""
    if not isinstance(name, str) or not name:
        raise FileRefused("bad_name", "A file name is needed.")
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        raise FileRefused("bad_name", f"{name!r} is not a plain file name: no slashes, no '..', no leading dot.")
    if any(ord(c) < 32 or ord(c) == 127 or c in BIDI_CONTROLS for c in name):
        raise FileRefused("bad_name", "File names may not contain control characters (bidirectional ones included).")
    if len(name.encode("utf-8", "replace")) > MAX_NAME_BYTES:
        raise FileRefused("bad_name", "File names may not exceed 255 bytes.")
    return name


MAX_LISTED = 500

_folder = "."


def configure(folder: str) -> None:
    global _folder
    _folder = folder


def folder() -> str:
    """The session's scratch folder (where uploads land)."""
    return _folder


def handle(message: dict) -> dict:
    """One host request -> its reply (always carrying the request's `ref`)."""
    ref = message.get("ref")
    try:
        kind = message.get("type")
        if kind == "files_list":
            reply = listing(ref)
        elif kind == "files_read":
            reply = read(ref, check_name(message.get("name")), int(message.get("offset") or 0))
        elif kind == "files_write":
            data = str(message.get("data_b64", ""))
            name, append = check_name(message.get("name")), bool(message.get("append"))
            reply = create(ref, name, data) if message.get("exclusive") else write(ref, name, data, append)
        else:
            raise FileRefused("bad_request", f"Unknown file request {kind!r}.")
    except FileRefused as exc:
        reply = protocol.FILES_ERROR(ref=ref, code=exc.code, message=str(exc))
    except OSError as exc:
        reply = protocol.FILES_ERROR(ref=ref, code="os_error", message=_os_message(exc))
    except (TypeError, ValueError) as exc:
        reply = protocol.FILES_ERROR(ref=ref, code="bad_request", message=f"Malformed file request: {exc}")
    return reply


def listing(ref: object) -> dict:
    entries = []
    with os.scandir(_folder) as scan:
        for entry in scan:
            try:
                info = entry.stat(follow_symlinks=False)
                check_name(entry.name)
            except (OSError, FileRefused):
                continue
            if stat.S_ISREG(info.st_mode):
                entries.append({"name": entry.name, "size": info.st_size, "mtime": int(info.st_mtime)})
    entries.sort(key=lambda e: str(e["name"]).lower())
    usage = os.statvfs(_folder)
    free_bytes = usage.f_bavail * usage.f_frsize
    listed, truncated = entries[:MAX_LISTED], len(entries) > MAX_LISTED
    return protocol.FILES_LISTING(ref=ref, files=listed, truncated=truncated, free_bytes=free_bytes)


def read(ref: object, name: str, offset: int) -> dict:
    if offset < 0:
        raise FileRefused("bad_request", "The offset must not be negative.")
    fd = _open(name, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, CHUNK_BYTES, offset)
    finally:
        os.close(fd)
    data_b64 = base64.b64encode(data).decode("ascii")
    eof = offset + len(data) >= size
    return protocol.FILES_CHUNK(ref=ref, name=name, offset=offset, size=size, data_b64=data_b64, eof=eof)


def write(ref: object, name: str, data_b64: str, append: bool) -> dict:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    return _write(ref, name, _decode(data_b64), flags)


def create(ref: object, name: str, data_b64: str) -> dict:
    """Write a whole file that must not replace another: one the visitor already has stays as it
    is. The same bytes already there count as written (the sharer opening their own link)."""
    data = _decode(data_b64)
    try:
        return _write(ref, name, data, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        pass
    try:
        fd = _open(name, os.O_RDONLY)
    except FileRefused:  # a symbolic link or FIFO of that name: not the file, and not replaced
        fd = None
    if fd is not None:
        try:
            same = os.fstat(fd).st_size == len(data) and os.pread(fd, len(data) + 1, 0) == data
        finally:
            os.close(fd)
        if same:
            return protocol.FILES_WRITTEN(ref=ref, name=name, size=len(data))
    raise FileRefused("exists", f"The scratch folder already has another {name!r}; it was kept.")


def _decode(data_b64: str) -> bytes:
    try:
        return base64.b64decode(data_b64, validate=True)
    except (binascii.Error, ValueError):
        raise FileRefused("bad_request", "The upload chunk is not valid base64.") from None


def _write(ref: object, name: str, data: bytes, flags: int) -> dict:
    fd = _open(name, flags)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    return protocol.FILES_WRITTEN(ref=ref, name=name, size=size)


def _open(name: str, flags: int) -> int:
    """A descriptor of a regular file in the folder, never through a symbolic link."""
    folder = os.open(_folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fd = os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600, dir_fd=folder)
        except FileNotFoundError:
            raise FileRefused("not_found", f"There is no file {name!r} in the scratch folder.") from None
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENXIO):  # a symbolic link; a FIFO without a reader
                raise FileRefused("not_regular", f"{name!r} is not a regular file.") from None
            raise
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise FileRefused("not_regular", f"{name!r} is not a regular file.")
    os.set_blocking(fd, True)
    return fd


def _os_message(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "The scratch folder is full (PLAYGROUND_SCRATCH_BYTES); delete something first."
    return f"{exc.strerror or exc} ({type(exc).__name__})."
