"""What nvidia-smi says, for the GPU check: the cards, driver and CUDA versions, each device's
used memory, and which processes hold GPU memory.

Used memory is read per device in the order kernels/gpu.py's inventory lists them (whole GPUs,
and the MIG instances of GPUs in MIG mode), so a kernel's slice and the memory it frees are read
off the device it was placed on. The parsers take nvidia-smi's text, so the tests can feed
them a card's output on a machine without one.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ElementTree


class Smi:
    """nvidia-smi on this machine; each query is None when it does not answer."""

    def answers(self) -> bool:
        """As the Makefile's set-up decides: nvidia-smi is installed and lists a GPU."""
        return shutil.which("nvidia-smi") is not None and self._run("-L") is not None

    def report(self) -> str | None:
        return self._run("-q", "-x")

    def compute_apps(self) -> str | None:
        return self._run("--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits")

    def used_mb(self) -> list[int] | None:
        report = self.report()
        return used_mb(report) if report is not None else None

    def pids(self) -> dict[int, int] | None:
        listing = self.compute_apps()
        return compute_pids(listing) if listing is not None else None

    @staticmethod
    def _run(*args: str) -> str | None:
        try:
            done = subprocess.run(["nvidia-smi", *args], capture_output=True, text=True, timeout=15, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout


def facts(report: str) -> dict:
    """The card(s), driver and CUDA versions from `nvidia-smi -q -x`, for the JSON report."""
    root = ElementTree.fromstring(report)
    cards = []
    for index, gpu in enumerate(root.iter("gpu")):
        cards.append(
            {
                "index": index,
                "name": _text(gpu, "product_name"),
                "uuid": _text(gpu, "uuid"),
                "mig": _text(gpu, "mig_mode/current_mig") == "Enabled",
                "memory_total_mb": _mib(gpu.findtext("fb_memory_usage/total")),
                "memory_used_mb": _mib(gpu.findtext("fb_memory_usage/used")),
            }
        )
    versions = {key: _text(root, key) for key in ("driver_version", "cuda_version")}
    return {**versions, "cards": cards}


def used_mb(report: str) -> list[int]:
    """Used memory of each device, in the inventory's order (kernels/gpu.py, parse_inventory)."""
    used: list[int] = []
    for gpu in ElementTree.fromstring(report).iter("gpu"):
        if _text(gpu, "mig_mode/current_mig") != "Enabled":
            used.append(_mib(gpu.findtext("fb_memory_usage/used")))
        else:
            used += [_mib(mig.findtext("fb_memory_usage/used")) for mig in gpu.iter("mig_device")]
    return used


def compute_pids(listing: str) -> dict[int, int]:
    """pid -> MB from `--query-compute-apps=pid,used_memory --format=csv,noheader,nounits`
    (a MIG setup may print "[N/A]" for the memory: counted as 0)."""
    found: dict[int, int] = {}
    for line in listing.splitlines():
        pid, _, memory = (part.strip() for part in line.partition(","))
        if pid.isdigit():
            found[int(pid)] = found.get(int(pid), 0) + (int(memory) if memory.isdigit() else 0)
    return found


def _text(element: ElementTree.Element, path: str) -> str:
    return (element.findtext(path) or "").strip()


def _mib(text: str | None) -> int:
    return int((text or "0").split()[0])
