"""The playground against its nearest peer, Jupyter Server + ipykernel, on the same work.

    make bench-compare              # or: .venv/bin/python -m bench.compare [--quick]

Both servers run on loopback ports of this machine and are driven over their websockets by
this one process. For each figure it prints the playground, Jupyter, the ratio (Jupyter /
playground: above 1 the playground is better) and the issue's target, then writes everything
to bench/results/compare-<timestamp>.json. Method and figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

from . import compare_load as load
from . import completion, memory
from . import jupyter as jup
from .compare_table import print_table, table
from .report import header, machine_with_load, save_report
from .site import connect, next_message, running_site, server_pid, session_cookie
from .workloads import (
    FIRST_TENSOR,
    FIT_CODE,
    IMPORTS,
    T_RUN,
    T_SETUP,
    fit_in_plain_process,
    fit_in_session,
    new_session,
    new_sessions,
    set_up_t,
)

# --- the playground ---------------------------------------------------------------------------


async def pg_burst(base: str, visitors: int) -> list[float]:
    cookies = [await asyncio.to_thread(session_cookie, base) for _ in range(visitors)]
    return list(await asyncio.gather(*(new_session(base, c) for c in cookies)))


async def pg_round_trips(base: str, count: int) -> dict:
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        await set_up_t(websocket)
        done, result, kernel = [], [], []
        for i in range(count):
            request_id = f"rt-{i}"
            started = time.perf_counter()
            await websocket.send(json.dumps({"type": "execute", "id": request_id, "code": T_RUN}))
            while True:
                message = await next_message(websocket)
                if message.get("id") != request_id:
                    continue
                if message["type"] == "result":
                    result.append(time.perf_counter() - started)
                    assert message["value"]["values"][0][0] == 11.0
                elif message["type"] == "done":
                    done.append(time.perf_counter() - started)
                    kernel.append(message["elapsed_ms"] / 1000)
                    break
    return {"done": done, "result": result, "kernel": kernel}


# --- Jupyter ----------------------------------------------------------------------------------


async def jup_new_session(server: jup.JupyterServer) -> float:
    """POST a kernel, open its websocket, import TensorFlow and get the first tensor."""
    started = time.perf_counter()
    kernel_id = await asyncio.to_thread(server.start_kernel)
    session = await server.connect(kernel_id)
    out = await session.execute("import tensorflow as tf\n" + FIRST_TENSOR, want_result=True)
    elapsed = out["t_result"] - started
    assert "numpy=array([2., 3., 4.]" in jup.result_text(out), out
    await session.close()
    await asyncio.to_thread(server.shutdown_kernel, kernel_id)
    return elapsed


async def jup_round_trips(server: jup.JupyterServer, count: int) -> dict:
    kernel_id = await asyncio.to_thread(server.start_kernel)
    session = await server.connect(kernel_id)
    await session.execute("import tensorflow as tf\n" + T_SETUP)
    for _ in range(20):
        await session.execute(T_RUN, want_result=True)
    cpu_before = memory.tree_cpu_s(server.pid)  # the kernel's import of TensorFlow left out
    done, result = [], []
    for _ in range(count):
        out = await session.execute(T_RUN, want_result=True)
        done.append(out["t_reply"] - out["t_sent"])
        result.append(out["t_result"] - out["t_sent"])
    assert "11." in jup.result_text(out)
    cpu = memory.tree_cpu_s(server.pid)  # before the kernel is shut down and its CPU time lost
    await session.close()
    await asyncio.to_thread(server.shutdown_kernel, kernel_id)
    return {"done": done, "result": result, "cpu": (cpu_before, cpu)}


async def jup_fit(server: jup.JupyterServer) -> tuple[float, int]:
    kernel_id = await asyncio.to_thread(server.start_kernel)
    session = await server.connect(kernel_id)
    code = IMPORTS + FIT_CODE.format(verbose="verbose='auto'") + "elapsed"
    out = await session.execute(code, want_result=True)
    await session.close()
    await asyncio.to_thread(server.shutdown_kernel, kernel_id)
    return float(jup.result_text(out)), len(out["stream"])


# --- the run ----------------------------------------------------------------------------------


def settings(quick: bool) -> dict:
    if quick:
        return {
            "warm_sessions": 8,
            "jupyter_sessions": 3,
            "burst": 20,
            "jupyter_burst": 5,
            "round_trips": 200,
            "fits": 1,
            "pg_levels": [25, 100],
            "jupyter_levels": [5],
            "rounds": 3,
            "questions": 20,
        }
    return {
        "warm_sessions": 20,
        "jupyter_sessions": 5,
        "burst": 20,
        "jupyter_burst": 20,
        "round_trips": 300,
        "fits": 5,
        "pg_levels": [25, 50, 100, 200, 300],
        "jupyter_levels": [10, 25, 50],
        "rounds": 5,
        "questions": 80,
    }


async def latency_figures(base: str, server: jup.JupyterServer, cfg: dict, site_pid: int) -> tuple[dict, dict]:
    """The raw timings, and a CPU profile: server-tree CPU per new session and per round trip."""
    raw: dict = {}
    profile: dict = {}
    await new_session_figures(base, server, cfg, site_pid, raw, profile)
    await round_trip_figures(base, server, cfg, site_pid, raw, profile)
    print("5-epoch fits (playground, Jupyter, plain process, interleaved) ...", flush=True)
    raw["pg_fit"], raw["jup_fit"], raw["plain_fit"] = [], [], []
    for _ in range(cfg["fits"]):
        raw["pg_fit"].append(await fit_in_session(base))
        raw["jup_fit"].append(await jup_fit(server))
        raw["plain_fit"].append(await asyncio.to_thread(fit_in_plain_process))
    return raw, profile


async def new_session_figures(
    base: str, server: jup.JupyterServer, cfg: dict, site_pid: int, raw: dict, profile: dict
) -> None:
    """New visitors one at a time and in a burst, each way; the site's CPU per burst visitor."""
    print("new session -> first tensor (pool warm / sequential) ...", flush=True)
    raw["pg_new"] = await new_sessions(base, cfg["warm_sessions"], pause_s=1.0)
    raw["jup_new"] = [await jup_new_session(server) for _ in range(cfg["jupyter_sessions"])]
    print(f"burst of {cfg['burst']} new visitors at once ...", flush=True)
    await asyncio.sleep(2)
    before = memory.tree_cpu_s(site_pid)
    raw["pg_burst"] = await pg_burst(base, cfg["burst"])
    await asyncio.sleep(1)  # the pool refills after the burst: counted, it is part of the cost
    profile["pg_burst_cpu_ms_per_session"] = memory.cpu_delta_ms(before, memory.tree_cpu_s(site_pid), cfg["burst"])
    raw["jup_burst"] = list(await asyncio.gather(*(jup_new_session(server) for _ in range(cfg["jupyter_burst"]))))


