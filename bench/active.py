"""A busy classroom: N open sessions, each running a trivial snippet about once a second.

    .venv/bin/python -m bench.active [--levels 100,200,400] [--rounds 10]

Sessions are opened level by level and stay open (compare_load.grow): at each level every
session runs `t[0, :4] + 1` `--rounds` times with a jittered second between runs, and the
latency of each run (send to its `done`) is recorded, with the CPU the web process and the
kernels used per run (their own counters). The client runs on the same machine, so its CPU is
part of what the machine has to give.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from kernels.limits import CLIENT_SHARE

from . import compare_load as load
from .cpu import kernels_cpu, kernels_cpu_s, process_cpu_s, wait_until_quiet
from .report import header, save_report
from .site import running_site, server_pid


async def measure_levels(base: str, pid: int, levels: list[int], rounds: int) -> list[dict]:
    visitor = load.PlaygroundVisitor(base)
    sessions: list = []
    rows = []
    for level in levels:
        opened, failed = await load.open_many(visitor, level - len(sessions), parallel=10)
        sessions += opened
        await asyncio.to_thread(wait_until_quiet, pid, 180.0, 5)  # the pool's refill is not the runs' CPU
        web, kernels = process_cpu_s(pid), kernels_cpu(pid)
        row = await load.drive(visitor, sessions, rounds, think_s=1.0)
        runs = len(sessions) * rounds
        row |= {
            "sessions": len(sessions),
            "failed_to_open": failed,
            "web_cpu_per_run_ms": round((process_cpu_s(pid) - web) / runs * 1000, 3),
            "kernel_cpu_per_run_ms": round(kernels_cpu_s(pid, since=kernels) / runs * 1000, 3),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    for handle in sessions:
        await visitor.close(handle)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="100,200,400")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    levels = [int(n) for n in args.levels.split(",")]
    # Every simulated visitor comes from 127.0.0.1: room for them within one address's share
    # of the host (limits.CLIENT_SHARE), and for the ready pool.
    env = {"PLAYGROUND_MAX_KERNELS": str(int(max(levels) / CLIENT_SHARE) + 70)}
    with running_site(env, quiet=True) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        rows = asyncio.run(measure_levels(base, pid, levels, args.rounds))
    report = header() | {"env": env, "levels": rows}
    save_report(report, "active")


if __name__ == "__main__":
    main()
