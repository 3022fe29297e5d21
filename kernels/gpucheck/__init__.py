"""`make gpu-check`: prove the shared-GPU path end to end on a real GPU, in a few minutes.

With a kernel host of the site's own (its real inventory from nvidia-smi, the real sandbox),
the check opens sessions until the card is full and one more runs on the CPU, then proves
with those kernels: each sees only its own GPU's (or MIG instance's) nodes and TensorFlow
lists one GPU in it; a kernel past its slice gets out-of-memory in its own run while its
neighbour's tensor stays; a Keras fit and a tensor op run on the GPU, timed against the
overflow kernel on the CPU; a restart and the end give the memory back; a MIG instance
holds one kernel.

    steps.py    the steps, with real kernels; each returns figures
    verdict.py  pass or fail from the figures; the JSON report and the summary
    smi.py      nvidia-smi: the cards, versions, used memory, processes on the GPU
    client.py   a session driven over the bus, as a page's consumer does

The command is kernels/management/commands/gpucheck.py. The tests run the same steps on the
CPU against a simulated inventory (tests/kernels/test_gpucheck.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from . import smi as nvidia
from . import steps
from .client import Session
from .smi import Smi
from .verdict import FAIL, SLICE, Check, judge_fill, judge_isolation, judge_memory, judge_mig, judge_slice, judge_work

BUDGET_S = 280.0  # under five minutes, set-up aside


async def run_check(
    host,
    smi: Smi | None,
    baseline: list[int] | None,
    stop_host: Callable[[], Awaitable[None]] | None = None,
    budget_s: float = BUDGET_S,
) -> tuple[list[Check], dict, dict]:
    """Every check against `host` (a started kernels.host.KernelHost); `baseline` is the devices'
    used memory before it started. Returns the verdicts, the figures and the cards' facts."""
    report = smi.report() if smi else None
    facts = nvidia.facts(report) if report else {}
    figures: dict = {"baseline_used_mb": baseline, "inventory": inventory(host)}
    checks: list[Check] = []
    sessions: list[Session] = []
    started = time.monotonic()
    try:
        async with asyncio.timeout(budget_s):
            await _with_kernels(host, smi, figures, checks, sessions)
    except TimeoutError:
        checks.append(Check("finishes in time", FAIL, f"stopped after {budget_s:g} s"))
    except Exception as exc:  # a step that broke is a failure the report must still show
        checks.append(Check("runs to the end", FAIL, f"{type(exc).__name__}: {exc}"[:500]))
    finally:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(60):
                await asyncio.gather(*(s.close() for s in sessions))
                if stop_host is not None:
                    await stop_host()
    figures["ended_used_mb"] = await steps.settled(smi) if smi else None
    figures["seconds"] = round(time.monotonic() - started, 1)
    checks.append(judge_memory(figures.get("restart"), baseline, figures["ended_used_mb"]))
    return checks, figures, facts


async def _with_kernels(host, smi: Smi | None, figures: dict, checks: list[Check], sessions: list[Session]) -> None:
    """The steps that need the kernels, in order; `sessions` collects them for the closing."""
    slots = sum(device.slots for device in host.pool.gpus.devices)
    room = host.limits.capacity - 1  # the pool keeps a kernel ready beside the sessions
    since = time.monotonic()
    placed, overflow = await steps.fill(host, min(slots + 1, room), sessions)
    since = _lap(figures, "fill", since)
    figures["placement"] = steps.placement(host, sessions)
    figures["filled"] = {"holders": steps.holders(host), "used_mb": smi.used_mb() if smi else None}
    overflow_status = steps.device_status(overflow.status) if overflow else None
    fill = {"slots": slots, "with_slice": len(placed), "overflow": overflow_status, "capacity": host.limits.capacity}
    figures["fill"] = fill
    checks.append(judge_fill(fill))
    if slots + 1 > room:
        checks.append(Check("the host runs a kernel per slice", FAIL, _capacity_note(host, slots)))
    checks.append(judge_mig(figures["placement"]))
    figures["isolation"] = await steps.isolation(host, placed)
    since = _lap(figures, "isolation", since)
    checks.append(judge_isolation(figures["isolation"]))
    pair = neighbours(host, placed) or (placed[:1] + ([overflow] if overflow else []))
    if len(pair) == 2:
        figures["slice"] = await steps.slice_limit(host, pair[0], pair[1], host.pool.gpus.slice_mb)
        checks.append(judge_slice(figures["slice"]))
        since = _lap(figures, "slice", since)
    else:
        checks.append(Check(SLICE, FAIL, "fewer than two kernels to compare"))
    if placed:
        gpu = await steps.work(placed[0])
        cpu = await steps.work(overflow) if overflow else None
        figures["work"] = {"gpu": gpu, "cpu": cpu}
        checks.append(judge_work(gpu, cpu))
        since = _lap(figures, "work", since)
        figures["restart"] = await steps.restart(host, placed[-1], smi)
        _lap(figures, "restart", since)


def _lap(figures: dict, step: str, since: float) -> float:
    """How long a step took, into the report's `step_seconds`."""
    now = time.monotonic()
    figures.setdefault("step_seconds", {})[step] = round(now - since, 1)
    return now


def neighbours(host, placed: list[Session]) -> list[Session]:
    """Two kernels on one device (the hog first), or none when no device holds two."""
    by_device: dict[int, list[Session]] = {}
    for session in placed:
        device = steps.device_of(host, session)
        if device is not None:
            by_device.setdefault(device.index, []).append(session)
    shared = next((group for group in by_device.values() if len(group) >= 2), [])
    return shared[:2]


def inventory(host) -> dict:
    """The host's GPU inventory as it started: each device, its free memory and slots."""
    gpus = host.pool.gpus
    devices = [
        {"index": d.index, "visible": d.visible, "free_mb": d.free_mb, "slots": d.slots, "exclusive": d.exclusive}
        for d in gpus.devices
    ]
    return {"slice_mb": gpus.slice_mb, "devices": devices}


def _capacity_note(host, slots: int) -> str:
    return (
        f"the host admits {host.limits.capacity} kernels (PLAYGROUND_MAX_KERNELS, PLAYGROUND_MEMORY_BUDGET_BYTES), "
        f"fewer than its {slots} GPU slices, one more, and a ready kernel"
    )
