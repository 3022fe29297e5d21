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

import messages
from messages import CHUNK_BYTES, FileRefused, check_name

MAX_LISTED = 500

_folder = "."


def configure(folder: str) -> None:
    global _folder
    _folder = folder


def handle(message: dict) -> dict:
    """One host request -> its reply (always carrying the request's `ref`)."""
    ref = message.get("ref")
    try:
        kind = message.get("type")
        if kind == "files_list":
            reply = listing()
        elif kind == "files_read":
            reply = read(check_name(message.get("name")), int(message.get("offset") or 0))
        elif kind == "files_write":
            data = str(message.get("data_b64", ""))
            reply = write(check_name(message.get("name")), data, bool(message.get("append")))
        else:
            raise FileRefused("bad_request", f"Unknown file request {kind!r}.")
    except FileRefused as exc:
        reply = messages.files_error(ref, exc.code, str(exc))
    except OSError as exc:
        reply = messages.files_error(ref, "os_error", _os_message(exc))
    except (TypeError, ValueError) as exc:
        reply = messages.files_error(ref, "bad_request", f"Malformed file request: {exc}")
    return {**reply, "ref": ref}


def listing() -> dict:
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
    return messages.files_listing(entries[:MAX_LISTED], len(entries) > MAX_LISTED, usage.f_bavail * usage.f_frsize)


def read(name: str, offset: int) -> dict:
    if offset < 0:
        raise FileRefused("bad_request", "The offset must not be negative.")
    fd = _open(name, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, CHUNK_BYTES, offset)
    finally:
        os.close(fd)
    data_b64 = base64.b64encode(data).decode("ascii")
    return messages.files_chunk(name, offset, size, data_b64, offset + len(data) >= size)


def write(name: str, data_b64: str, append: bool) -> dict:
    try:
        data = base64.b64decode(data_b64, validate=True)
    except (binascii.Error, ValueError):
        raise FileRefused("bad_request", "The upload chunk is not valid base64.") from None
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    fd = _open(name, flags)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    return messages.files_written(name, size)


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
