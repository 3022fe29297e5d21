"""Memory of a process tree: the sum of PSS of a server and all it started, and MemAvailable.

Kernels of the playground run in PID namespaces of their own, but /proc here shows them with
their host pids and parents, so walking parent links from the server finds them all (the
uvicorn process, bubblewrap, the fork server, and each kernel's mirror, init and kernel).
PSS splits each shared page among the processes that map it, so the sum over a tree counts
every page once: what the tree really costs, with the fork server's shared pages included.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .stats import descendants, parse_meminfo, parse_smaps_rollup, parse_stat_cpu_ticks, parse_stat_ppid

PROC = Path("/proc")


def parents() -> dict[int, int]:
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                found[int(entry.name)] = parse_stat_ppid((entry / "stat").read_text())
    return found


def tree(root: int) -> list[int]:
    return descendants(root, parents())


def is_kernel(pid: int) -> bool:
    """A kernel process proper: the one with the seccomp filter (mode 2) in the tree."""
    try:
        return "Seccomp:\t2" in (PROC / str(pid) / "status").read_text()
    except OSError:
        return False


def pss_kb(pid: int) -> int:
    try:
        return parse_smaps_rollup((PROC / str(pid) / "smaps_rollup").read_text()).get("Pss", 0)
    except OSError:
        return 0  # it exited meanwhile


def tree_pss_kb(root: int) -> tuple[int, int]:
    """(sum of PSS over `root` and its descendants in kB, how many processes)."""
    pids = tree(root)
    return sum(pss_kb(pid) for pid in pids), len(pids)


def mem_available_kb() -> int:
    return parse_meminfo((PROC / "meminfo").read_text())["MemAvailable"]


def snapshot(root: int) -> dict:
    pss, processes = tree_pss_kb(root)
    return {"tree_pss_kb": pss, "processes": processes, "mem_available_kb": mem_available_kb()}


def tree_cpu_s(root: int) -> dict[str, float]:
    """CPU seconds used so far by `root` itself ("server") and by everything below it ("kernels":
    bubblewrap, the fork server and the kernels, or Jupyter's ipykernels)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {"server": 0.0, "kernels": 0.0}
    for pid in tree(root):
        with contextlib.suppress(OSError, ValueError):
            cpu = parse_stat_cpu_ticks((PROC / str(pid) / "stat").read_text()) / ticks
            used["server" if pid == root else "kernels"] += cpu
    return used


def cpu_delta_ms(before: dict[str, float], after: dict[str, float], runs: int) -> dict[str, float]:
    """CPU milliseconds per run between two tree_cpu_s() readings."""
    return {k: round((after[k] - before[k]) * 1000 / max(1, runs), 3) for k in before}
