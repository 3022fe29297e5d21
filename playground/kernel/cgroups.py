"""Memory and process limits per kernel with cgroups, v1 or v2, whichever the host mounts.

`RLIMIT_AS` cannot be used: TensorFlow (and CUDA) reserve far more address space than they
touch. A cgroup counts what a kernel really uses, everything it starts included, and the
kernel's OOM killer ends it at the limit; the host then reads the cgroup's OOM counter to tell
the user which limit it hit. Where no cgroup can be created (not root, a read-only cgroupfs),
the limits are not enforced and the server says so once in its log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path("/sys/fs/cgroup")
GROUP = "playground-kernels"


class KernelCgroup:
    def __init__(self, paths: dict[str, Path], version: int):
        self._paths = paths  # controller -> directory (v2: one directory for all)
        self._version = version

    def add(self, pid: int) -> None:
        for path in set(self._paths.values()):
            (path / "cgroup.procs").write_text(str(pid))

    def oom_killed(self) -> bool:
        memory = self._paths.get("memory")
        if memory is None:
            return False
        name = "memory.events" if self._version == 2 else "memory.oom_control"
        with contextlib.suppress(OSError):
            for line in (memory / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        return False

    def kill_all(self) -> None:
        for path in set(self._paths.values()):
            with contextlib.suppress(OSError):
                for pid in (path / "cgroup.procs").read_text().split():
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(int(pid), signal.SIGKILL)

    def remove(self) -> None:
        for path in set(self._paths.values()):
            with contextlib.suppress(OSError):
                path.rmdir()


class Cgroups:
    """Creates one cgroup per kernel under this server's own cgroup."""

    def __init__(self, root: Path = ROOT):
        self.version, self.bases, self.problem = _discover(root)
        if self.problem:
            log.warning("cgroups unavailable (%s): kernel memory and process limits are NOT enforced", self.problem)

    @property
    def available(self) -> bool:
        return not self.problem

    def create(self, name: str, memory_bytes: int, max_processes: int) -> KernelCgroup | None:
        if not self.available:
            return None
        paths = {controller: base / name for controller, base in self.bases.items()}
        for path in set(paths.values()):
            path.mkdir(exist_ok=True)
        if self.version == 2:
            _write(paths["memory"] / "memory.max", memory_bytes)
            _write(paths["memory"] / "memory.swap.max", 0, optional=True)
            _write(paths["pids"] / "pids.max", max_processes)
        else:
            _write(paths["memory"] / "memory.limit_in_bytes", memory_bytes)
            _write(paths["memory"] / "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
            _write(paths["pids"] / "pids.max", max_processes)
        return KernelCgroup(paths, self.version)


def _write(path: Path, value: int, optional: bool = False) -> None:
    try:
        path.write_text(str(value))
    except OSError:
        if not optional:
            raise


def _discover(root: Path) -> tuple[int, dict[str, Path], str]:
    own = _own_cgroups()
    if (root / "cgroup.controllers").exists():  # v2 mounted at the root: the unified hierarchy
        base = root / own.get("", "/").lstrip("/") / GROUP
        return _prepare(2, {"memory": base, "pids": base}, v2_parent=base.parent)
    bases = {}
    for controller in ("memory", "pids"):
        mount = root / controller
        if not mount.is_dir():
            return 1, {}, f"the {controller} controller is not mounted"
        bases[controller] = mount / own.get(controller, "/").lstrip("/") / GROUP
    return _prepare(1, bases)


def _prepare(version: int, bases: dict[str, Path], v2_parent: Path | None = None) -> tuple[int, dict[str, Path], str]:
    try:
        for base in set(bases.values()):
            base.mkdir(exist_ok=True)
        if v2_parent is not None:
            (v2_parent / "cgroup.subtree_control").write_text("+memory +pids")
            (bases["memory"] / "cgroup.subtree_control").write_text("+memory +pids")
    except OSError as exc:
        return version, {}, f"cannot create {next(iter(bases.values()))}: {exc.strerror}"
    return version, bases, ""


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path ('' is the v2 unified hierarchy)."""
    own = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                own[controller] = path
    return own
