"""Small, pure helpers shared by the benches: figures from timings, fields from /proc's text
(unit-tested in tests/bench/test_bench_stats.py; nothing here reads a file or starts a process)."""

from __future__ import annotations

import statistics


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary_ms(seconds: list[float]) -> dict:
    """p50, p95, min, max and mean in milliseconds, of timings given in seconds."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def ratio(theirs: float | None, ours: float | None) -> float | None:
    """How many times `theirs` is `ours` (Jupyter / playground: > 1 means the playground wins)."""
    if theirs is None or ours is None or ours <= 0:
        return None
    return theirs / ours


def parse_smaps_rollup(text: str) -> dict[str, int]:
    """The fields of /proc/<pid>/smaps_rollup, in kB (`Pss: 1234 kB` -> {"Pss": 1234})."""
    fields = {}
    for line in text.splitlines():
        name, sep, rest = line.partition(":")
        parts = rest.split()
        if sep and len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            fields[name.strip()] = int(parts[0])
    return fields


def parse_meminfo(text: str) -> dict[str, int]:
    """The fields of /proc/meminfo, in kB."""
    return parse_smaps_rollup(text)


def parse_stat_ppid(text: str) -> int:
    """The parent pid from /proc/<pid>/stat (the command name may hold spaces and parentheses)."""
    return int(text[text.rindex(")") + 2 :].split()[1])


def parse_stat_minor_faults(text: str) -> int:
    """minflt (page faults served without I/O, copy-on-write ones included) from /proc/<pid>/stat."""
    return int(text[text.rindex(")") + 2 :].split()[7])


def parse_stat_cpu_ticks(text: str) -> int:
    """utime + stime (clock ticks) from /proc/<pid>/stat."""
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def children_map(ppids: dict[int, int]) -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for pid, ppid in ppids.items():
        tree.setdefault(ppid, []).append(pid)
    return tree


def descendants(root: int, ppids: dict[int, int]) -> list[int]:
    """`root` and every process below it, given each process's parent."""
    tree = children_map(ppids)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def capacity(levels: list[dict], p95_limit_ms: float = 1000.0) -> int:
    """The largest number of sessions whose runs all answered and whose p95 stayed under the limit,
    counting only levels below the first one that failed."""
    best = 0
    for level in sorted(levels, key=lambda row: row["sessions"]):
        ok = level.get("errors", 0) == 0 and level.get("p95_ms", float("inf")) < p95_limit_ms
        if not ok:
            break
        best = level["sessions"]
    return best