async def round_trip_figures(
    base: str, server: jup.JupyterServer, cfg: dict, site_pid: int, raw: dict, profile: dict
) -> None:
    """`t + 10` round trips each way, with the servers' and this client's CPU per run."""
    print(f"{cfg['round_trips']} round trips of t + 10 ...", flush=True)
    before, client = memory.tree_cpu_s(site_pid), time.process_time()
    raw["pg_rt"] = await pg_round_trips(base, cfg["round_trips"])
    runs = cfg["round_trips"] + 21
    profile["pg_rt_cpu_ms_per_run"] = memory.cpu_delta_ms(before, memory.tree_cpu_s(site_pid), runs)
    profile["pg_rt_cpu_ms_per_run"]["client"] = round((time.process_time() - client) * 1000 / runs, 3)
    client = time.process_time()
    raw["jup_rt"] = await jup_round_trips(server, cfg["round_trips"])
    profile["jup_rt_cpu_ms_per_run"] = memory.cpu_delta_ms(*raw["jup_rt"].pop("cpu"), cfg["round_trips"])
    profile["jup_rt_cpu_ms_per_run"]["client"] = round((time.process_time() - client) * 1000 / runs, 3)


async def pool_lever(burst: int) -> list[float]:
    """The burst again, on a site whose pool holds as many ready kernels as the burst has visitors."""
    with running_site({"PLAYGROUND_POOL_SIZE": str(burst)}, quiet=True) as base:
        await asyncio.sleep(2)
        for _ in range(120):  # wait until the pool is full: all kernels forked and warmed
            pid = server_pid(base.rsplit(":", 1)[1])
            if sum(1 for p in memory.tree(pid) if memory.is_kernel(p)) >= burst:
                break
            await asyncio.sleep(0.5)
        return await pg_burst(base, burst)


