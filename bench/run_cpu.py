"""What a trivial run costs the server: the `t + 10` round trip and the CPU per run.

    .venv/bin/python -m bench.run_cpu [--runs 1000] [--before PATH]

CPU comes from the processes' own counters, read around the runs, so a noisy machine moves it
less than it moves wall-clock times: the web process (uvicorn and the embedded kernel host) from
`/proc/<pid>/stat`, the kernel from its cgroup's CPU count (every thread and process of it; the
site's kernels are the cgroups named after the web process's pid). The client's is excluded.
`--before PATH` also measures a checkout of an earlier commit (a git worktree), alternating
before and after `--pairs` times, so a busy moment on the machine falls on both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path

from .__main__ import round_trips
from .hostile import server_pid
from .site import ROOT, running_site
from .stats import percentile

TICKS = os.sysconf("SC_CLK_TCK")
WARM_RUNS = 100


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def kernels_cpu(server: int) -> dict[str, float]:
    """CPU seconds of each live kernel the server at `server` started, from their cgroups (v1 or v2)."""
    used: dict[str, float] = {}
    for usage in Path("/sys/fs/cgroup").glob(f"cpuacct/**/playground-kernels/kernel-{server}-*/cpuacct.usage"):
        used[usage.parent.name] = int(usage.read_text()) / 1e9
    for stat in Path("/sys/fs/cgroup").glob(f"**/playground-kernels/kernel-{server}-*/cpu.stat"):
        for line in stat.read_text().splitlines():
            if line.startswith("usage_usec "):
                used[stat.parent.name] = int(line.split()[1]) / 1e6
    return used


def kernels_cpu_s(server: int, since: dict[str, float] | None = None) -> float:
    """CPU the server's kernels used since `since` (a kernels_cpu() reading), or in all.

    A kernel that ended in between takes its count with it: a lower bound then."""
    since = since or {}
    return sum(seconds - since.get(name, 0.0) for name, seconds in kernels_cpu(server).items())


def measure(runs: int, root: Path = ROOT) -> dict:
    with running_site(quiet=True, root=root) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        asyncio.run(round_trips(base, WARM_RUNS))
        cpu_before, kernels_before, started = process_cpu_s(pid), kernels_cpu(pid), time.perf_counter()
        times = asyncio.run(round_trips(base, runs))
        cpu_used, elapsed = process_cpu_s(pid) - cpu_before, time.perf_counter() - started
        kernels_used = kernels_cpu_s(pid, since=kernels_before)
    ms = [t * 1000 for t in times]
    measured_runs = runs + 21  # round_trips also runs a set-up and 20 warm-up runs
    return {
        "runs": runs,
        "round_trip_p50_ms": round(percentile(ms, 50), 3),
        "round_trip_p95_ms": round(percentile(ms, 95), 3),
        "web_cpu_per_run_ms": round(cpu_used / measured_runs * 1000, 3),
        "kernel_cpu_per_run_ms": round(kernels_used / measured_runs * 1000, 3),
        "server_and_kernel_cpu_per_run_ms": round((cpu_used + kernels_used) / measured_runs * 1000, 3),
        "elapsed_s": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit, measured alternately")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    if args.before is None:
        print(json.dumps(measure(args.runs), indent=2))
        return
    for pair in range(args.pairs):
        for name, root in (("before", args.before.resolve()), ("after", ROOT)):
            print(json.dumps({"pair": pair + 1, "tree": name, **measure(args.runs, root)}), flush=True)


if __name__ == "__main__":
    main()
