"""The first fit in a fresh sandboxed kernel against the same fit in a plain Python process.

    .venv/bin/python -m bench.fit [--pairs 5] [--config NAME=VAR=VALUE,VAR=VALUE ...]

Each pair is one plain process (`python -c`, `verbose=0`) and one new session per site
configuration (its first fit, with the playground's live progress), interleaved so a busy
moment on the machine falls on all of them. Besides wall time, each fit reports the CPU its
process used for the fit (`getrusage`, every thread), the threads it ended with, the CPUs it
saw and TensorFlow's intra-/inter-op pool sizes: the profile behind docs/benchmarks.md's
account of where a sandboxed fit's time went. Several `--config`s compare settings in one run
(e.g. `--config quota1=PLAYGROUND_CPU_CORES_PER_KERNEL=1`).
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import json
import statistics
import time

from .report import header, save_report
from .site import connect, execute, parse_config, running_site, session_cookie
from .workloads import FIT_CODE, in_plain_process

PROBE = """
import json as _json, os as _os, resource as _resource
def _cpu():
    usage = _resource.getrusage(_resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime
_before = _cpu()
{fit}
_after = _cpu()
_probe = _json.dumps({{
    "elapsed_s": elapsed,
    "user_s": _after[0] - _before[0],
    "sys_s": _after[1] - _before[1],
    "threads": len(_os.listdir("/proc/self/task")),
    "cpu_count": _os.cpu_count(),
    "affinity": len(_os.sched_getaffinity(0)),
    "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
    "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
}})
"""


def probe_code(verbose: str) -> str:
    return PROBE.format(fit=FIT_CODE.format(verbose=verbose))


async def probe_in_session(base: str) -> dict:
    """FIT_CODE's probe in a new session, with the playground's live progress."""
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        messages = await execute(websocket, probe_code("verbose='auto'") + "_probe", "fit")
    result = [m for m in messages if m["type"] == "result"]
    if not result:
        raise RuntimeError(f"the fit failed: {messages}")
    return json.loads(ast.literal_eval(result[-1]["value"]["repr"]))


def probe_in_plain_process() -> dict:
    """FIT_CODE's probe in a plain process (no progress)."""
    return json.loads(in_plain_process(probe_code("verbose=0") + "\nprint(_probe)"))


def summary(fits: list[dict], plain: list[dict]) -> dict:
    def median(key: str, rows: list[dict]) -> float:
        return statistics.median(row[key] for row in rows)

    ratios = [s["elapsed_s"] / p["elapsed_s"] for s, p in zip(fits, plain, strict=True)]
    return {
        "elapsed_s": median("elapsed_s", fits),
        "ratio_of_medians": median("elapsed_s", fits) / median("elapsed_s", plain),
        "median_pair_ratio": statistics.median(ratios),
        "user_s": median("user_s", fits),
        "sys_s": median("sys_s", fits),
        "last": {k: fits[-1][k] for k in ("threads", "cpu_count", "affinity", "intra_op", "inter_op")},
    }


def run(pairs: int, configs: list[tuple[str, dict[str, str]]]) -> dict:
    results: dict[str, list[dict]] = {name: [] for name, _ in configs}
    plain: list[dict] = []
    with contextlib.ExitStack() as stack:
        bases = {name: stack.enter_context(running_site(env, quiet=True)) for name, env in configs}
        for _ in bases.values():
            time.sleep(2)  # let each pool fill before timing
        for index in range(pairs):
            plain.append(probe_in_plain_process())
            line = f"pair {index + 1}: plain {plain[-1]['elapsed_s']:.2f} s"
            for name, base in bases.items():
                results[name].append(asyncio.run(probe_in_session(base)))
                line += f", {name} {results[name][-1]['elapsed_s']:.2f} s"
            print(line, flush=True)
    report = {
        "plain": {
            "elapsed_s": statistics.median(p["elapsed_s"] for p in plain),
            "user_s": statistics.median(p["user_s"] for p in plain),
            "sys_s": statistics.median(p["sys_s"] for p in plain),
            "last": {k: plain[-1][k] for k in ("threads", "cpu_count", "affinity", "intra_op", "inter_op")},
        }
    }
    report |= {name: summary(rows, plain) for name, rows in results.items()}
    return {"raw": {"plain": plain, **results}, "summary": report}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--config", action="append", type=parse_config, help="NAME=VAR=VALUE,VAR=VALUE")
    args = parser.parse_args()
    configs = args.config or [("session", {})]
    report = run(args.pairs, configs) | header()
    print(json.dumps(report["summary"], indent=2))
    save_report(report, "fit")


if __name__ == "__main__":
    main()
