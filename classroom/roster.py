"""The teacher's view of a class, as one teacher's websocket keeps it: each student's summary
(kernels/classreport.py) under their name, and their errors grouped by kind across the class."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_GROUPS = 8


@dataclass
class Roster:
    names: dict[int, str]  # seat -> display name
    students: dict[int, dict] = field(default_factory=dict)  # seat -> its latest summary

    def seat(self, seat: int, name: str) -> dict:
        """A student joined (or renamed themselves); their entry."""
        self.names[seat] = name
        return self.entry(seat)

    def update(self, summary: dict) -> dict | None:
        """A student's new summary; their entry, or None for a seat not in this class."""
        seat = summary.get("seat")
        if not isinstance(seat, int) or seat not in self.names:
            return None
        self.students[seat] = summary
        return self.entry(seat)

    def entry(self, seat: int) -> dict:
        summary = self.students.get(seat) or {"state": "gone", "runs": 0, "last_run_at": None}
        return {"exercises": {}, "last_error": None, **summary, "seat": seat, "name": self.names[seat]}

    def entries(self) -> list[dict]:
        return [self.entry(seat) for seat in self.names]

    def error_groups(self) -> list[dict]:
        """Students whose last run failed, by kind of error (its hint's code, else its name),
        biggest group first, each with the line most of them wrote."""
        groups: dict[str, list[tuple[int, dict]]] = {}
        for seat, summary in self.students.items():
            error = summary.get("last_error")
            if summary.get("state") != "gone" and isinstance(error, dict):
                groups.setdefault(_kind(error), []).append((seat, error))
        ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:MAX_GROUPS]
        return [_group(kind, members, self.names) for kind, members in ordered]


def _kind(error: dict) -> str:
    hint = error.get("hint")
    if isinstance(hint, dict) and isinstance(hint.get("code"), str):
        return f"hint:{hint['code']}"
    return str(error.get("ename"))


def _group(kind: str, members: list[tuple[int, dict]], names: dict[int, str]) -> dict:
    errors = [error for _, error in members]
    line, _ = Counter(error.get("line") or "" for error in errors).most_common(1)[0]
    first = next(error for error in errors if (error.get("line") or "") == line)
    return {
        "kind": kind,
        "count": len(members),
        "ename": first.get("ename"),
        "evalue": first.get("evalue"),
        "hint": first.get("hint"),
        "line": line,
        "seats": sorted(seat for seat, _ in members),
        "names": sorted(names.get(seat, "?") for seat, _ in members),
    }