async def jupyter_nodelay_round_trips(count: int) -> dict:
    """The same round trip against a Jupyter whose websockets set TCP_NODELAY (see jupyter.py)."""
    with jup.running_jupyter(nodelay=True) as server:
        return await jup_round_trips(server, count)


async def run(cfg: dict, skip_jupyter_load: bool) -> dict:
    report: dict = header(machine_with_load()) | {"settings": cfg}
    env = {"PLAYGROUND_MAX_KERNELS": "400"}
    with jup.running_jupyter() as server:
        with running_site(env, quiet=True) as base:
            site_pid = server_pid(base.rsplit(":", 1)[1])
            report["raw"], report["profile"] = await latency_figures(base, server, cfg, site_pid)
            print("playground: memory and capacity ...", flush=True)
            report["pg_load"] = await load.grow(load.PlaygroundVisitor(base), site_pid, cfg["pg_levels"], cfg["rounds"])
        if skip_jupyter_load:
            report["jup_load"] = None
        else:
            print("jupyter: memory and capacity ...", flush=True)
            visitor = load.JupyterVisitor(server)
            report["jup_load"] = await load.grow(
                visitor, server.pid, cfg["jupyter_levels"], cfg["rounds"], parallel=5, guess_kb_per_session=250 << 10
            )
    print("jupyter with TCP_NODELAY on its websockets: round trips ...", flush=True)
    report["raw"]["jup_nodelay_rt"] = await jupyter_nodelay_round_trips(cfg["round_trips"])
    print(f"lever: burst of {cfg['burst']} with PLAYGROUND_POOL_SIZE={cfg['burst']} ...", flush=True)
    report["raw"]["pg_burst_pool"] = await pool_lever(cfg["burst"])
    print("the editor's questions (completion, inspection), idle and during a fit ...", flush=True)
    questions = await completion.main_async(rounds=1, questions=cfg["questions"], jupyter=True)
    report["questions"] = completion.summarise(questions)
    report["table"] = table(report)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats and levels (about 4 minutes)")
    parser.add_argument("--skip-jupyter-load", action="store_true", help="no Jupyter memory/capacity levels")
    parser.add_argument("--fits", type=int, help="interleaved fits of each kind (5, or 1 with --quick)")
    args = parser.parse_args()
    cfg = settings(args.quick)
    cfg["fits"] = args.fits or cfg["fits"]
    started = time.perf_counter()
    report = asyncio.run(run(cfg, args.skip_jupyter_load))
    report["machine"]["loadavg_at_end"] = [round(x, 1) for x in os.getloadavg()[:2]]
    report["duration_s"] = round(time.perf_counter() - started)
    print_table(report["table"])
    print("\nCPU profile (ms of CPU per run / per new session; server = uvicorn or jupyter-server process):")
    for name, value in report["profile"].items():
        print(f"  {name:<36} {value}")
    print(f"\n{report['duration_s']} s; load average {report['machine']['loadavg_at_start']} at start")
    save_report(report, "compare")


if __name__ == "__main__":
    main()
