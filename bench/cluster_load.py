"""Load and soak: many concurrent sessions on the scaled-out site (Redis, 2 web processes,
2 kernel hosts), every answer checked, latency and memory recorded.

    .venv/bin/python -m bench.cluster_load --sessions 100 --seconds 60      # load
    .venv/bin/python -m bench.cluster_load --sessions 100 --seconds 600     # the 10-minute soak

Traffic stays on loopback; every loop is bounded by --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from pathlib import Path

from .cluster import Cluster
from .cpu import process_cpu_s
from .report import save_report
from .site import connect, execute, session_cookie
from .stats import percentile


class Ramp:
    """All visitors open their sessions first; the measured phase starts once all are in."""

    def __init__(self, visitors: int, seconds: float):
        self.waiting, self.seconds = visitors, seconds
        self.all_in = asyncio.Event()
        self.until = 0.0
        self.ramp_s = 0.0
        self._started = time.monotonic()

    def arrived(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.ramp_s = time.monotonic() - self._started
            self.until = time.monotonic() + self.seconds
            self.all_in.set()


async def visitor(base: str, number: int, ramp: Ramp, latencies: list[float], errors: list[str]) -> None:
    try:
        cookie = await asyncio.to_thread(session_cookie, base)
        websocket = await asyncio.wait_for(connect(base, cookie), 60)
        await asyncio.wait_for(execute(websocket, f"t = tf.fill([64, 64], {number}.0)", "setup"), 60)
    except Exception as exc:
        errors.append(f"visitor {number} could not start: {exc!r}")
        ramp.arrived()
        return
    ramp.arrived()
    async with websocket:
        await ramp.all_in.wait()
        step = 0
        while time.monotonic() < ramp.until:
            step += 1
            code = f"int(tf.reduce_sum(t + {step}))"
            started = time.perf_counter()
            try:
                messages = await asyncio.wait_for(execute(websocket, code, uuid.uuid4().hex), 60)
            except TimeoutError:
                errors.append(f"visitor {number} step {step}: no answer within 60 s")
                return
            latencies.append(time.perf_counter() - started)
            results = [m for m in messages if m["type"] == "result"]
            expected = str(64 * 64 * (number + step))
            if not results or results[0]["value"]["repr"] != expected:
                errors.append(f"visitor {number} step {step}: {messages[-2:]}")
            await asyncio.sleep(0.5)  # a person reads the answer before the next run


def memory_available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def sample_memory(ramp: Ramp, samples: list[tuple[float, float]], every_s: float) -> None:
    await ramp.all_in.wait()
    start = time.monotonic()
    while time.monotonic() < ramp.until:
        samples.append((round(time.monotonic() - start, 1), round(memory_available_mb(), 1)))
        await asyncio.sleep(every_s)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (not their children) so far."""
    return sum(process_cpu_s(pid) for pid in pids)


async def measure_cpu(ramp: Ramp, pids: list[int], spent: list[float]) -> None:
    """CPU the web processes and kernel hosts (not the kernels) spend in the measured phase:
    unlike latency, it barely moves when other work shares the machine."""
    await ramp.all_in.wait()
    start = cpu_seconds(pids)
    await asyncio.sleep(max(0.0, ramp.until - time.monotonic()))
    spent.append(cpu_seconds(pids) - start)


async def run(args: argparse.Namespace) -> dict:
    with Cluster(webs=2, kernelhosts=2) as cluster:
        bases = [web.base for web in cluster.webs]
        before = memory_available_mb()
        latencies: list[float] = []
        errors: list[str] = []
        samples: list[tuple[float, float]] = []
        cpu: list[float] = []
        pids = [web.process.pid for web in cluster.webs] + [host.pid for host in cluster.kernelhosts]
        ramp = Ramp(args.sessions, args.seconds)
        visitors = [visitor(bases[n % len(bases)], n, ramp, latencies, errors) for n in range(args.sessions)]
        await asyncio.gather(sample_memory(ramp, samples, args.sample_every), measure_cpu(ramp, pids, cpu), *visitors)
        elapsed = args.seconds
    ms = [x * 1000 for x in latencies]
    report = {
        "sessions": args.sessions,
        "ramp_up_s": round(ramp.ramp_s, 1),
        "seconds": round(elapsed, 1),
        "runs": len(ms),
        "errors": len(errors),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "web_and_host_cpu_ms_per_run": round(cpu[0] * 1000 / len(ms), 3),
        "memory_available_before_mb": round(before, 1),
        "memory_available_samples_mb": samples,
        "first_errors": errors[:5],
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster_load", description=__doc__)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--sample-every", type=float, default=10)
    args = parser.parse_args()
    report = asyncio.run(run(args))
    summary = {k: v for k, v in report.items() if k != "memory_available_samples_mb"}
    print(json.dumps(summary, indent=2))
    samples = report["memory_available_samples_mb"]
    if len(samples) >= 3:
        steady = samples[len(samples) // 3 :]
        print(
            f"MemAvailable after warm-up: first {steady[0][1]:.0f} MB, last {steady[-1][1]:.0f} MB, "
            f"drift {steady[-1][1] - steady[0][1]:+.0f} MB over {steady[-1][0] - steady[0][0]:.0f} s"
        )
    save_report(report, f"load-{args.sessions}x{int(args.seconds)}s")


if __name__ == "__main__":
    main()
