"""The one place that decides how kernel processes are started, confined and ended.

The fork server (kernel_runtime/zygote.py) runs inside bubblewrap: a read-only view of the system,
the Python installation and the kernel runtime only (not the project, its settings, database
or secrets), an environment built from scratch, and its own PID, network, IPC and UTS
namespaces. Each kernel forked from it then takes namespaces of its own, a private /dev and
/proc, a size-capped in-memory scratch folder, a uid of its own (uids.py) and an allowlist
seccomp filter (kernel_runtime/isolate.py, kernel_runtime/syscalls.py), and the host puts it in a cgroup
(cgroups.py). See docs/deployment.md.

PLAYGROUND_SANDBOX=0 runs kernels as plain processes, for development on machines without
bubblewrap: user code then has the server's privileges.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from . import uids

log = logging.getLogger(__name__)

RUNTIME_PACKAGE = "kernel_runtime"  # all the code a kernel runs, one folder, stdlib and TF only
RUNTIME_DIR = Path(__file__).resolve().parent.parent / RUNTIME_PACKAGE
SANDBOX_CODE_DIR = "/opt/playground"  # the sandbox sees RUNTIME_DIR in it, read-only
SANDBOX_VENV = "/opt/venv"  # where the sandbox sees the project's virtualenv
SCRATCH = "/scratch"  # a kernel's scratch folder, inside the sandbox
SANDBOX_DATASETS = "/opt/datasets"  # the operator's Keras datasets, read-only; each kernel binds it into ~/.keras

# Variables a kernel gets; nothing else from the server's environment is passed on.
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "USER": "kernel",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's C++ start-up chatter is noise in a snippet's output
    "KERAS_BACKEND": "tensorflow",
    "MPLBACKEND": "Agg",
}
# Files of /etc the dynamic loader and Python need; nothing else of /etc is visible.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "fonts")  # fonts: matplotlib
# Capabilities the fork server keeps (inside its namespaces) to give each kernel namespaces of
# its own and then switch it to the kernel uid; kernels themselves end up with none.
FORK_SERVER_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID")


class SandboxUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class SandboxSettings:
    enabled: bool = True
    kernel_uids: str = uids.DEFAULT_RANGE  # PLAYGROUND_KERNEL_UIDS: one uid per kernel (uids.py)
    simulated_gpus: str = ""  # a device inventory for machines without a GPU (see gpu.py)
    datasets_dir: str = ""  # PLAYGROUND_DATASETS_DIR: files in Keras's cache formats (kernel_runtime/kerascache.py)

    def __post_init__(self) -> None:
        uids.parse_range(self.kernel_uids)  # a malformed range stops the server at start
        if self.datasets_dir and not (os.path.isabs(self.datasets_dir) and os.path.isdir(self.datasets_dir)):
            raise ValueError(
                f"PLAYGROUND_DATASETS_DIR must name an existing folder by its full path: {self.datasets_dir!r}"
            )

    @property
    def uid_range(self) -> range:
        return uids.parse_range(self.kernel_uids)


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: str


def fork_server_launch(control_fd: int, work_dir: Path, settings: SandboxSettings) -> Launch:
    """How to start the fork server, given the control socket's fd it inherits."""
    command = ["-m", f"{RUNTIME_PACKAGE}.zygote", str(control_fd)]
    if not settings.enabled:
        log.warning("PLAYGROUND_SANDBOX is off: kernels run unconfined, with the server's privileges")
        # The project is importable too: an unconfined kernel can read it anyway.
        path = str(RUNTIME_DIR.parent)
        _link_keras_datasets(work_dir, settings.datasets_dir)
        env = {**BASE_ENV, "HOME": str(work_dir), "TMPDIR": str(work_dir), "PYTHONPATH": path}
        return Launch(argv=[sys.executable, *command], env=env, cwd=str(work_dir))
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is not installed: `apt-get install bubblewrap` (make does it), "
            "or set PLAYGROUND_SANDBOX=0 to run kernels without isolation (unsafe)"
        )
    env = {**BASE_ENV, "HOME": SCRATCH, "TMPDIR": SCRATCH, "PYTHONPATH": SANDBOX_CODE_DIR}
    argv = [
        bwrap,
        *_namespaces(),
        *_filesystem(settings),
        *_environment(env),
        "--chdir",
        "/",
        _sandbox_python(),
        *command,
    ]
    return Launch(argv=argv, env={}, cwd="/")


