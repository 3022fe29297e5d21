"""One uid per kernel, from a configured range, so nothing the Linux kernel counts per user
(inotify instances, RLIMIT_NPROC, POSIX message queue bytes, ...) is shared between sessions.

A uid is taken when a kernel is forked and given back only when the fork server reports that
kernel's exit: that process mirrors the kernel's PID-namespace init, and an init exits only
after every process of its namespace is gone, so nothing of the old kernel runs under the uid
any more. Free uids are reused oldest first, which leaves the widest margin anyway.

Kernel hosts sharing a machine may share a range: a uid in use is also held as a lock on a
file in LOCK_DIR (flock, released when the holder gives it back or dies), and a host skips
uids another one holds.

PLAYGROUND_KERNEL_UIDS is `FIRST-LAST` (inclusive), e.g. `200000-200999`: a thousand uids
that no account of the machine uses.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from collections import deque
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_RANGE = "200000-200999"
LOCK_DIR = Path("/run/playground-kernel-uids" if os.geteuid() == 0 else tempfile.gettempdir() + "/kernel-uids")


class NoFreeUid(RuntimeError):
    pass


def parse_range(spec: str) -> range:
    """`FIRST-LAST` (inclusive) as a range of uids; ValueError naming the setting if malformed."""
    first, dash, last = spec.strip().partition("-")
    try:
        uids = range(int(first), int(last) + 1) if dash else range(int(first), int(first) + 1)
    except ValueError:
        uids = range(0)
    if not uids or uids.start <= 0 or uids.stop - 1 >= 2**32 - 1:
        raise ValueError(f"PLAYGROUND_KERNEL_UIDS={spec!r} is not a uid range such as {DEFAULT_RANGE!r} (FIRST-LAST)")
    return uids


class UidPool:
    def __init__(self, uids: range, lock_dir: Path | None = LOCK_DIR):
        self._free: deque[int] = deque(uids)
        self._held: dict[str, int] = {}  # holder (a kernel's name) -> its uid
        self._locks: dict[str, int] = {}  # holder -> the fd holding its uid's lock
        self._pids: dict[int, str] = {}  # a forked kernel's pid, as its exit report names it -> holder
        self._lock_dir = _usable(lock_dir)

    @property
    def free(self) -> int:
        return len(self._free)

    def take(self, holder: str) -> int:
        for _ in range(len(self._free)):
            uid = self._free.popleft()
            lock = self._claim(uid)
            if lock is not None:
                self._held[holder] = uid
                if lock >= 0:
                    self._locks[holder] = lock
                return uid
            self._free.append(uid)  # another kernel host on this machine has it now
        raise NoFreeUid(
            f"every kernel uid ({len(self._held)} here) is in use: widen PLAYGROUND_KERNEL_UIDS or lower "
            "PLAYGROUND_MAX_KERNELS"
        )

    def bind(self, holder: str, pid: int) -> None:
        """Note the pid whose exit frees `holder`'s uid."""
        stale = self._pids.get(pid)
        if stale is not None and stale != holder:
            # A pid is reused by a fork server only after reporting the exit; a second holder of
            # the same pid means the first one's fork server died, and its kernels with it.
            self.give_back(stale)
        self._pids[pid] = holder

    def exited(self, pid: int) -> None:
        holder = self._pids.pop(pid, None)
        if holder is not None:
            self.give_back(holder)

    def give_back(self, holder: str) -> None:
        uid = self._held.pop(holder, None)
        if uid is not None:
            self._free.append(uid)
        lock = self._locks.pop(holder, None)
        if lock is not None:
            os.close(lock)  # releases the flock: other hosts may take the uid
        for pid in [pid for pid, name in self._pids.items() if name == holder]:
            del self._pids[pid]

    def _claim(self, uid: int) -> int | None:
        """A locked fd for `uid`, -1 when there is no lock folder, None when another has it."""
        if self._lock_dir is None:
            return -1
        try:
            fd = os.open(self._lock_dir / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return -1  # an unusable lock file: this host's own bookkeeping still holds
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd


def _usable(lock_dir: Path | None) -> Path | None:
    if lock_dir is None:
        return None
    try:
        lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("no kernel uid locks in %s (%s): kernel hosts on this machine need their own ranges", lock_dir, exc)
        return None
    return lock_dir


_pools: dict[range, UidPool] = {}


def pool_for(uids: range) -> UidPool:
    """One pool per range in this process: every kernel pool here draws from the same uids."""
    if uids not in _pools:
        _pools[uids] = UidPool(uids)
    return _pools[uids]
