"""What a ready kernel costs and what a visitor's first run costs it, from the processes' own counters.

    .venv/bin/python -m bench.ready_kernel [--sessions 10] [--before <checkout>] [--pairs 1]

A site with 8 kernels in its pool, left 25 s to fill. Then, for each ready kernel (the process
under the site with the seccomp filter: memory.is_kernel), its own memory (private dirty pages),
its PSS and its page faults so far; the same for their parents, the namespaces' inits. Then `--sessions` new
sessions, one at a time, each running `tf.constant([1., 2., 3.]) + 1` once: the kernel that
answered is the one whose CPU (the sum of its threads' schedstat) and page faults grew most,
and those growths are the first run's cost. `--before` alternates with another checkout (a
worktree of an earlier commit), as bench.run_cpu does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from pathlib import Path

from .memory import PROC, is_kernel, parents
from .report import save_report
from .site import ROOT, connect, execute, running_site, server_pid, session_cookie
from .stats import descendants, parse_smaps_rollup, parse_stat_minor_faults, percentile
from .workloads import FIRST_TENSOR

POOL_SIZE = 8
FILL_S = 25.0


def kernels_and_inits(server: int) -> tuple[list[int], list[int]]:
    ppids = parents()
    kernels = [pid for pid in descendants(server, ppids) if is_kernel(pid)]
    return kernels, [ppids[pid] for pid in kernels]


def _faults(pid: int) -> int:
    return parse_stat_minor_faults((PROC / str(pid) / "stat").read_text())


def _cpu_ns(pid: int) -> int:
    return sum(int(task.read_text().split()[0]) for task in (PROC / str(pid) / "task").glob("*/schedstat"))


def _memory(pid: int) -> dict:
    rollup = parse_smaps_rollup((PROC / str(pid) / "smaps_rollup").read_text())
    return {"private_dirty_kb": rollup.get("Private_Dirty", 0), "pss_kb": rollup.get("Pss", 0), "faults": _faults(pid)}


def _medians(rows: list[dict]) -> dict:
    return {key: percentile([row[key] for row in rows], 50) for key in rows[0]} if rows else {}


def _counters(server: int) -> dict[int, tuple[int, int]]:
    counters = {}
    for pid in kernels_and_inits(server)[0]:
        with contextlib.suppress(OSError):
            counters[pid] = (_cpu_ns(pid), _faults(pid))
    return counters


async def first_runs(base: str, server: int, sessions: int) -> list[dict]:
    rows = []
    for i in range(sessions):
        cookie = await asyncio.to_thread(session_cookie, base)
        async with await connect(base, cookie) as websocket:
            await asyncio.sleep(1.0)  # attached, and the pool's refill started
            before = _counters(server)
            messages = await execute(websocket, FIRST_TENSOR, f"first-{i}")
            assert messages[0]["type"] == "result", messages
            await asyncio.sleep(0.3)
            after = _counters(server)
        grown = [(cpu - before[pid][0], flt - before[pid][1]) for pid, (cpu, flt) in after.items() if pid in before]
        cpu_ns, faults = max(grown)
        rows.append({"cpu_ms": round(cpu_ns / 1e6, 2), "faults": faults})
    return rows


def measure(root: Path, sessions: int) -> dict:
    with running_site({"PLAYGROUND_POOL_SIZE": str(POOL_SIZE)}, quiet=True, root=root) as base:
        server = server_pid(base.rsplit(":", 1)[1])
        time.sleep(FILL_S)
        kernels, inits = kernels_and_inits(server)
        ready = [_memory(pid) for pid in kernels]
        init_memory = [_memory(pid) for pid in inits]
        runs = asyncio.run(first_runs(base, server, sessions))
    return {
        "tree": str(root),
        "ready_kernels": len(ready),
        "ready_kernel": _medians(ready),
        "init": _medians(init_memory),
        "first_run": _medians(runs),
        "first_runs_cpu_ms": sorted(row["cpu_ms"] for row in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit, measured alternately")
    parser.add_argument("--pairs", type=int, default=1)
    args = parser.parse_args()
    trees = [args.before, ROOT] if args.before else [ROOT]
    rows = []
    for _ in range(args.pairs):
        for tree in trees:
            rows.append(measure(tree.resolve(), args.sessions))
            print(json.dumps(rows[-1]), flush=True)
    save_report({"when": time.strftime("%Y-%m-%d %H:%M:%S"), "rows": rows}, "ready_kernel")


if __name__ == "__main__":
    main()
