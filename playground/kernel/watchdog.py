"""Limits on one run that the host enforces from outside the kernel: CPU time, wall time and
message rate. A run that nears a time limit is warned first (at 80 %), the way the Rust
playground lets people see the end coming; at the limit it is interrupted, and ended after
the interrupt grace period if it does not stop."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from .limits import Limits

CHECK_EVERY_S = 0.5
WARN_AT = 0.8
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    """CPU time of a process, all its threads included (children count once they exit)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime and stime


@dataclass
class Verdict:
    stop: bool
    text: str
    limit: str = ""
    value: float = 0.0


@dataclass
class RunClock:
    """CPU time is read from the first check on (CHECK_EVERY_S into the run), not at its start:
    most runs end sooner, and reading a many-threaded process's /proc stat on every run cost
    the round trip more than the half second of CPU time it leaves uncounted."""

    limits: Limits
    pid: int | None
    started: float = field(default_factory=time.monotonic)
    cpu_at_first_check: float | None = None
    warned: set[str] = field(default_factory=set)

    def check(self) -> Verdict | None:
        cpu_now = cpu_seconds(self.pid)
        if self.cpu_at_first_check is None:
            self.cpu_at_first_check = cpu_now
        used = {
            "cpu_seconds_per_run": cpu_now - self.cpu_at_first_check,
            "wall_seconds_per_run": time.monotonic() - self.started,
        }
        for name, spent in used.items():
            limit = getattr(self.limits, name)
            what = "CPU-time" if name.startswith("cpu") else "time"
            variable = f"PLAYGROUND_{name.upper()}"
            if spent >= limit:
                text = f"\n[stopped: this run reached its {what} limit of {limit:g} s ({variable})]\n"
                return Verdict(stop=True, text=text, limit=name, value=limit)
            # at 80 %, or earlier for a short limit: the warning must come before the next check
            if spent >= min(WARN_AT * limit, limit - 2 * CHECK_EVERY_S) and name not in self.warned:
                self.warned.add(name)
                text = f"\n[this run has used {spent:.0f} s of its {limit:g} s {what} limit; it will be stopped then]\n"
                return Verdict(stop=False, text=text)
        return None


@dataclass
class MessageRate:
    """At most `per_second` messages a second for one run; the rest are dropped, once noted."""

    per_second: int
    window_started: float = 0.0
    count: int = 0
    noted: bool = False

    def allow(self) -> bool:
        now = time.monotonic()
        if now - self.window_started >= 1.0:
            self.window_started, self.count = now, 0
        self.count += 1
        return self.count <= self.per_second

    def first_drop(self) -> bool:
        first, self.noted = not self.noted, True
        return first
