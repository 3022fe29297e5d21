"""Every request pays its way: a neighbour's page load and `t + 10` while four clients send the
most expensive requests each endpoint accepts, as fast as its limits let them (issue 23).

    .venv/bin/python -m bench.edge [--old-commit REV] [--rounds 2] [--seconds 30]

Each round serves the code of `--old-commit` (a worktree, default: the commit before the web
edge's change) and this checkout, one after the other, so both meet the machine in the same
state. In each: a quiet phase (the neighbour alone), then an attack phase (four clients, each its
own address through X-Forwarded-For from a trusted proxy, in threads of another process, cycling
through the payloads below as fast as the site's limits let them: a request refused with
Retry-After is sent again when it says; --flood sends it again at once, an HTTP flood). The
neighbour measures page loads of `/` and `t + 10` round trips throughout; this checkout's site
also reports its event loop's lag as a metric (playground/metrics.py), read before and after
the attack.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from .report import header, save_report
from .site import ROOT, connect, free_port, running_site, session_cookie
from .stats import summary_ms
from .workloads import set_up_t, time_runs

DEFAULT_OLD = "a4fee30"  # the layout of issue 22, before any of issue 23
MANY_CELLS = "#%%\n" * 16_380  # 64 KiB of cells: a link whose .ipynb took ~2 s to build, every time


def payloads(long_link: str) -> dict[str, tuple[str, str, bytes, str]]:
    """name -> (method, path, body, content type): the most expensive request of each endpoint."""
    stream = [{"type": "stream", "name": "stdout", "text": "x" * 2000}]
    cells = json.dumps({"cells": [{"code": "x = 1", "outputs": stream} for _ in range(1000)]}).encode()
    empty = json.dumps({"cells": [{"code": ""}] * 150_000}).encode()
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "y = 2\n" * 400}
    # 900 cells of 2.4 KB: within the old code's 2.5 MB body limit too, so both do the same work.
    notebook = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell] * 900}).encode()
    share = json.dumps({"code": "x = 1\n" * 10_000, "outputs": stream * 100}).encode()
    return {
        "empty-cells": ("POST", "/api/notebook", empty, "application/json"),
        "cells": ("POST", "/api/notebook", cells, "application/json"),
        "ipynb": ("POST", "/api/notebook/code", notebook, "application/json"),
        "link-ipynb": ("GET", f"/s/{long_link}.ipynb", b"", ""),
        "embed": ("GET", f"/e/{long_link}", b"", ""),
        "share": ("POST", "/api/snippets", share, "application/json"),
    }


def request(base: str, method: str, path: str, body: bytes, kind: str, address: str) -> tuple[int, float]:
    """The status of one request (0: the connection was cut) and the Retry-After it carried."""
    headers = {"X-Forwarded-For": address} | ({"Content-Type": kind} if kind else {})
    call = urllib.request.Request(base + path, data=body or None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=120) as answer:
            answer.read()
            return answer.status, 0.0
    except urllib.error.HTTPError as refused:
        return refused.code, float(refused.headers.get("Retry-After") or 0)
    except OSError:
        return 0, 0.0


def attack(base: str, address: str, work: list, stop: threading.Event, answers: list[int], flood: bool) -> None:
    """Send each payload in turn, as fast as the site's limits let it through: a payload refused
    with Retry-After waits that long (unless `flood`: then every refusal is sent again at once)."""
    allowed_at = [0.0] * len(work)
    while not stop.is_set():
        due = [n for n, at in enumerate(allowed_at) if at <= time.monotonic()]
        if not due:
            stop.wait(min(allowed_at) - time.monotonic())
        for n in due:
            if stop.is_set():
                return
            status, retry_after = request(base, *work[n], address)
            answers.append(status)
            if retry_after and not flood:
                allowed_at[n] = time.monotonic() + retry_after


def share_long_link(base: str) -> str:
    body = json.dumps({"code": MANY_CELLS}).encode()
    call = urllib.request.Request(base + "/api/snippets", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(call) as answer:
        return json.loads(answer.read())["id"]


async def neighbour(base: str, seconds: float) -> dict:
    """Page loads and `t + 10` round trips, interleaved, for `seconds`."""
    websocket = await connect(base, session_cookie(base))
    await set_up_t(websocket)
    pages, trips = [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        await asyncio.to_thread(request, base, "GET", "/", b"", "", "10.9.9.9")
        pages.append(time.perf_counter() - started)
        trips += await time_runs(websocket, 3)
        await asyncio.sleep(0.1)
    await websocket.close()
    return {"page_load": summary_ms(pages), "t_plus_10": summary_ms(trips)}


def lag_buckets(metrics_url: str | None) -> dict[float, float]:
    if metrics_url is None:
        return {}
    with urllib.request.urlopen(metrics_url) as answer:
        text = answer.read().decode()
    buckets = {}
    for line in text.splitlines():
        if line.startswith("playground_event_loop_lag_seconds_bucket"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def lag_p99_ms(before: dict[float, float], after: dict[float, float]) -> float | None:
    """The upper bound of the bucket holding the 99th percentile of the lag between two scrapes."""
    if not after:
        return None
    counts = {bound: after[bound] - before.get(bound, 0.0) for bound in sorted(after)}
    total = counts[float("inf")]
    for bound, cumulative in counts.items():
        if total and cumulative >= 0.99 * total:
            return bound * 1000
    return None


async def measure(root: Path, seconds: float, with_metrics: bool, names: list[str], flood: bool) -> dict:
    port = free_port()
    env = {"TRUSTED_PROXIES": "127.0.0.1"} | ({"PLAYGROUND_METRICS_PORT": str(port)} if with_metrics else {})
    metrics_url = f"http://127.0.0.1:{port}/metrics" if with_metrics else None
    with running_site(env, quiet=True, root=root) as base:
        every = payloads(share_long_link(base))
        work = [every[name] for name in names or every]
        quiet = await neighbour(base, seconds)
        before = lag_buckets(metrics_url)
        # The attackers in a process of their own: in this one they would hold the GIL the
        # neighbour's timings need, and time this process, not the site.
        with multiprocessing.get_context("spawn").Pool(1) as attackers:
            answers = attackers.apply_async(attack_for, (base, work, seconds + 2, flood))
            attacked = await neighbour(base, seconds)
            after = lag_buckets(metrics_url)
            statuses = await asyncio.to_thread(answers.get, 200)
    return {"quiet": quiet, "attacked": attacked, "attack_answers": statuses, "lag_p99_ms": lag_p99_ms(before, after)}


def attack_for(base: str, work: list, seconds: float, flood: bool) -> dict[str, int]:
    """Four attackers, each its own address, for `seconds`; how the site answered them.

    Niced: clients are other machines, and here the load generator shares the site's two cores;
    at the same priority its own CPU (building and reading megabytes) would be what the
    neighbour measures. The site's worker for conversions is niced too, by the site itself."""
    os.nice(19)
    stop, answers = threading.Event(), []
    threads = [
        threading.Thread(target=attack, args=(base, f"10.0.0.{n}", work, stop, answers, flood), daemon=True)
        for n in range(1, 5)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(150)
    return {str(code): answers.count(code) for code in sorted(set(answers))}


def worktree(commit: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="playground-old-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), commit], cwd=ROOT, check=True, capture_output=True
    )
    return folder


async def main(args: argparse.Namespace) -> None:
    old = worktree(args.old_commit)
    report = header() | {"old_commit": args.old_commit, "seconds": args.seconds, "rounds": []}
    try:
        for n in range(args.rounds):
            entry = {}
            for name, root in (("old", old), ("new", ROOT)):
                if name not in args.versions:
                    continue
                names = args.payloads.split(",") if args.payloads else []
                entry[name] = await measure(root, args.seconds, name == "new", names, args.flood)
                print(f"round {n + 1} {name}: {json.dumps(entry[name])}", flush=True)
            report["rounds"].append(entry)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False)
    report["summary"] = summarize(report["rounds"])
    print(json.dumps(report["summary"], indent=1))
    save_report(report, "edge")


def summarize(rounds: list[dict]) -> dict:
    """The worst round of each: attacked p95 against quiet p95, and the lag."""
    summary = {}
    for name in rounds[0]:
        ratios = {
            what: max(r[name]["attacked"][what]["p95_ms"] / r[name]["quiet"][what]["p95_ms"] for r in rounds)
            for what in ("page_load", "t_plus_10")
        }
        lags = [r[name]["lag_p99_ms"] for r in rounds if r[name]["lag_p99_ms"] is not None]
        summary[name] = {f"{what}_p95_attacked_over_quiet": round(v, 2) for what, v in ratios.items()}
        summary[name]["event_loop_lag_p99_ms"] = max(lags) if lags else None
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old-commit", default=DEFAULT_OLD)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--versions", default="old,new", help="which to run: old, new or both")
    parser.add_argument("--payloads", default="", help="names of payloads() to send (default: all)")
    parser.add_argument("--flood", action="store_true", help="ignore Retry-After: send refused requests again at once")
    asyncio.run(main(parser.parse_args()))
