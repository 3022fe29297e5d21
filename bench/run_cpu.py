"""What a trivial run costs the server: the `t + 10` round trip and the CPU per run.

    .venv/bin/python -m bench.run_cpu [--runs 1000] [--pause S] [--before PATH]

CPU comes from the processes' own counters, read around the runs, so a noisy machine moves it
less than it moves wall-clock times: the web process (uvicorn and the embedded kernel host) from
`/proc/<pid>/stat`, the kernel from its cgroup's CPU count (every thread and process of it; the
site's kernels are the cgroups named after the web process's pid). The client's is excluded.
Counting starts once the pool's warm-ups are over (no CPU used for a second) and covers only
the timed runs of one warmed session. `--pause` waits between runs, as a person does: the same
run then costs two to three times the CPU (caches gone cold, every thread woken from sleep).
`--before PATH` also measures a checkout of an earlier commit (a git worktree), alternating
before and after `--pairs` times, so a busy moment on the machine falls on both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from pathlib import Path

from .hostile import server_pid
from .site import ROOT, connect, running_site, session_cookie, set_up_t, time_runs
from .stats import percentile

TICKS = os.sysconf("SC_CLK_TCK")
WARM_RUNS = 100


def process_cpu_s(pid: int) -> float:
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


async def counted_runs(base: str, server: int, runs: int, pause_s: float = 0.0) -> tuple[list[float], float, float]:
    """One session: set up and warm up, wait for quiet, then `runs` timed runs of `t + 10`.

    Returns the round trips and the web process's and kernels' CPU seconds during them, less
    what they use idle in as long (the web process's timers: the host's patrol, heartbeats)."""
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        await set_up_t(websocket, WARM_RUNS)
        await asyncio.to_thread(wait_until_quiet, server)
        idle_web, idle_kernels = await idle_cpu_per_s(server) if pause_s else (0.0, 0.0)
        web, kernels, started = process_cpu_s(server), kernels_cpu(server), time.perf_counter()
        times = await time_runs(websocket, runs, pause_s)
        elapsed = time.perf_counter() - started  # (the idle CPU is subtracted over all of it)
        web_used = process_cpu_s(server) - web - idle_web * elapsed
        return times, web_used, kernels_cpu_s(server, since=kernels) - idle_kernels * elapsed


async def idle_cpu_per_s(server: int, seconds: float = 10.0) -> tuple[float, float]:
    web, kernels = process_cpu_s(server), kernels_cpu(server)
    await asyncio.sleep(seconds)
    return (process_cpu_s(server) - web) / seconds, kernels_cpu_s(server, since=kernels) / seconds


def measure(runs: int, root: Path = ROOT, pause_s: float = 0.0) -> dict:
    with running_site(quiet=True, root=root) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        wait_until_quiet(pid)
        started = time.perf_counter()
        times, web_used, kernels_used = asyncio.run(counted_runs(base, pid, runs, pause_s))
        elapsed = time.perf_counter() - started
    ms = [t * 1000 for t in times]
    return {
        "runs": runs,
        "pause_s": pause_s,
        "round_trip_p50_ms": round(percentile(ms, 50), 3),
        "round_trip_p95_ms": round(percentile(ms, 95), 3),
        "web_cpu_per_run_ms": round(web_used / runs * 1000, 3),
        "kernel_cpu_per_run_ms": round(kernels_used / runs * 1000, 3),
        "server_and_kernel_cpu_per_run_ms": round((web_used + kernels_used) / runs * 1000, 3),
        "elapsed_s": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit, measured alternately")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between runs (a person's pace)")
    args = parser.parse_args()
    if args.before is None:
        print(json.dumps(measure(args.runs, pause_s=args.pause), indent=2))
        return
    for pair in range(args.pairs):
        for name, root in (("before", args.before.resolve()), ("after", ROOT)):
            row = measure(args.runs, root, args.pause)
            print(json.dumps({"pair": pair + 1, "tree": name, **row}), flush=True)


if __name__ == "__main__":
    main()
