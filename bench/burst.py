"""A class told "open the page now": N new visitors at once, page to first tensor result.

    .venv/bin/python -m bench.burst [--visitors 50] [--waves 2] [--config NAME=VAR=VALUE,...]

Each visitor gets a fresh session cookie from `GET /` (untimed, as the page load before its
websocket), then the clock starts: websocket open, `tf.constant([1., 2., 3.]) + 1`, its result.
All N start within the same moment (`asyncio.gather`). A wave is one such burst; waves are 20 s
apart so the pool can refill in between. Several `--config`s (site settings, e.g.
`big=PLAYGROUND_POOL_SIZE=50`) run in turn, each on its own site. It also reports the CPU the
web process (the page loads included) and the live kernels used per visitor (their own counters).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from .__main__ import machine
from .compare import pg_burst
from .fit import parse_config
from .hostile import server_pid
from .run_cpu import kernels_cpu, kernels_cpu_s, process_cpu_s
from .site import running_site
from .stats import percentile, save_report

WAVE_GAP_S = 20.0


def measure(visitors: int, waves: int, env: dict[str, str]) -> dict:
    with running_site(env, quiet=True) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        time.sleep(WAVE_GAP_S)  # the pool fills before the class arrives
        rows = []
        for _ in range(waves):
            web, kernels = process_cpu_s(pid), kernels_cpu(pid)
            times = asyncio.run(pg_burst(base, visitors))
            ms = [t * 1000 for t in times]
            rows.append(
                {
                    "p50_ms": round(percentile(ms, 50), 1),
                    "p95_ms": round(percentile(ms, 95), 1),
                    "max_ms": round(max(ms), 1),
                    "web_cpu_per_visitor_ms": round((process_cpu_s(pid) - web) / visitors * 1000, 1),
                    "kernel_cpu_per_visitor_ms": round(kernels_cpu_s(pid, since=kernels) / visitors * 1000, 1),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
            time.sleep(WAVE_GAP_S)
    return {"visitors": visitors, "env": env, "waves": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--config", action="append", type=parse_config, help="NAME=VAR=VALUE,VAR=VALUE")
    args = parser.parse_args()
    report: dict = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M:%S"), "configs": {}}
    for name, env in args.config or [("default", {})]:
        print(f"{name}: {env}", flush=True)
        report["configs"][name] = measure(args.visitors, args.waves, env)
    save_report(report, "burst")


if __name__ == "__main__":
    main()
