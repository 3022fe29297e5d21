"""CPU the site used, from the processes' own counters rather than wall-clock time.

A noisy machine moves them far less than it moves latencies, so the benches that compare
before and after (bench.run_cpu, bench.active, bench.burst, bench.cluster_load) count CPU
this way: the web process from `/proc/<pid>/stat`, the kernels from their cgroups (every
thread and process of a kernel; the site's kernels are the cgroups named after its pid).
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")  # /proc counts CPU in clock ticks


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of the process `pid` itself (not its children) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def kernels_cpu(server: int) -> dict[str, float]:
    """CPU seconds of each live kernel the server at `server` started, from their cgroups (v1 or v2)."""
    for _ in range(10):
        try:
            return _kernels_cpu(server)
        except FileNotFoundError:  # a cgroup (of this site or another) went while the glob walked
            continue
    return _kernels_cpu(server)


def _kernels_cpu(server: int) -> dict[str, float]:
    used: dict[str, float] = {}
    for usage in Path("/sys/fs/cgroup").glob(f"cpuacct/**/playground-kernels/kernel-{server}-*/cpuacct.usage"):
        with contextlib.suppress(FileNotFoundError):
            used[usage.parent.name] = int(usage.read_text()) / 1e9
    for stat in Path("/sys/fs/cgroup").glob(f"**/playground-kernels/kernel-{server}-*/cpu.stat"):
        with contextlib.suppress(FileNotFoundError):
            for line in stat.read_text().splitlines():
                if line.startswith("usage_usec "):
                    used[stat.parent.name] = int(line.split()[1]) / 1e6
    return used


def kernels_cpu_s(server: int, since: dict[str, float] | None = None) -> float:
    """CPU the server's kernels used since `since` (a kernels_cpu() reading), or in all.

    A kernel that ended in between takes its count with it: a lower bound then."""
    since = since or {}
    return sum(seconds - since.get(name, 0.0) for name, seconds in kernels_cpu(server).items())


def wait_until_quiet(server: int, timeout_s: float = 60.0, quiet_seconds: int = 1) -> None:
    """Wait for the pool's warm-ups to end (`quiet_seconds` in a row without them): a kernel
    made meanwhile would count as the runs' CPU."""
    deadline, quiet = time.monotonic() + timeout_s, 0
    while time.monotonic() < deadline and quiet < quiet_seconds:
        web, kernels = process_cpu_s(server), kernels_cpu(server)
        time.sleep(1.0)
        still = process_cpu_s(server) - web < 0.02 and kernels_cpu_s(server, since=kernels) < 0.01
        quiet = quiet + 1 if still else 0
