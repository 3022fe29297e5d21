"""What a trivial run costs the server: the `t + 10` round trip and the CPU per run.

    .venv/bin/python -m bench.run_cpu [--runs 1000] [--pause S] [--before PATH]

CPU comes from the processes' own counters (cpu.py), read around the runs, so a noisy machine moves it
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
import json
import time
from pathlib import Path

from .cpu import kernels_cpu, kernels_cpu_s, process_cpu_s, wait_until_quiet
from .site import ROOT, connect, running_site, server_pid, session_cookie
from .stats import percentile
from .workloads import set_up_t, time_runs

WARM_RUNS = 100


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
