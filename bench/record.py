"""What the session's record costs (issue 24): its size after the lesson, the web process's CPU
to redraw 50 runs for a page that comes back, and `t + 10` against the code before the record.

    .venv/bin/python -m bench.record [--old-commit REV] [--rounds 2] [--round-trips 300] [--reconnects 20]

The round trips alternate between a site serving `--old-commit` (a worktree) and this checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess

from .cpu import process_cpu_s
from .edge import worktree
from .report import header, save_report
from .site import ROOT, connect, execute, next_message, running_site, server_pid, session_cookie
from .stats import summary_ms
from .workloads import set_up_t, time_runs

DEFAULT_OLD = "b418529"  # the last commit before the record
FIFTY_RUNS = [f"x{n} = tf.random.normal([3, 4], seed={n})\nprint('run', {n})\nx{n} * 2" for n in range(50)]


async def record_after(base: str, cookie: str) -> tuple[int, int]:
    """A page of the session opening: (record messages, their bytes) until the last part."""
    websocket = await connect(base, cookie)
    parts, size = 0, 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            while True:
                message = await next_message(websocket)
                if message["type"] == "record":
                    parts, size = parts + 1, size + len(json.dumps(message))
                elif parts:  # what follows the record: its status or variables
                    break
    await websocket.close()
    return parts, size


async def lesson_record(base: str) -> dict:
    from playground import examples

    cookie = session_cookie(base)
    websocket = await connect(base, cookie)
    for n, path in enumerate(sorted((examples.FOLDER / "en").glob("*.py"))):
        await execute(websocket, path.read_text(), f"lesson-{n}")
    await websocket.close()
    parts, size = await record_after(base, cookie)
    return {"record_messages": parts, "record_bytes": size}


async def redraw_cpu(base: str, reconnects: int) -> dict:
    """Web CPU per page that comes back to a session of 50 runs."""
    server = server_pid(base.rsplit(":", 1)[1])
    cookie = session_cookie(base)
    websocket = await connect(base, cookie)
    for n, code in enumerate(FIFTY_RUNS):
        await execute(websocket, code, f"fifty-{n}")
    await websocket.close()
    sizes, started = [], process_cpu_s(server)
    for _ in range(reconnects):
        sizes.append((await record_after(base, cookie))[1])
    used = process_cpu_s(server) - started
    return {"reconnects": reconnects, "web_cpu_ms_per_redraw": round(used / reconnects * 1000, 2), "bytes": sizes[-1]}


async def round_trips(base: str, count: int) -> dict:
    websocket = await connect(base, session_cookie(base))
    await set_up_t(websocket)
    times = await time_runs(websocket, count)
    await websocket.close()
    return summary_ms(times)


async def main(args: argparse.Namespace) -> None:
    report = header() | {"old_commit": args.old_commit, "rounds": []}
    with running_site(quiet=True) as base:
        report["lesson"] = await lesson_record(base)
        report["redraw"] = await redraw_cpu(base, args.reconnects)
    print(json.dumps({"lesson": report["lesson"], "redraw": report["redraw"]}), flush=True)
    old = worktree(args.old_commit)
    try:
        for n in range(args.rounds):
            entry = {}
            for name, root in (("old", old), ("new", ROOT)):
                with running_site(quiet=True, root=root) as base:
                    entry[name] = await round_trips(base, args.round_trips)
                print(f"round {n + 1} {name}: t + 10 {entry[name]}", flush=True)
            report["rounds"].append(entry)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)
    save_report(report, "record")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old-commit", default=DEFAULT_OLD)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--round-trips", type=int, default=300)
    parser.add_argument("--reconnects", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
