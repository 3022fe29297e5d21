"""The GPU check's verdicts: pass or fail for each claim, decided from the figures the steps
measured; the JSON report and the short summary printed for a person.

Each judge takes figures only (never a kernel), so the decisions are tested on fabricated
measurements as well as on the CPU's real ones.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

PASS, FAIL, SKIP = "pass", "fail", "skip"
# Memory read back within this of where it was counts as "fell back" (other processes, the
# driver's own bookkeeping and nvidia-smi's rounding move it by a few MB).
RETURN_TOLERANCE_MB = 256
# A small model's fit on a GPU is often no faster than on the CPU (each step is a few tiny
# kernels); slower than this many times the CPU's means something is wrong with the GPU path.
MAX_GPU_SLOWDOWN = 5.0
SLICE = "a kernel past its slice gets out-of-memory; its neighbour is intact"


@dataclass(frozen=True)
class Check:
    name: str
    outcome: str  # PASS, FAIL or SKIP (nothing to check on this card, e.g. no MIG)
    detail: str  # why, in one line

    @property
    def failed(self) -> bool:
        return self.outcome == FAIL


def check(name: str, problems: list[str], passed: str) -> Check:
    return Check(name, FAIL, "; ".join(problems)) if problems else Check(name, PASS, passed)


def judge_isolation(rows: list[dict]) -> Check:
    """Each kernel holding a slice sees exactly its own device's nodes, CUDA names its device,
    TensorFlow lists one GPU, and its status says GPU."""
    name = "each kernel sees only its own GPU"
    if not rows:
        return Check(name, FAIL, "no kernel got a GPU slice")
    problems = []
    for row in rows:
        who = f"{row['session']} (device {row['device']})"
        extra = sorted(set(row["nodes"]) - set(row["expected_nodes"]))
        missing = sorted(set(row["expected_nodes"]) - set(row["nodes"]))
        if extra:
            problems.append(f"{who} sees nodes not its own: {', '.join(extra)}")
        if missing:
            problems.append(f"{who} lacks its nodes: {', '.join(missing)}")
        if row["visible"] != row["expected_visible"]:
            problems.append(f"{who} has CUDA_VISIBLE_DEVICES={row['visible']!r}, not {row['expected_visible']!r}")
        if len(row["tf_gpus"]) != 1:
            problems.append(f"{who}: TensorFlow lists {len(row['tf_gpus'])} GPUs, not 1")
        if row["status"]["device"] != "GPU":
            problems.append(f"{who}'s status says {row['status']['device']} ({row['status'].get('device_note')})")
    return check(name, problems, f"{len(rows)} kernels, each with its own device's nodes and one GPU in TensorFlow")


def judge_slice(figures: dict) -> Check:
    """Past its slice, a kernel gets TensorFlow's out-of-memory error in its own run and lives;
    its neighbour's tensor is intact."""
    name = SLICE
    problems = []
    error = figures["error"]
    if error is None:
        on = figures.get("allocated_on")
        problems.append(f"{figures['allocated_mb']} MB were allocated past a {figures['slice_mb']} MB slice (on {on})")
    elif error["ename"] != "ResourceExhaustedError" or "OOM" not in error["evalue"]:
        problems.append(f"the allocation failed otherwise: {error['ename']}: {error['evalue'][:120]}")
    if not figures["hog_alive"]:
        problems.append("the kernel that ran out of memory did not run on")
    before, after = figures["neighbour_before"], figures["neighbour_after"]
    if after != before:
        problems.append(f"the neighbour's tensor changed (its sum {before} -> {after})")
    where = "on the same GPU" if figures["neighbour_same_device"] else "on another device (no GPU takes two)"
    return check(name, problems, f"OOM at {figures['allocated_mb']} MB in its own run; neighbour {where} intact")


def judge_work(gpu: dict, cpu: dict | None) -> Check:
    """The fit and the op ran on the GPU (tensors and status say so), against the CPU's timings."""
    name = "a Keras fit and a tensor op run on the GPU"
    problems = []
    if gpu["error"]:
        problems.append(f"the GPU kernel's work failed: {gpu['error']}")
    for what in ("fit_output_device", "op_device"):
        if not str(gpu[what] or "").startswith("GPU"):
            problems.append(f"{what.replace('_', ' ')} is {gpu[what]}, not a GPU")
    if gpu["status"]["device"] != "GPU":
        problems.append(f"the status bar says {gpu['status']['device']}")
    if cpu is None or cpu["error"] or cpu["fit_s"] is None:
        problems.append("no CPU kernel's timings to compare with" + (f": {cpu['error']}" if cpu else ""))
    elif gpu["fit_s"] is not None and gpu["fit_s"] > MAX_GPU_SLOWDOWN * cpu["fit_s"]:
        problems.append(f"the fit took {gpu['fit_s']:.1f} s on the GPU, over {MAX_GPU_SLOWDOWN:g}x the CPU's")
    if problems or cpu is None:
        return check(name, problems, "")
    return Check(
        name,
        PASS,
        f"5-epoch fit {gpu['fit_s']:.2f} s (CPU {cpu['fit_s']:.2f} s); "
        f"matmul round trip {gpu['round_trip_ms']:.1f} ms (CPU {cpu['round_trip_ms']:.1f} ms)",
    )


