"""What a bench keeps of its run: the machine it ran on and its results file.

Every bench that keeps its figures writes them with save_report, so they all land in one place
under one naming (bench/results/<name>-<timestamp>.json, which docs/benchmarks.md points to) and
say where they went the same way.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"  # gitignored: raw figures are not committed


def machine() -> dict:
    """The Python, CPU count and platform: what a figure must be read beside."""
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


def machine_with_load() -> dict:
    """machine(), with its memory and load average now: for a run long and broad enough
    (bench.compare) that a busy machine could explain a figure."""
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0]
    load1, load5, _ = os.getloadavg()
    return machine() | {"memory": meminfo, "loadavg_at_start": [round(load1, 1), round(load5, 1)]}


def header(described: dict | None = None) -> dict:
    """A report's first keys: the machine (`described`, or machine()) and when the run began."""
    return {"machine": described or machine(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}


def save_report(report: dict, name: str) -> Path:
    """Write a bench's report to bench/results/<name>-<date-time>.json and say where."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"written {path}")
    return path
