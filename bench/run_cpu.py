"""What a trivial run costs the server: the `t + 10` round trip and the CPU per run.

    .venv/bin/python -m bench.run_cpu [--runs 1000] [--before PATH]

CPU comes from the processes' own counters, read around the runs, so a noisy machine moves it
less than it moves wall-clock times: the web process (uvicorn and the embedded kernel host) from
`/proc/<pid>/stat`, the kernel from its cgroup's CPU count (every thread and process of it; the
site's kernels are the cgroups named after the web process's pid). The client's is excluded.
Counting starts once the pool's warm-ups are over (no CPU used for a second) and covers only
the timed runs of one warmed session.
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
from .site import ROOT, connect, execute, running_site, session_cookie
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


def wait_until_quiet(server: int, timeout_s: float = 60.0) -> None:
    """Wait for the pool's warm-ups to end: a kernel made meanwhile would count as the runs' CPU."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        web, kernels = process_cpu_s(server), kernels_cpu(server)
        time.sleep(1.0)
        if process_cpu_s(server) - web < 0.02 and kernels_cpu_s(server, since=kernels) < 0.01:
            return


async def counted_runs(base: str, server: int, runs: int) -> tuple[list[float], float, float]:
    """One session: set up and warm up, wait for quiet, then `runs` timed runs of `t + 10`.

    Returns the round trips and the web process's and kernels' CPU seconds during them."""
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        await execute(websocket, "t = tf.constant([[1., 2., 3.], [4., 5., 6.]])", "setup")
        for i in range(WARM_RUNS):
            await execute(websocket, "t + 10", f"warm-{i}")
        await asyncio.to_thread(wait_until_quiet, server)
        web, kernels = process_cpu_s(server), kernels_cpu(server)
        times = []
        for i in range(runs):
            started = time.perf_counter()
            messages = await execute(websocket, "t + 10", f"rt-{i}")
            times.append(time.perf_counter() - started)
            assert messages[0]["value"]["values"][0][0] == 11.0, messages
        return times, process_cpu_s(server) - web, kernels_cpu_s(server, since=kernels)


def measure(runs: int, root: Path = ROOT) -> dict:
    with running_site(quiet=True, root=root) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        wait_until_quiet(pid)
        started = time.perf_counter()
        times, web_used, kernels_used = asyncio.run(counted_runs(base, pid, runs))
        elapsed = time.perf_counter() - started
    ms = [t * 1000 for t in times]
    return {
        "runs": runs,
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
    args = parser.parse_args()
    if args.before is None:
        print(json.dumps(measure(args.runs), indent=2))
        return
    for pair in range(args.pairs):
        for name, root in (("before", args.before.resolve()), ("after", ROOT)):
            print(json.dumps({"pair": pair + 1, "tree": name, **measure(args.runs, root)}), flush=True)


if __name__ == "__main__":
    main()
