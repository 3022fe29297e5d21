"""The shared GPU: which kernels get a slice of which device, and which run on the CPU.

TensorFlow takes a whole GPU unless told otherwise, and a CUDA context costs a few hundred MB
of its own. So each admitted kernel gets one device (CUDA_VISIBLE_DEVICES) and a logical device
capped at PLAYGROUND_GPU_MEMORY_MB (set in the kernel before any op runs), and a device takes
only as many kernels as whole slices (plus context overhead) fit in its free memory. Beyond
that, kernels run on the CPU and their status says why. Slices are taken when a kernel is
forked (the pool's too: TensorFlow picks its devices at its first op) and given back when it
ends.

A kernel's private /dev holds only its device's nodes plus the driver's control nodes
(kernel_runtime/isolate.py), so CUDA_VISIBLE_DEVICES is a convenience, not the boundary. A MIG
instance is placed like a GPU (its nodes: the parent GPU's and its own nvidia-caps), and is the
only hard memory boundary: on a GPU shared without MIG, a slice's size is TensorFlow's own
allocator setting, which native code in a kernel can ignore.

The inventory comes from `nvidia-smi`, or from PLAYGROUND_SIMULATED_GPUS (e.g. "2x16384": two
devices of 16384 MB) on machines without a GPU, which is how the tests exercise the policy.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

CONTEXT_OVERHEAD_MB = 600  # a CUDA context per process, measured at 250-550 MB
# Driver nodes every CUDA process opens, whichever GPU it uses; they name no GPU's memory.
CONTROL_NODES = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset")
MIG_CAPABILITIES = Path("/proc/driver/nvidia/capabilities")  # gpuN/mig/giG[/ciC]/access


@dataclass
class Device:
    index: int
    free_mb: int
    nodes: tuple[str, ...] = ()  # this device's own nodes in /dev (control nodes come on top)
    visible: str = ""  # what CUDA_VISIBLE_DEVICES names it by (a GPU or MIG UUID); "" = index
    exclusive: bool = False  # a MIG instance: one kernel only, so its memory boundary is that kernel's
    slots: int = 0
    holders: set[str] = field(default_factory=set)  # names of the kernels holding a slice


@dataclass(frozen=True)
class Assignment:
    index: int
    memory_limit_mb: int
    nodes: tuple[str, ...] = ()
    visible: str = ""

    def config(self) -> dict:
        return {
            "index": self.index,
            "memory_limit_mb": self.memory_limit_mb,
            "visible": self.visible or str(self.index),
            "devices": [*self.nodes, *CONTROL_NODES],  # all a kernel's /dev holds of the GPU driver
        }


class GpuInventory:
    def __init__(self, devices: list[Device], slice_mb: int):
        self.slice_mb = slice_mb
        self.devices = devices
        for device in devices:
            device.slots = max(0, device.free_mb // (slice_mb + CONTEXT_OVERHEAD_MB))
            if device.exclusive:
                device.slots = min(device.slots, 1)

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

    def take(self, holder: str) -> Assignment | None:
        """A slice on the device with the most free slots, or None: run on the CPU."""
        candidates = [d for d in self.devices if len(d.holders) < d.slots]
        if not candidates:
            return None
        device = max(candidates, key=lambda d: (d.slots - len(d.holders), -d.index))
        device.holders.add(holder)
        return Assignment(device.index, self.slice_mb, device.nodes, device.visible)

    def give_back(self, holder: str) -> None:
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
    return [Device(index, size, (f"/dev/nvidia{index}",)) for index, size in enumerate(sizes)]


def _query_nvidia_smi() -> list[Device]:
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        report, listing = _nvidia_smi("-q", "-x"), _nvidia_smi("-L")
        return parse_inventory(report, listing, MIG_CAPABILITIES)
    except (OSError, subprocess.SubprocessError, ElementTree.ParseError, ValueError) as exc:
        log.warning("nvidia-smi failed (%s): kernels will run on the CPU", exc)
        return []


def _nvidia_smi(*args: str) -> str:
    return subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, timeout=10, check=True).stdout


def parse_inventory(report: str, listing: str, capabilities: Path) -> list[Device]:
    """Whole GPUs, and the MIG instances of GPUs in MIG mode, from `nvidia-smi -q -x` (memory,
    minor numbers, instance ids) and `nvidia-smi -L` (the UUIDs CUDA_VISIBLE_DEVICES takes)."""
    mig_uuids = _mig_uuids(listing)
    devices: list[Device] = []
    for gpu_index, gpu in enumerate(ElementTree.fromstring(report).iter("gpu")):
        minor = int(gpu.findtext("minor_number", str(gpu_index)))
        gpu_node = f"/dev/nvidia{minor}"
        if (gpu.findtext("mig_mode/current_mig") or "").strip() != "Enabled":
            free = _mib(gpu.findtext("fb_memory_usage/free"))
            devices.append(Device(len(devices), free, (gpu_node,), (gpu.findtext("uuid") or "").strip()))
            continue
        for mig in gpu.iter("mig_device"):
            gi, ci = int(mig.findtext("gpu_instance_id", "")), int(mig.findtext("compute_instance_id", ""))
            caps = capabilities / f"gpu{minor}" / "mig" / f"gi{gi}"
            nodes = (gpu_node, _cap_node(caps / "access"), _cap_node(caps / f"ci{ci}" / "access"))
            uuid = mig_uuids.get((gpu_index, int(mig.findtext("index", "-1"))), "")
            free = _mib(mig.findtext("fb_memory_usage/free"))
            devices.append(Device(len(devices), free, nodes, uuid, exclusive=True))
    return devices


def _mig_uuids(listing: str) -> dict[tuple[int, int], str]:
    """(GPU index, MIG device index) -> MIG UUID, from lines such as
    `GPU 0: NVIDIA A100 (UUID: GPU-...)` and `  MIG 1g.5gb  Device  0: (UUID: MIG-...)`."""
    found: dict[tuple[int, int], str] = {}
    gpu = -1
    for line in listing.splitlines():
        if match := re.match(r"GPU (\d+):", line.strip()):
            gpu = int(match[1])
        elif match := re.search(r"Device\s+(\d+):.*UUID: (MIG-[^)\s]+)", line):
            found[(gpu, int(match[1]))] = match[2]
    return found


def _cap_node(access: Path) -> str:
    """A MIG capability's node: its `access` file says `DeviceFileMinor: N` -> nvidia-capN."""
    match = re.search(r"DeviceFileMinor:\s*(\d+)", access.read_text())
    if match is None:
        raise ValueError(f"no DeviceFileMinor in {access}")
    return f"/dev/nvidia-caps/nvidia-cap{match[1]}"


def _mib(text: str | None) -> int:
    return int((text or "0").split()[0])