def kernel_config(settings: SandboxSettings, scratch: str, scratch_bytes: int, uid: int) -> dict:
    """What the forked child needs to isolate itself (kernel_runtime/isolate.py); `uid` is its own."""
    datasets = (SANDBOX_DATASETS if settings.enabled else settings.datasets_dir) if settings.datasets_dir else None
    return {
        "sandbox": settings.enabled,
        "uid": uid,
        "scratch": scratch,
        "scratch_bytes": scratch_bytes,
        "keras_datasets": datasets,  # where the kernel finds the operator's Keras datasets, if anywhere
    }


def _link_keras_datasets(work_dir: Path, datasets_dir: str) -> None:
    """Unconfined, Keras looks in the fork server's ~/.keras/datasets (its HOME is `work_dir`):
    a link to the operator's folder (not read-only: unconfined code has the server's rights)."""
    if not datasets_dir:
        return
    link = work_dir / ".keras" / "datasets"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink() and not link.exists():
        link.symlink_to(datasets_dir, target_is_directory=True)


def kill_kernel(pid: int) -> None:
    """End a kernel; its init then ends, and with it every process of its PID namespace."""
    for kill in (os.kill, os.killpg):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue


def _namespaces() -> list[str]:
    args = [
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--hostname",
        "kernel",
        "--die-with-parent",
        "--new-session",
    ]
    if os.geteuid() != 0:
        args.append("--unshare-user")  # unprivileged: capabilities exist only inside this namespace
    for cap in FORK_SERVER_CAPS:
        args += ["--cap-add", cap]
    return args


def _filesystem(settings: SandboxSettings) -> list[str]:
    # Mount points first: a later mount would hide binds made beneath it (a project in /tmp).
    args = ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--perms", "0755", "--dir", SCRATCH]
    args += ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    made: set[str] = set()
    base = os.path.realpath(sys.base_prefix)
    if not base.startswith("/usr/"):  # e.g. pyenv: the venv's python points here
        args += [*_parents(base, made), "--ro-bind", base, base]
    if _in_venv():  # at a fixed place, never where the project is (under /tmp in CI, say)
        args += [*_parents(SANDBOX_VENV, made), "--ro-bind", sys.prefix, SANDBOX_VENV]
    inside = f"{SANDBOX_CODE_DIR}/{RUNTIME_PACKAGE}"
    args += [*_parents(inside, made), "--ro-bind", str(RUNTIME_DIR), inside]
    if settings.datasets_dir:
        args += [*_parents(SANDBOX_DATASETS, made), "--ro-bind", settings.datasets_dir, SANDBOX_DATASETS]
    # GPU hosts: the fork server holds every driver node (it never runs user code) so that each
    # kernel's private /dev can be given only its own GPU's nodes (kernel_runtime/isolate.py).
    for device in sorted(glob.glob("/dev/nvidia*")):
        args += ["--dev-bind", device, device]
    return args


def _in_venv() -> bool:
    return sys.prefix != sys.base_prefix


def _sandbox_python() -> str:
    """The interpreter as the sandbox sees it: the venv's, at its fixed place, if there is one."""
    return f"{SANDBOX_VENV}/bin/python" if _in_venv() else sys.executable


def _parents(path: str, made: set[str]) -> list[str]:
    """Create the ancestors of a bind target world-readable (bwrap would copy /root's 0700)."""
    args: list[str] = []
    parts = Path(path).parts[1:-1]
    for depth in range(1, len(parts) + 1):
        directory = "/" + "/".join(parts[:depth])
        if directory not in made:
            made.add(directory)
            args += ["--perms", "0755", "--dir", directory]
    return args


def _environment(env: dict[str, str]) -> list[str]:
    args = ["--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args
