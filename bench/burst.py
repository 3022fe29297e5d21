"""A class told "open the page now": N new visitors at once, page to first tensor result.

    .venv/bin/python -m bench.burst [--visitors 50] [--waves 2] [--spread S] [--config NAME=VAR=VALUE,...]

Each visitor gets a fresh session cookie from `GET /` (untimed, as the page load before its
websocket), then its clock starts: websocket open, `tf.constant([1., 2., 3.]) + 1`, its result.
By default all N start at the same moment (`asyncio.gather`), the worst case; `--spread S`
starts them evenly over S seconds instead ("50 visitors within one second" is `--spread 1`),
each timed from its own start. A wave is one such burst; waves are 20 s apart so the pool can
refill in between. Several `--config`s (site settings, e.g.
`big=PLAYGROUND_POOL_SIZE=50`) run in turn, each on its own site. It also reports the CPU the
web process used per visitor, page loads included and in the timed part alone, the CPU of the
kernels (their cgroups' counters), the bench's own CPU in the timed part (its 50 clients share
the 2 cores with the site), the kernels alive as the wave starts and the load average.

The site runs with PLAYGROUND_MAX_KERNELS=400 unless a config says otherwise, as bench.compare
does: a wave's sessions keep their kernels after their pages close (PLAYGROUND_DETACHED_GRACE_S),
and every simulated visitor comes from 127.0.0.1, so on a 100-kernel host the second wave would
be evicting the first under the per-address share. The bench measures the burst, not admission.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

from .cpu import kernels_cpu, kernels_cpu_s, process_cpu_s
from .report import header, save_report
from .site import parse_config, running_site, server_pid, session_cookie
from .stats import percentile
from .workloads import new_session

WAVE_GAP_S = 20.0
SITE_ENV = {"PLAYGROUND_MAX_KERNELS": "400"}


async def wave(base: str, pid: int, visitors: int, spread_s: float = 0.0) -> dict:
    web, kernels = process_cpu_s(pid), kernels_cpu(pid)
    live = len(kernels)
    cookies = [await asyncio.to_thread(session_cookie, base) for _ in range(visitors)]
    load = os.getloadavg()[0]
    timed_web, client = process_cpu_s(pid), time.process_time()
    starts = [spread_s * i / visitors for i in range(visitors)]
    times = await asyncio.gather(*(_arrive(base, cookie, at) for cookie, at in zip(cookies, starts, strict=True)))
    timed_web, client = process_cpu_s(pid) - timed_web, time.process_time() - client
    ms = [t * 1000 for t in times]
    return {
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "web_cpu_per_visitor_ms": round((process_cpu_s(pid) - web) / visitors * 1000, 1),
        "web_cpu_timed_per_visitor_ms": round(timed_web / visitors * 1000, 1),
        "kernel_cpu_per_visitor_ms": round(kernels_cpu_s(pid, since=kernels) / visitors * 1000, 1),
        "client_cpu_timed_per_visitor_ms": round(client / visitors * 1000, 1),
        "kernels_alive_before": live,
        "load_1min": round(load, 2),
    }


async def _arrive(base: str, cookie: str, after_s: float) -> float:
    if after_s:
        await asyncio.sleep(after_s)
    return await new_session(base, cookie)


def measure(visitors: int, waves: int, env: dict[str, str], spread_s: float = 0.0) -> dict:
    with running_site({**SITE_ENV, **env}, quiet=True) as base:
        pid = server_pid(base.rsplit(":", 1)[1])
        time.sleep(WAVE_GAP_S)  # the pool fills before the class arrives
        rows = []
        for _ in range(waves):
            rows.append(asyncio.run(wave(base, pid, visitors, spread_s)))
            print(json.dumps(rows[-1]), flush=True)
            time.sleep(WAVE_GAP_S)
    return {"visitors": visitors, "spread_s": spread_s, "env": env, "waves": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--waves", type=int, default=2)
    parser.add_argument("--spread", type=float, default=0.0, help="seconds over which a wave's visitors arrive")
    parser.add_argument("--config", action="append", type=parse_config, help="NAME=VAR=VALUE,VAR=VALUE")
    args = parser.parse_args()
    report: dict = header() | {"configs": {}}
    for name, env in args.config or [("default", {})]:
        print(f"{name}: {env}", flush=True)
        report["configs"][name] = measure(args.visitors, args.waves, env, args.spread)
    save_report(report, "burst")


if __name__ == "__main__":
    main()
