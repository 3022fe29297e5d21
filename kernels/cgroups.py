"""Memory, process and CPU limits per kernel with cgroups, v1 or v2, whichever the host mounts.

`RLIMIT_AS` cannot be used: TensorFlow (and CUDA) reserve far more address space than they
touch. A cgroup counts what a kernel really uses, everything it starts included, and the
kernel's OOM killer ends it at the limit; the host then reads the cgroup's OOM counter to tell
the user which limit it hit. The CPU time of everything in the cgroup is what the host counts
against a run. Where no cgroup can be created (not root, a read-only cgroupfs), the limits are
not enforced and the server says so once in its log.

CPU is shared by weight and capped by a quota. Every kernel has the same weight, so under
contention kernels share the cores equally; the weight is that of a process with one busy
thread per core (v1 `cpu.shares` 1024 per core, v2 `cpu.weight` 100 per core), for every kernel
and for the group holding them all. With the default weight (one thread's) CFS splits a group's
weight over the cores its threads run on, so a kernel competing with the host's other
processes got about half of what a plain process gets: the bench's fit took 1.24x a plain
process on a busy machine, 0.98x with these weights (docs/benchmarks.md, issue 16). The quota
(`PLAYGROUND_CPU_CORES_PER_KERNEL`, one core by default) keeps a kernel that spins every thread
it can from holding all cores; it costs a fit a few per cent (CFS throttles its bursts of
parallel work), and a value of the host's cores or more removes it.

A kernel the pool makes ahead of demand warms up at a tenth of that weight (`background`), so
that its start yields to the runs of kernels in use, and gets the full weight when it is handed
out. The host makes a kernel's cgroup while newcomers may be waiting on its event loop, so the
files are written with plain os calls and each directory is resolved once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path("/sys/fs/cgroup")
GROUP = "playground-kernels"
SERVER_OF = re.compile(r"kernel-(\d+)-\d+")  # a kernel's cgroup is named after its server's pid (pool.py)
CFS_PERIOD_US = 100_000
V1_SHARES_PER_CORE = 1024  # cpu.shares of one nice-0 thread
V2_WEIGHT_PER_CORE = 100  # cpu.weight of one nice-0 thread
V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
BACKGROUND_SHARE = 10  # a kernel warming up for the pool weighs 1/10 of one in use


class KernelCgroup:
    def __init__(self, paths: dict[str, Path], version: int, folders: list[Path] | None = None):
        self._paths = paths  # controller -> directory (v2: one directory for all)
        self._version = version
        self._folders = folders if folders is not None else _distinct(paths.values())  # each once

    def add(self, pid: int) -> None:
        for path in self._folders:
            _write(path / "cgroup.procs", pid)

    def set_background(self, background: bool) -> None:
        """A tenth of a kernel's CPU weight while it warms up for the pool; the full one in use."""
        cpu = self._paths.get("cpu")
        if cpu is None:
            return
        name, weight = ("cpu.weight", v2_weight()) if self._version == 2 else ("cpu.shares", v1_shares())
        _write(cpu / name, max(1, weight // BACKGROUND_SHARE) if background else weight, optional=True)

    def cap_cpu(self, cores: float) -> None:
        """At most `cores` of CPU at once (CFS quota); no cap for the host's cores or more."""
        cpu = self._paths.get("cpu")
        if cpu is None:
            return
        quota = cpu_quota_us(cores)
        if self._version == 2:
            _write(cpu / "cpu.max", f"{quota or 'max'} {CFS_PERIOD_US}")
        else:
            _write(cpu / "cpu.cfs_period_us", CFS_PERIOD_US)
            _write(cpu / "cpu.cfs_quota_us", quota or -1)

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

    def cpu_seconds(self) -> float | None:
        """CPU time of every thread and process that was ever in the cgroup; None if unknown."""
        try:
            if self._version == 2:
                # cpu.stat's usage is there in v2 whether or not the cpu controller is enabled
                for line in _read(self._paths["pids"] / "cpu.stat").splitlines():
                    if line.startswith(b"usage_usec "):
                        return int(line.split()[1]) / 1e6
                return None
            return int(_read(self._paths["cpuacct"] / "cpuacct.usage")) / 1e9
        except (KeyError, OSError, ValueError):
            return None

    def memory_used(self) -> int | None:
        """Bytes of memory the cgroup holds now (its page cache and tmpfs included); None if unknown."""
        memory = self._paths.get("memory")
        name = "memory.current" if self._version == 2 else "memory.usage_in_bytes"
        try:
            return int(_read(memory / name)) if memory is not None else None
        except (OSError, ValueError):
            return None

    def pids(self) -> list[int]:
        with contextlib.suppress(OSError):
            return [int(pid) for pid in _read(self._paths["pids"] / "cgroup.procs").split()]
        return []

    def kill_all(self, sparing: int | None = None) -> int:
        """SIGKILL every process in the cgroup but `sparing`; how many there were."""
        killed = 0
        for pid in self.pids():
            if pid != sparing:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
        return killed

    def remove(self) -> None:
        for path in self._folders:
            with contextlib.suppress(OSError):
                path.rmdir()


class Cgroups:
    """Creates one cgroup per kernel under this server's own cgroup."""

    def __init__(self, root: Path = ROOT):
        self.version, self.bases, self.problem = _discover(root)
        # controller -> the controller whose folder it shares (v1 cpu and cpuacct mounted together)
        resolved = {controller: base.resolve() for controller, base in self.bases.items()}
        first = {folder: controller for controller, folder in reversed(list(resolved.items()))}
        self._same_as = {controller: first[folder] for controller, folder in resolved.items()}
        self._memsw = True  # v1 memory+swap limit: absent where swap accounting is off
        if self.problem:
            log.warning("cgroups unavailable (%s): kernel memory and process limits are NOT enforced", self.problem)
        self._remove_orphans()

    @property
    def available(self) -> bool:
        return not self.problem

    def create(
        self, name: str, memory_bytes: int, max_tasks: int, cpu_cores: float, background: bool = False
    ) -> KernelCgroup | None:
        """A kernel's cgroup with its limits; `background`: made ahead for the pool (see the top)."""
        if not self.available:
            return None
        paths = {controller: self.bases[self._same_as[controller]] / name for controller in self.bases}
        folders = [paths[c] for c in self.bases if self._same_as[c] == c]
        for path in folders:
            with contextlib.suppress(FileExistsError):  # left by a server that had the same pid
                os.mkdir(path)
        if self.version == 2:
            _write(paths["memory"] / "memory.max", memory_bytes)
            _write(paths["memory"] / "memory.swap.max", 0, optional=True)
            _write(paths["pids"] / "pids.max", max_tasks)
        else:
            _write(paths["memory"] / "memory.limit_in_bytes", memory_bytes)
            if self._memsw and not _write(paths["memory"] / "memory.memsw.limit_in_bytes", memory_bytes, True):
                self._memsw = False
            _write(paths["pids"] / "pids.max", max_tasks)
        group = KernelCgroup(paths, self.version, folders)
        group.set_background(background)
        group.cap_cpu(cpu_cores)
        return group

    def _remove_orphans(self) -> None:
        """Remove the cgroups of servers that are gone: a server killed, or whose kernels were
        still exiting as it stopped, leaves them behind, one empty folder per kernel and restart.
        A live server's, this one's and any still holding a process (rmdir refuses) stay."""
        for base in _distinct(self.bases.values()):
            with contextlib.suppress(OSError):
                for folder in base.iterdir():
                    server = SERVER_OF.fullmatch(folder.name)
                    if server and int(server[1]) != os.getpid() and not _alive(int(server[1])):
                        with contextlib.suppress(OSError):
                            folder.rmdir()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # (no such pid can exist)
        return False
    except PermissionError:  # someone else's: alive
        pass
    return True


def host_cores() -> int:
    return os.cpu_count() or 1


def cpu_quota_us(cpu_cores: float) -> int | None:
    """The CFS quota per period for a cap of `cpu_cores`; None (no cap) for the whole host or more."""
    if cpu_cores >= host_cores():
        return None
    return max(1000, int(cpu_cores * CFS_PERIOD_US))


def v1_shares() -> int:
    return V1_SHARES_PER_CORE * host_cores()


def v2_weight() -> int:
    return min(10_000, V2_WEIGHT_PER_CORE * host_cores())  # cpu.weight's range is 1-10000


def _read(path: Path) -> bytes:
    """A small cgroup file, read with the fewest system calls: the host reads one at every run's end."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 65536)
    finally:
        os.close(fd)


def _distinct(paths) -> list[Path]:
    """Each directory once: v1 often mounts cpu and cpuacct together behind two names."""
    return list({path.resolve(): path for path in paths}.values())


def _write(path: Path, value: int | str, optional: bool = False) -> bool:
    """One small write with the fewest system calls; False when an optional file refused it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)  # (CREAT: tests' plain folders)
        try:
            os.write(fd, str(value).encode())
        finally:
            os.close(fd)
    except OSError:
        if not optional:
            raise
        return False
    return True


def _discover(root: Path) -> tuple[int, dict[str, Path], str]:
    own = _own_cgroups()
    if (root / "cgroup.controllers").exists():  # v2 mounted at the root: the unified hierarchy
        base = root / own.get("", "/").lstrip("/") / GROUP
        return _prepare(2, {"memory": base, "pids": base, "cpu": base}, v2_parent=base.parent)
    bases = {}
    for controller in V1_CONTROLLERS:
        mount = root / controller
        if not mount.is_dir():
            if controller in ("cpu", "cpuacct"):
                log.warning(
                    "the v1 %s controller is not mounted: kernel CPU is neither weighted nor capped by cgroup",
                    controller,
                )
                continue
            return 1, {}, f"the {controller} controller is not mounted"
        bases[controller] = mount / own.get(controller, "/").lstrip("/") / GROUP
    return _prepare(1, bases)


def _prepare(version: int, bases: dict[str, Path], v2_parent: Path | None = None) -> tuple[int, dict[str, Path], str]:
    try:
        for base in _distinct(bases.values()):
            base.mkdir(exist_ok=True)
        if v2_parent is not None:
            for group in (v2_parent, bases["memory"]):
                (group / "cgroup.subtree_control").write_text("+memory +pids")
    except OSError as exc:
        return version, {}, f"cannot create {next(iter(bases.values()))}: {exc.strerror}"
    if v2_parent is not None and not _enable_v2_cpu(v2_parent, bases["cpu"]):
        log.warning("the v2 cpu controller cannot be enabled: kernel CPU is neither weighted nor capped by cgroup")
        bases = {k: v for k, v in bases.items() if k != "cpu"}
    if "cpu" in bases:  # the group of all kernels weighs as much as each of them (see the top)
        name, weight = ("cpu.weight", v2_weight()) if version == 2 else ("cpu.shares", v1_shares())
        _write(bases["cpu"] / name, weight, optional=True)
    return version, bases, ""


def _enable_v2_cpu(parent: Path, base: Path) -> bool:
    try:
        for group in (parent, base):
            (group / "cgroup.subtree_control").write_text("+cpu")
    except OSError:
        return False
    return True


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path ('' is the v2 unified hierarchy)."""
    own = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                own[controller] = path
    return own
