"""What a kernel may send and use, counted by the host, where user code cannot reach.

User code shares the kernel process with the runtime, so it can send anything the runtime can:
the host counts what actually arrives (Traffic) and what the kernel's cgroup actually used
(RunClock), and never takes the kernel's word for either. Over a limit, what is over is dropped
with one notice; past a hard ceiling, HARD_CEILING times the limit, which the runtime never
comes near on its own, the kernel is ended and the user told why.

A run that nears a time limit is warned first (at 80 %), the way the Rust playground lets
people see the end coming; at the limit it is interrupted, and ended after the interrupt grace
period if it does not stop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .limits import Limits

CHECK_EVERY_S = 0.5
WARN_AT = 0.8
HARD_CEILING = 8
_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int | None) -> float:
    """CPU time of one process, all its threads (children count once they exit): the fallback
    where no cgroup could be made."""
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
    """CPU and wall time of one run. CPU comes from the kernel's cgroup: every thread and
    process of the kernel, so work handed to a child or a leftover thread counts too.

    Without a known start (the patrol's last count), CPU is counted from the first check,
    CHECK_EVERY_S into the run: most runs end sooner, and a run's start then reads nothing."""

    limits: Limits
    cpu_seconds: Callable[[], float]
    started: float = field(default_factory=time.monotonic)
    cpu_at_start: float | None = None
    warned: set[str] = field(default_factory=set)

    def check(self) -> Verdict | None:
        cpu_now = self.cpu_seconds()
        if self.cpu_at_start is None:
            self.cpu_at_start = cpu_now
        used = {
            "cpu_seconds_per_run": cpu_now - self.cpu_at_start,
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


class IdleCpu:
    """CPU a kernel uses while no run is in progress (threads or processes it left running).

    Looked at by the host's patrol, once a second: the first look after a run notes where the
    count starts, so a run's end costs no cgroup read; the next run's own count starts where
    the last look ended."""

    def __init__(self, limit_s: float):
        self.limit_s = limit_s
        self._before = 0.0  # counted between earlier runs
        self._mark: float | None = None  # the kernel's CPU at the first look after the last run
        self._since = 0.0  # CPU since then, at the last look

    def over_limit(self, cpu_seconds: Callable[[], float], questions_s: float = 0.0) -> str | None:
        """Why the kernel must end, if what it left running has used more than its share.
        `questions_s`: CPU that went to the editor's questions (assistant.py), not counted."""
        if self._mark is None:
            self._mark, self._since = cpu_seconds(), 0.0
            return None
        self._since = cpu_seconds() - self._mark
        seen = self._before + self._since
        used = seen - min(questions_s, seen)
        if used <= self.limit_s:
            return None
        besides = f", besides {questions_s:.1f} s answering the editor's questions" if questions_s >= 0.05 else ""
        return (
            f"threads or processes left running used {used:.1f} s of CPU while no run was in progress{besides} "
            f"(the limit is {self.limit_s:g} s, PLAYGROUND_IDLE_CPU_SECONDS), so the kernel was ended"
        )

    def run_starts(self) -> float | None:
        """What was seen so far counts as idle; the run's CPU count starts here (None: at its first check)."""
        start = None if self._mark is None else self._mark + self._since
        self._before += self._since
        self._mark, self._since = None, 0.0
        return start


FORWARD, DROP, END = "forward", "drop", "end"


@dataclass
class Decision:
    action: str  # FORWARD, DROP or END
    notice: str = ""  # said once to the user when something is first dropped
    keep_text: str | None = None  # a stream cut to what still fits, for the crossing message


@dataclass
class Traffic:
    """Every message one kernel sends, counted per run (and per stretch between runs): the
    rate of all messages, with or without an id; stream text against the output limit; results,
    figures, progress and variables against the result limit."""

    limits: Limits
    window_started: float = 0.0
    in_window: int = 0
    output_bytes: int = 0
    result_bytes: int = 0
    noted: set[str] = field(default_factory=set)

    def start_run(self) -> None:
        """Each run is counted on its own: quick runs back to back do not add up to a flood."""
        self.output_bytes = self.result_bytes = self.in_window = 0
        self.window_started = time.monotonic()
        self.noted.clear()

    def admit(self, kind: str, size: int, text: str | None = None) -> Decision:
        """What to do with one message of `size` bytes (`text`: a stream's text)."""
        over_rate = self._count()
        if over_rate:
            return over_rate
        if kind == "stream" and text is not None:
            return self._stream(text, size)
        if kind in ("result", "progress", "variables"):
            return self._result(size)
        return Decision(FORWARD)

    def _count(self) -> Decision | None:
        now = time.monotonic()
        if now - self.window_started >= 1.0:
            self.window_started, self.in_window = now, 0
        self.in_window += 1
        limit = self.limits.max_messages_per_s
        if self.in_window > HARD_CEILING * limit:
            variable = f"PLAYGROUND_MAX_MESSAGES_PER_S is {limit}"
            return Decision(END, f"the kernel sent over {HARD_CEILING * limit} messages in one second ({variable})")
        if self.in_window > limit:
            return self._drop("rate", f"more than {limit} messages a second (PLAYGROUND_MAX_MESSAGES_PER_S)")
        return None

    def _stream(self, text: str, size: int) -> Decision:
        limit = self.limits.output_bytes_per_run
        room = limit - self.output_bytes
        self.output_bytes += size
        if self.output_bytes > HARD_CEILING * limit:
            return Decision(END, f"the kernel sent over {HARD_CEILING * limit // 2**20} MiB of output in one run")
        if room <= 0:
            return self._drop("output", f"{limit // 1024} KiB of output per run (PLAYGROUND_OUTPUT_BYTES_PER_RUN)")
        if size <= room:
            return Decision(FORWARD)
        cut = self._drop("output", f"{limit // 1024} KiB of output per run (PLAYGROUND_OUTPUT_BYTES_PER_RUN)")
        return Decision(FORWARD, cut.notice, keep_text=text.encode()[:room].decode("utf-8", "ignore"))

    def _result(self, size: int) -> Decision:
        limit = self.limits.result_bytes_per_run
        self.result_bytes += size
        if self.result_bytes > HARD_CEILING * limit:
            return Decision(END, f"the kernel sent over {HARD_CEILING * limit // 2**20} MiB of results in one run")
        if self.result_bytes > limit:
            what = f"{limit // 2**20} MiB of results per run (PLAYGROUND_RESULT_BYTES_PER_RUN)"
            return self._drop("result", what)
        return Decision(FORWARD)

    def _drop(self, what: str, limit_text: str) -> Decision:
        if what in self.noted:
            return Decision(DROP)
        self.noted.add(what)
        return Decision(DROP, f"\n[output dropped: this run went past {limit_text}]\n")
