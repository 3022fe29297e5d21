"""Benchmarks of the core figures, against the real site over real websockets.

    make bench                      # or: .venv/bin/python -m bench [--sessions N] [--round-trips N]

Prints a table and writes bench/results/core-<timestamp>.json. Figures go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

from .report import header, save_report
from .site import connect, running_site, session_cookie
from .stats import percentile
from .workloads import fit_in_plain_process, fit_in_session, new_sessions, set_up_t, time_runs


async def round_trips(base: str, count: int) -> list[float]:
    """Seconds per `t + 10` in one warmed session."""
    async with await connect(base, await asyncio.to_thread(session_cookie, base)) as websocket:
        await set_up_t(websocket)
        return await time_runs(websocket, count)


def summarise(name: str, seconds: list[float]) -> dict:
    """One figure's row of the table, printed as it is made."""
    ms = [s * 1000 for s in seconds]
    row = {
        "figure": name,
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "min_ms": min(ms),
        "mean_ms": statistics.fmean(ms),
    }
    print(
        f"{name:<38} n={row['n']:<4} p50={row['p50_ms']:8.2f} ms  p95={row['p95_ms']:8.2f} ms  "
        f"min={row['min_ms']:8.2f} ms"
    )
    return row


async def main_async(args: argparse.Namespace) -> dict:
    report: dict = header() | {"figures": []}
    with running_site(quiet=True) as base:
        figures = report["figures"]
        pooled = await new_sessions(base, args.sessions, pause_s=1.0)
        figures.append(summarise("new session -> first tensor (pool warm)", pooled))
        burst = await new_sessions(base, args.sessions, pause_s=0.0)
        figures.append(summarise("new session -> first tensor (back to back)", burst))
        figures.append(summarise("round trip of t + 10", await round_trips(base, args.round_trips)))
        fit_runs = [await fit_in_session(base) for _ in range(args.fits)]
    plain = [fit_in_plain_process() for _ in range(args.fits)]  # with the site stopped, as ever
    figures.append(fit_figure(fit_runs, plain))
    return report


def fit_figure(fit_runs: list[tuple[float, int]], plain: list[float]) -> dict:
    """The 5-epoch fit in a session (seconds, progress messages) against a plain process."""
    in_session = [seconds for seconds, _ in fit_runs]
    ratio = statistics.median(in_session) / statistics.median(plain)
    print(
        f"{'5-epoch fit, in a session':<38} median={statistics.median(in_session):.3f} s "
        f"({fit_runs[0][1]} progress messages)"
    )
    print(f"{'5-epoch fit, plain process':<38} median={statistics.median(plain):.3f} s  ratio={ratio:.3f}x")
    return {
        "figure": "5-epoch fit",
        "in_session_s": in_session,
        "plain_s": plain,
        "ratio": ratio,
        "progress_messages": fit_runs[0][1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sessions", type=int, default=20, help="new sessions per start-up figure")
    parser.add_argument("--round-trips", type=int, default=300, help="t + 10 round trips")
    parser.add_argument("--fits", type=int, default=3, help="repeats of the 5-epoch fit, each way")
    args = parser.parse_args()
    report = asyncio.run(main_async(args))
    save_report(report, "core")


if __name__ == "__main__":
    main()
