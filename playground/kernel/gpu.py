"""The shared GPU: which kernels get a slice of which device, and which run on the CPU.

TensorFlow takes a whole GPU unless told otherwise, and a CUDA context costs a few hundred MB
of its own. So each admitted kernel gets one device (CUDA_VISIBLE_DEVICES) and a logical device
capped at PLAYGROUND_GPU_MEMORY_MB (set in the kernel before any op runs), and a device takes
only as many kernels as whole slices (plus context overhead) fit in its free memory. Beyond
that, kernels run on the CPU and their status says why. Slices are taken when a kernel is
forked (the pool's too: TensorFlow picks its devices at its first op) and given back when it
ends.

The inventory comes from `nvidia-smi`, or from PLAYGROUND_SIMULATED_GPUS (e.g. "2x16384": two
devices of 16384 MB) on machines without a GPU, which is how the tests exercise the policy.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

CONTEXT_OVERHEAD_MB = 600  # a CUDA context per process, measured at 250-550 MB


@dataclass
class Device:
    index: int
    free_mb: int
    slots: int = 0
    holders: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Assignment:
    index: int
    memory_limit_mb: int

    def config(self) -> dict:
        return {"index": self.index, "memory_limit_mb": self.memory_limit_mb}


class GpuInventory:
    def __init__(self, devices: list[Device], slice_mb: int):
        self.slice_mb = slice_mb
        self.devices = devices
        for device in devices:
            device.slots = max(0, device.free_mb // (slice_mb + CONTEXT_OVERHEAD_MB))

    @classmethod
    def discover(cls, simulated: str, slice_mb: int) -> GpuInventory:
        devices = _parse_simulated(simulated) if simulated else _query_nvidia_smi()
        inventory = cls(devices, slice_mb)
        if devices:
            log.info("GPU slots of %s MB: %s", slice_mb, {d.index: d.slots for d in inventory.devices})
        return inventory

    @property
    def free_slots(self) -> int:
        return sum(d.slots - len(d.holders) for d in self.devices)

    def take(self, holder: int) -> Assignment | None:
        """A slice on the device with the most free slots, or None: run on the CPU."""
        candidates = [d for d in self.devices if len(d.holders) < d.slots]
        if not candidates:
            return None
        device = max(candidates, key=lambda d: (d.slots - len(d.holders), -d.index))
        device.holders.add(holder)
        return Assignment(device.index, self.slice_mb)

    def give_back(self, holder: int) -> None:
        for device in self.devices:
            device.holders.discard(holder)

    def cpu_reason(self) -> str:
        if not self.devices:
            return "this server has no GPU"
        return f"every GPU slice ({self.slice_mb} MB each) is in use, so this kernel runs on the CPU"


def _parse_simulated(spec: str) -> list[Device]:
    """'2x16384' or '16384,8192': devices and their free memory in MB."""
    sizes: list[int] = []
    for part in spec.split(","):
        count, _, size = part.strip().rpartition("x")
        sizes += [int(size)] * (int(count) if count else 1)
    return [Device(index, size) for index, size in enumerate(sizes)]


def _query_nvidia_smi() -> list[Device]:
    if shutil.which("nvidia-smi") is None:
        return []
    command = ["nvidia-smi", "--query-gpu=index,memory.free", "--format=csv,noheader,nounits"]
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("nvidia-smi failed (%s): kernels will run on the CPU", exc)
        return []
    devices = []
    for line in out.strip().splitlines():
        index, free = (int(x) for x in line.split(","))
        devices.append(Device(index, free))
    return devices
