"""Every limit a kernel or a visitor runs into: named, documented, overridable.

Each field can be set from the environment as PLAYGROUND_<NAME> (e.g. PLAYGROUND_MAX_CODE_BYTES);
the kernels app builds them at start (kernels/apps.py, `kernel_limits()`). The README's limits
table lists them all; a test checks that it does.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping

from config.env import dataclass_from_env

from .record import RecordLimits


@dataclasses.dataclass(frozen=True)
class Limits:
    max_code_bytes: int = 64 * 1024
    """Largest snippet accepted in one `execute` (Go playground's figure)."""
    output_bytes_per_run: int = 1024 * 1024
    """stdout + stderr one run may send; the rest is discarded with a notice (counted by the host)."""
    result_bytes_per_run: int = 8 * 1024 * 1024
    """Results, figures, progress and variables one run may send; the rest is discarded with a notice."""
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
    detached_grace_s: float = 120.0
    """A kernel with no page open is shut down this long after the last one closed (covers a reload)."""
    pool_size: int = 4
    """Kernels kept forked, warmed up and ready for new visitors (~19 MB each while idle)."""
    pool_max_size: int = 64
    """Ready kernels the pool grows to after a burst: as many sessions as started within 10 s at
    the busiest moment of the last 10 minutes (~19 MB each while idle, ~1.2 GB at 64)."""
    max_kernels: int = 100
    """Kernels one host runs at once (pool included); beyond it the longest idle is evicted."""
    kernel_start_timeout_s: float = 60.0
    """How long starting the fork server or a kernel may take before it counts as failed."""
    websocket_buffer_bytes: int = 2 * 1024 * 1024
    """What the server holds for one page that is not reading; past it output is dropped with a notice."""
    max_message_bytes: int = 8 * 1024 * 1024
    """Largest single message a kernel may send the host; a larger one ends the kernel."""
    max_messages_per_s: int = 500
    """Messages a kernel may send per second, with or without an id; beyond it they are dropped."""
    memory_bytes: int = 1024**3
    """The memory limit of one kernel, everything it starts included (cgroup; RLIMIT_AS breaks
    TensorFlow): what one session may use at most, several times what a session typically does."""
    memory_request_bytes: int = 128 * 1024**2
    """What admission counts per kernel: a typical session's memory, measured (the seed lesson's
    kernel holds 83 MiB after all of it: docs/benchmarks.md, bench.session_memory).
    When the kernels' real memory nears the budget, idle kernels are evicted, biggest first."""
    max_processes: int = 64
    """Processes one kernel may run at once, counted by the host every second; past it the kernel
    is ended (a fork storm). Threads are not processes: see max_threads."""
    max_threads: int = 1024
    """Threads and processes of one kernel together (cgroup pids.max): room for TensorFlow's
    pools on a many-core GPU host; a thread past it fails to start."""
    cpu_seconds_per_run: float = 300.0
    """CPU time one run may use (all its threads and processes); warned at 80 %, then stopped."""
    cpu_cores_per_kernel: float = 1.0
    """CPU one kernel may use at once, in cores (cgroup quota; the host's cores or more: no cap);
    under contention kernels share the machine by equal weight (cgroups.py says why)."""
    idle_cpu_seconds: float = 5.0
    """CPU a kernel may use while no run is in progress (threads left running); past it, it is ended."""
    wall_seconds_per_run: float = 600.0
    """Wall-clock time one run may take; a warning comes at 80 %, then it is stopped."""
    scratch_bytes: int = 128 * 1024**2
    """Size of a kernel's scratch folder (and of its /tmp); it lives in memory, counted in memory_bytes."""
    kernel_starts_per_minute: int = 6
    """Kernels one session may start per minute (restarts included; starts.py); then it waits."""
    client_kernel_starts_per_minute: int = 60
    """Kernels one client address may start per minute (a class arriving at once fits)."""
    record_run_bytes: int = 2 * 1024**2
    """What a session's record keeps of one run's messages (its `done` and error always)."""
    record_session_bytes: int = 16 * 1024**2
    """What a session's record keeps in all; the oldest runs go first, and the record says how many."""
    record_runs: int = 200
    """Runs a session's record keeps."""
    background_run_s: float = 1800.0
    """How long a run goes on with no page open; then it is stopped and the detached grace applies."""
    max_kernels_per_client: int = 64
    """Kernels one client address may hold at once (a class behind one NAT address); never more
    than three quarters of what the host holds."""
    memory_budget_bytes: int = dataclasses.field(default_factory=lambda: default_memory_budget())
    """What the memory requests of one host's kernels may add up to, and what their real memory
    may reach before idle kernels are evicted (default: RAM less a reserve)."""
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

    @property
    def record_limits(self) -> RecordLimits:
        return RecordLimits(self.record_run_bytes, self.record_session_bytes, self.record_runs)

    @property
    def capacity(self) -> int:
        """Kernels one host may run at once, the ready pool included."""
        return max(1, min(self.max_kernels, self.memory_budget_bytes // self.memory_request_bytes))

    @property
    def client_cap(self) -> int:
        """Kernels one client address may hold: its configured cap, within a fair share of the host."""
        return max(1, min(self.max_kernels_per_client, int(self.capacity * CLIENT_SHARE)))


CLIENT_SHARE = 0.75  # of a host's capacity, at most, for one address (admission.py)
MEMORY_RESERVE_BYTES = 2 * 1024**3  # for the web process, the fork server and the system


def default_memory_budget() -> int:
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        total = 8 * 1024**3
    return max(total - MEMORY_RESERVE_BYTES, total // 2)


def env_name(field_name: str) -> str:
    return f"PLAYGROUND_{field_name.upper()}"


def limits_from_env(environ: Mapping[str, str] = os.environ) -> Limits:
    """Defaults, overridden by PLAYGROUND_<NAME> variables; a malformed value fails loudly."""
    return dataclass_from_env(Limits, env_name, environ)
