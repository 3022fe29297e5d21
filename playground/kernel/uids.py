"""One uid per kernel, from a configured range, so nothing the Linux kernel counts per user
(inotify instances, RLIMIT_NPROC, POSIX message queue bytes, ...) is shared between sessions.

A uid is taken when a kernel is forked and given back only when the fork server reports that
kernel's exit: that process mirrors the kernel's PID-namespace init, and an init exits only
after every process of its namespace is gone, so nothing of the old kernel runs under the uid
any more. Free uids are reused oldest first, which leaves the widest margin anyway.

PLAYGROUND_KERNEL_UIDS is `FIRST-LAST` (inclusive), e.g. `200000-200999`: a thousand uids
that no account of the machine uses. Kernel hosts sharing a machine need ranges of their own.
"""

from __future__ import annotations

from collections import deque

DEFAULT_RANGE = "200000-200999"


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
    def __init__(self, uids: range):
        self._free: deque[int] = deque(uids)
        self._held: dict[str, int] = {}  # holder (a kernel's name) -> its uid
        self._pids: dict[int, str] = {}  # a forked kernel's pid, as its exit report names it -> holder

    @property
    def free(self) -> int:
        return len(self._free)

    def take(self, holder: str) -> int:
        if not self._free:
            raise NoFreeUid(
                f"every kernel uid ({len(self._held)}) is in use: widen PLAYGROUND_KERNEL_UIDS or lower "
                "PLAYGROUND_MAX_KERNELS"
            )
        uid = self._free.popleft()
        self._held[holder] = uid
        return uid

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
        for pid in [pid for pid, name in self._pids.items() if name == holder]:
            del self._pids[pid]


_pools: dict[range, UidPool] = {}


def pool_for(uids: range) -> UidPool:
    """One pool per range in this process: every kernel pool here draws from the same uids."""
    if uids not in _pools:
        _pools[uids] = UidPool(uids)
    return _pools[uids]
