"""What a trivial run costs the server: the `t + 10` round trip and the web process's CPU per run.

    .venv/bin/python -m bench.run_cpu [--runs 1000]

CPU comes from the web process's own counters (`/proc/<pid>/stat`), read around the runs, so a
noisy machine moves it less than it moves wall-clock times. The kernel's CPU is not included.
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
from .site import running_site
from .stats import percentile

TICKS = os.sysconf("SC_CLK_TCK")
WARM_RUNS = 100


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(runs: int) -> dict:
    with running_site(quiet=True) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        asyncio.run(round_trips(base, WARM_RUNS))
        cpu_before, started = process_cpu_s(pid), time.perf_counter()
        times = asyncio.run(round_trips(base, runs))
        cpu_used, elapsed = process_cpu_s(pid) - cpu_before, time.perf_counter() - started
    ms = [t * 1000 for t in times]
    measured_runs = runs + 21  # round_trips also runs a set-up and 20 warm-up runs
    return {
        "runs": runs,
        "round_trip_p50_ms": round(percentile(ms, 50), 3),
        "round_trip_p95_ms": round(percentile(ms, 95), 3),
        "web_cpu_per_run_ms": round(cpu_used / measured_runs * 1000, 3),
        "elapsed_s": round(elapsed, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    print(json.dumps(measure(parser.parse_args().runs), indent=2))