def judge_fill(figures: dict) -> Check:
    """As many kernels hold slices as the inventory has slots; one more runs on the CPU and its
    status says every slice is in use."""
    name = "the card fills, and one more kernel runs on the CPU saying why"
    problems = []
    if figures["with_slice"] != figures["slots"]:
        problems.append(f"{figures['with_slice']} kernels got slices, the GPUs have {figures['slots']} slots")
    overflow = figures["overflow"]
    if overflow is None:
        problems.append("every kernel got a slice: none was sent to the CPU")
    elif overflow["device"] != "CPU" or "in use" not in (overflow.get("device_note") or ""):
        problems.append(f"the kernel past the slots shows {overflow['device']}: {overflow.get('device_note')!r}")
    note = overflow.get("device_note") if overflow else ""
    return check(name, problems, f"{figures['slots']} kernels on slices at once; the next: {note}")


def judge_mig(placement: list[dict]) -> Check:
    """Each MIG instance holds at most one kernel."""
    name = "MIG instances are placed one per kernel"
    on_mig = [row for row in placement if row["exclusive"]]
    if not on_mig:
        return Check(name, SKIP, "no MIG instances on this host")
    devices = [row["device"] for row in on_mig]
    shared = sorted({d for d in devices if devices.count(d) > 1})
    problems = [f"MIG instance {d} holds {devices.count(d)} kernels" for d in shared]
    return check(name, problems, f"{len(on_mig)} kernels on {len(set(devices))} MIG instances, one each")


def judge_memory(restart: dict | None, baseline: list[int] | None, ended: list[int] | None) -> Check:
    """A restarted kernel's process leaves the GPU and memory does not grow; once every kernel
    of the check has ended, each device's used memory is back where it was."""
    name = "memory returns to the GPU on restart and end"
    if baseline is None or ended is None:
        return Check(name, FAIL, "nvidia-smi gave no used memory to compare")
    if restart is None:
        return Check(name, FAIL, "no kernel on a slice was restarted")
    problems = []
    if restart["old_pid_seen_after"]:
        problems.append(f"the restarted kernel (pid {restart['old_pid']}) still holds GPU memory")
    before, after = restart["used_before_mb"], restart["used_after_mb"]
    if before is None or after is None:
        problems.append("no used memory read around the restart")
    elif after > before + RETURN_TOLERANCE_MB:
        problems.append(f"used memory grew on restart ({before} -> {after} MB)")
    for index, (start, end) in enumerate(zip(baseline, ended, strict=False)):
        if end > start + RETURN_TOLERANCE_MB:
            problems.append(f"device {index} holds {end} MB after the check, {start} MB before")
    pid_note = "" if restart["old_pid_seen_before"] else " (kernel pids not visible to nvidia-smi here)"
    figures = f"restart {before} -> {after} MB; after the end {ended} MB, before {baseline}"
    return check(name, problems, figures + pid_note)


def failed(checks: list[Check]) -> bool:
    return any(c.failed for c in checks)


def report(checks: list[Check], facts: dict, figures: dict, seconds: float) -> dict:
    """The JSON report: every figure, the cards and versions, TensorFlow's view, each verdict."""
    return {
        "ok": not failed(checks),
        "seconds": round(seconds, 1),
        "gpu": facts,
        "checks": [asdict(c) for c in checks],
        "figures": figures,
    }


def write(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")


def summary(checks: list[Check], facts: dict, path: Path | None, seconds: float) -> str:
    """A few lines for a person: the card, each check, the outcome."""
    cards = ", ".join(card["name"] for card in facts.get("cards", [])) or "no card named"
    driver, cuda = facts.get("driver_version") or "?", facts.get("cuda_version") or "?"
    lines = [f"GPU check: {cards}; driver {driver}, CUDA {cuda}"]
    lines += [f"  {c.outcome.upper():<4}  {c.name}: {c.detail}" for c in checks]
    where = f"; report in {path}" if path else ""
    verdict = "FAILED" if failed(checks) else "passed"
    lines.append(f"GPU check {verdict} in {seconds:.0f} s{where}")
    return "\n".join(lines)
