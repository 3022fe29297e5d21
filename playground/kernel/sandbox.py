"""The one place that decides how kernel processes are started and ended.

Kernels are forked by the fork server (runtime/zygote.py); this module builds the fork
server's command line and environment, and ends kernels. What a kernel may see starts here:
an environment built from scratch (never a copy of the server's, so no settings, database URL
or secret reaches it), a working directory in its own scratch folder, and only the kernel
runtime on its import path, not the Django project. Operating-system isolation (namespaces,
syscall filter, cgroups) is layered on in this module too.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

KERNEL_CODE_DIR = Path(__file__).resolve().parent  # holds runtime/, imported as `runtime`

# Variables a kernel gets; nothing else from the server's environment is passed on.
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's C++ start-up chatter is noise in a snippet's output
    "KERAS_BACKEND": "tensorflow",
    "MPLBACKEND": "Agg",
}


@dataclass(frozen=True)
class Launch:
    argv: list[str]
    env: dict[str, str]
    cwd: str


def fork_server_launch(control_fd: int, work_dir: Path) -> Launch:
    """How to start the fork server, given the control socket's fd it inherits."""
    env = {**BASE_ENV, "HOME": str(work_dir), "TMPDIR": str(work_dir), "PYTHONPATH": str(KERNEL_CODE_DIR)}
    argv = [sys.executable, "-m", "runtime.zygote", str(control_fd)]
    return Launch(argv=argv, env=env, cwd=str(work_dir))


def kill_kernel(pid: int) -> None:
    """End a kernel and everything it started (it leads its own process group)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except ProcessLookupError:
            continue
        except PermissionError:
            return
