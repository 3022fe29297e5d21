"""Hostile neighbours, measured on the real site (issue "The host trusts no kernel").

    .venv/bin/python -m bench.hostile [--seconds 20] [--round-trips 300]

1. Backpressure: a page that never reads while its kernel sends as much as it may, straight
   through the runtime's link (runs queued back to back). Figure: how much the web
   process's resident memory grows (the goal: at most 50 MB).
2. CPU fairness: a neighbour's `t + 10` round trip, quiet, then while two hostile kernels spin
   every process and thread they can start. Figure: p50 with the attackers over p50 quiet (the
   goal: at most 3x on a 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from pathlib import Path

from .site import connect, execute, running_site, server_pid, session_cookie
from .stats import percentile
from .workloads import set_up_t, time_runs

# As much as the host forwards without ending the kernel, sent straight through the runtime's
# link as hostile code can: 7 MiB of output and 60 MiB of results a run (the host forwards
# 1 MiB and 8 MiB of them), at a few runs a second.
FLOOD = """
import gc
from kernel_runtime import link as wire
link = next(o for o in gc.get_objects() if isinstance(o, wire.Link))
run = next(o for o in gc.get_objects() if type(o).__name__ == "Kernel" and hasattr(o, "current_id")).current_id()
for _ in range(7):
    link.send({"type": "stream", "id": run, "name": "stdout", "text": "x" * (1 << 20)})
value = {"kind": "text", "repr": "y" * (1 << 20)}
for _ in range(60):
    link.send({"type": "result", "id": run, "lineno": 1, "end_lineno": 1, "value": value})
link.flush()
"""
SPIN_EVERYTHING = """
import os, threading
def spin():
    while True:
        pass
for _ in range(8):
    threading.Thread(target=spin, daemon=True).start()
for _ in range(60):
    if os.fork() == 0:
        for _ in range(4):
            threading.Thread(target=spin, daemon=True).start()
        spin()
spin()
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def backpressure(base: str, seconds: float) -> dict:
    pid = server_pid(base.rsplit(":", 1)[1])
    cookie = await asyncio.to_thread(session_cookie, base)
    websocket = await connect(base, cookie)
    await execute(websocket, "1", "warm")
    before = rss_mb(pid)
    peak = before
    deadline = time.monotonic() + seconds
    sent = 0
    while time.monotonic() < deadline:
        for _ in range(5):  # stay under the queue limit while nobody reads the answers
            await websocket.send(json.dumps({"type": "execute", "id": uuid.uuid4().hex, "code": FLOOD}))
            sent += 1
        await asyncio.sleep(1.0)
        peak = max(peak, rss_mb(pid))
    await websocket.close()
    return {"rss_before_mb": round(before, 1), "rss_peak_mb": round(peak, 1), "growth_mb": round(peak - before, 1),
            "runs_sent": sent}  # fmt: skip


async def round_trips(websocket, count: int) -> list[float]:
    """Milliseconds per `t + 10`."""
    await set_up_t(websocket, warm_runs=0)
    return [seconds * 1000 for seconds in await time_runs(websocket, count)]


async def fairness(base: str, count: int) -> dict:
    neighbour = await connect(base, await asyncio.to_thread(session_cookie, base))
    quiet = await round_trips(neighbour, count)
    attackers = []
    for _ in range(2):
        attacker = await connect(base, await asyncio.to_thread(session_cookie, base))
        await attacker.send(json.dumps({"type": "execute", "id": uuid.uuid4().hex, "code": SPIN_EVERYTHING}))
        attackers.append(attacker)
    await asyncio.sleep(3.0)  # let them start everything they can
    loud = await round_trips(neighbour, count)
    for websocket in (*attackers, neighbour):
        await websocket.close()
    p50_quiet, p50_loud = percentile(quiet, 50), percentile(loud, 50)
    return {
        "quiet_p50_ms": round(p50_quiet, 2),
        "quiet_p95_ms": round(percentile(quiet, 95), 2),
        "attacked_p50_ms": round(p50_loud, 2),
        "attacked_p95_ms": round(percentile(loud, 95), 2),
        "ratio_p50": round(p50_loud / p50_quiet, 2),
    }


async def main(args: argparse.Namespace) -> None:
    with running_site(quiet=True) as base:
        results = {"backpressure": await backpressure(base, args.seconds)}
        results["fairness"] = await fairness(base, args.round_trips)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--round-trips", type=int, default=300)
    asyncio.run(main(parser.parse_args()))
