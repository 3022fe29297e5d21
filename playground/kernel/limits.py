"""Every limit a kernel or a visitor runs into: named, documented, overridable.

Each field can be set from the environment as PLAYGROUND_<NAME> (e.g. PLAYGROUND_MAX_CODE_BYTES)
or in settings as PLAYGROUND_LIMITS. The README's limits table lists them all; a test checks
that it does. Standard library only: settings.py imports this.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping


@dataclasses.dataclass(frozen=True)
class Limits:
    max_code_bytes: int = 64 * 1024
    """Largest snippet accepted in one `execute` (Go playground's figure)."""
    output_bytes_per_run: int = 1024 * 1024
    """stdout + stderr one run may send; the rest is discarded with a notice."""
    max_values: int = 1000
    """Array elements sent in full; larger arrays are summarised head/tail like NumPy."""
    max_repr_chars: int = 20_000
    """Length of any value's text form."""
    max_queued_runs: int = 20
    """Runs waiting behind the one in progress, per session."""
    interrupt_grace_s: float = 5.0
    """After Interrupt, how long a run may take to stop before its kernel is killed."""
    idle_timeout_s: float = 1800.0
    """A kernel that has run nothing for this long is shut down (its variables are lost)."""
    pool_size: int = 4
    """Kernels kept forked, warmed up and ready for new visitors (~19 MB each while idle)."""
    max_kernels: int = 100
    """Kernels one host runs at once (pool included); beyond this new visitors are refused."""
    kernel_start_timeout_s: float = 60.0
    """How long starting the fork server or a kernel may take before it counts as failed."""
    max_message_bytes: int = 8 * 1024 * 1024
    """Largest single message a kernel may send the host; a larger one ends the kernel."""
    max_messages_per_s: int = 500
    """Messages one run may send per second; beyond this its output is dropped with a notice."""
    memory_bytes: int = 2 * 1024**3
    """Memory of one kernel, everything it starts included (cgroup; RLIMIT_AS breaks TensorFlow)."""
    max_processes: int = 512
    """Processes and threads of one kernel (TensorFlow's thread pools count)."""
    cpu_seconds_per_run: float = 300.0
    """CPU time one run may use (all its threads); a warning comes at 80 %, then it is stopped."""
    wall_seconds_per_run: float = 600.0
    """Wall-clock time one run may take; a warning comes at 80 %, then it is stopped."""
    scratch_bytes: int = 256 * 1024**2
    """Size of a kernel's scratch folder (and of its /tmp); it lives in memory."""
    max_kernels_per_client: int = 20
    """Kernels one client address may hold at once (a classroom behind one NAT address counts once)."""
    gpu_memory_mb: int = 2048
    """GPU memory of one kernel's slice; a GPU takes as many kernels as whole slices fit."""
    max_upload_bytes: int = 32 * 1024**2
    """One file uploaded into a session's scratch folder (`POST /files/`)."""
    max_download_bytes: int = 64 * 1024**2
    """One file downloaded from a session's scratch folder (`GET /files/<name>`)."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"Limit {field.name} must be positive, got {getattr(self, field.name)!r}")


def env_name(field_name: str) -> str:
    return f"PLAYGROUND_{field_name.upper()}"


def limits_from_env(environ: Mapping[str, str] = os.environ) -> Limits:
    """Defaults, overridden by PLAYGROUND_<NAME> variables; a malformed value fails loudly."""
    overrides: dict[str, int | float] = {}
    for field in dataclasses.fields(Limits):
        raw = environ.get(env_name(field.name))
        if raw is None or raw == "":
            continue
        kind = int if field.type in ("int", int) else float
        try:
            overrides[field.name] = kind(raw)
        except ValueError:
            raise ValueError(f"{env_name(field.name)}={raw!r} is not a valid {kind.__name__}") from None
    return Limits(**overrides)
