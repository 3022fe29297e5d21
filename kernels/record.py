"""A session's record: its runs as the pages saw them, kept by the kernel host.

What a person saw of their session no longer lives in a browser tab: every message a run sends
its pages is kept here too, in order, so a page that opens or comes back (a reload, a second
tab, a phone, a dropped connection) is sent the whole record first and then what is live, with
no run repeated and none missing; a run that finished while no page was open is in it. Shares,
notebook downloads and the class view read it too (docs/protocol.md, "The session's record").

Bounded, and counted in the session's memory: a run keeps at most RunLimits.run_bytes of its
messages (its `done` and its error always), progress is thinned as the send buffer thins it
(the latest batch, every epoch), and the session keeps at most `runs` runs and `session_bytes`
bytes, the oldest going first and counted in `dropped`.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from dataclasses import dataclass, field

ALWAYS_KEPT = ("done", "error")
PART_BYTES = 1024 * 1024  # of one `record` message; a session's record goes in several


@dataclass(frozen=True)
class RecordLimits:
    run_bytes: int = 2 * 1024 * 1024
    session_bytes: int = 16 * 1024 * 1024
    runs: int = 200


@dataclass
class RunRecord:
    id: str
    code: str
    started: float  # wall-clock seconds, for people
    kernel: dict | None  # what the kernel said of itself when the run began (TF version, device, pid)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (type, protocol JSON text)
    bytes: int = 0
    truncated: bool = False  # messages past run_bytes were not kept
    finished: bool = False

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "code": self.code,
            "started": round(self.started, 3),
            "kernel": self.kernel,
            "messages": [json.loads(text) for _, text in self.messages],
            "truncated": self.truncated,
            "running": not self.finished,
        }


class SessionRecord:
    def __init__(self, limits: RecordLimits | None = None):
        self.limits = limits or RecordLimits()
        self.runs: deque[RunRecord] = deque()
        self.dropped = 0  # runs that went to keep the record within its bounds
        self.bytes = 0

    def begin(self, run_id: str, code: str, kernel: dict | None) -> RunRecord:
        run = RunRecord(run_id, code, time.time(), kernel, bytes=len(code))
        self.runs.append(run)
        self.bytes += run.bytes
        self._keep_within_bounds()
        return run

    def add(self, run: RunRecord, kind: str, text: str) -> None:
        """One message of `run`, as its pages were sent it."""
        if kind == "done":
            run.finished = True
        if kind == "progress" and run.messages and run.messages[-1][0] == "progress" and _is_batch(run.messages[-1][1]):
            self._take(run, run.messages.pop()[1])  # the bar only moves: the latest batch will do
        if run.bytes + len(text) > self.limits.run_bytes and kind not in ALWAYS_KEPT:
            run.truncated = True
            return
        run.messages.append((kind, text))
        run.bytes += len(text)
        self.bytes += len(text)
        self._keep_within_bounds(keep=run)

    def find(self, run_id: str) -> RunRecord | None:
        return next((run for run in reversed(self.runs) if run.id == run_id), None)

    def as_json(self) -> dict:
        """The `record` message's body: every run kept, oldest first."""
        return {"runs": [run.as_json() for run in self.runs], "dropped": self.dropped}

    def parts(self, max_bytes: int = PART_BYTES) -> list[dict]:
        """as_json() in `record` messages of about `max_bytes` each, at least one (a channel-layer
        message of 16 MiB would be one too many), runs whole and in order."""
        parts: list[dict] = [{"runs": [], "dropped": self.dropped}]
        size = 0
        for run in self.runs:
            if parts[-1]["runs"] and size + run.bytes > max_bytes:
                parts.append({"runs": [], "dropped": self.dropped})
                size = 0
            parts[-1]["runs"].append(run.as_json())
            size += run.bytes
        return parts

    def _take(self, run: RunRecord, text: str) -> None:
        run.bytes -= len(text)
        self.bytes -= len(text)

    def _keep_within_bounds(self, keep: RunRecord | None = None) -> None:
        limits = self.limits
        while len(self.runs) > 1 and (len(self.runs) > limits.runs or self.bytes > limits.session_bytes):
            if self.runs[0] is keep:
                break
            oldest = self.runs.popleft()
            self.bytes -= oldest.bytes
            self.dropped += 1


_BATCH = re.compile(r'"event":\s*"batch"')


def _is_batch(text: str) -> bool:
    return _BATCH.search(text, 0, 300) is not None  # the event comes early in a progress message
