"""The session files a share carries: read from the sharer's kernel at share time (docs/files.md).

The files are the ones the code names (filenames.py) that the kernel lists in its scratch folder,
up to PLAYGROUND_SNIPPET_MAX_FILES files and PLAYGROUND_SNIPPET_MAX_FILE_BYTES in all, taken in
the order the code names them. Their bytes come from the kernel through the same requests as
the Files panel's (scratch/transfer.py), never from the page; the kernel is untrusted, so
what it sends is held to the size it announced and to what is left of the budget.
"""

from __future__ import annotations

import dataclasses

from scratch import transfer

from .filenames import names_in_code
from .submission import CarriedFile, SnippetLimits, SubmissionError


@dataclasses.dataclass(frozen=True)
class LeftOut:
    name: str
    size: int
    reason: str

    def as_json(self) -> dict:
        return {"name": self.name, "size": self.size, "reason": self.reason}


@dataclasses.dataclass(frozen=True)
class Carried:
    files: tuple[CarriedFile, ...] = ()
    left_out: tuple[LeftOut, ...] = ()


def choose(code: str, listing: list[dict], limits: SnippetLimits) -> tuple[list[tuple[str, int]], list[LeftOut]]:
    """(name, size) of the listed files the code names that fit the limits, and those that do not."""
    sizes = {entry["name"]: entry["size"] for entry in listing}
    chosen: list[tuple[str, int]] = []
    left_out: list[LeftOut] = []
    total, budget = 0, limits.max_file_bytes
    for name in (name for name in names_in_code(code) if name in sizes):
        size = sizes[name]
        if len(chosen) >= limits.max_files:
            left_out.append(LeftOut(name, size, too_many(name, limits)))
        elif total + size > budget:
            left_out.append(LeftOut(name, size, over_budget(name, size, total, budget)))
        else:
            chosen.append((name, size))
            total += size
    return chosen, left_out


def too_many(name: str, limits: SnippetLimits) -> str:
    return f"{name} was left out: a link carries at most {limits.max_files} files (PLAYGROUND_SNIPPET_MAX_FILES)."


def over_budget(name: str, size: int, used: int, budget: int) -> str:
    limit = f"a link carries at most {_bytes(budget)} of files (PLAYGROUND_SNIPPET_MAX_FILE_BYTES)"
    if used == 0 or size > budget:
        return f"{name} was left out: it is {_bytes(size)}, and {limit}."
    together = f"with the files before it that is over {_bytes(budget)}"
    return f"{name} was left out: it is {_bytes(size)}, and {together}; {limit}."


def _bytes(size: int) -> str:
    if size >= 2**20 and size % 2**20 == 0:
        return f"{size // 2**20} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size:,} bytes"


def note(names: list[str], left_out: tuple[LeftOut, ...]) -> str:
    """What the Share button says of the files: which went with the link, which not and why."""
    went = f"The link carries the files its code reads: {', '.join(names)}." if names else ""
    return " ".join([went, *(file.reason for file in left_out)]).strip()


async def gather(owner: str, code: str, limits: SnippetLimits) -> Carried:
    """The files `owner`'s session holds that the code names, their bytes read from its kernel.
    A session without a kernel has no files; a kernel that does not answer is a 503 (a link
    without its data would run differently, so it is not made quietly)."""
    if not names_in_code(code):
        return Carried()  # most code names no file: the kernel is not asked
    try:
        listing = (await transfer.listing(owner))["files"]
    except transfer.FileError as exc:
        if exc.code == "no_kernel":
            return Carried()
        raise SubmissionError(503, f"The session's files cannot be read right now ({exc}); try again.") from None
    chosen, left_out = choose(code, listing, limits)
    files, budget = [], limits.max_file_bytes
    for name, _ in chosen:
        data, problem = await _read(owner, name, budget)
        if data is None:
            left_out.append(LeftOut(name, 0, f"{name} was left out: {problem}"))
            continue
        budget -= len(data)
        files.append(CarriedFile(name, data))
    return Carried(tuple(files), tuple(left_out))


async def _read(owner: str, name: str, budget: int) -> tuple[bytes | None, str]:
    """(the file's bytes, "") or (None, what went wrong): gone, grown past what is left of the
    budget, or changed while it was read."""
    try:
        size, chunks = await transfer.download(owner, name, budget)
        data = b"".join([chunk async for chunk in chunks])
    except transfer.FileError as exc:
        return None, f"it could not be read from the session ({exc})."
    return (data, "") if len(data) == size else (None, "it changed while it was being read.")
