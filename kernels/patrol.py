"""What the host's patrol checks in every session once a second (host.py), apart from any run's
own clock (watchdog.RunClock): CPU a kernel burns between runs, a run going on with no page open,
a fork storm, and pages whose web process stopped renewing them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import KernelSession


async def check(session: KernelSession) -> None:
    end_idle_cpu_hog(session)
    end_fork_storm(session)
    await stop_background_run(session)
    for reply in session.attached.silent():
        session.detach(reply)


def end_idle_cpu_hog(session: KernelSession) -> None:
    """End the kernel if what it left running has used more CPU than allowed between runs."""
    process = session.process
    if process is not None and not session.running:
        notice = session.idle_cpu.over_limit(process.cpu_seconds, session.assistant.cpu.excused_s)
        if notice:
            process.kill(notice)


async def stop_background_run(session: KernelSession) -> None:
    """Stop a run that has gone on with no page open for longer than allowed."""
    closed_at, current, limit_s = session.attached.closed_at, session.current, session.limits.background_run_s
    if current is None or current.stopped_by or closed_at is None or time.monotonic() - closed_at < limit_s:
        return
    current.stopped_by = {"limit": "background_run_s", "value": limit_s}
    await session.delivery.notice(
        current, f"Stopped: it ran {limit_s / 60:g} minutes with no page open (PLAYGROUND_BACKGROUND_RUN_S)."
    )
    session.interrupt_current()


def end_fork_storm(session: KernelSession) -> None:
    """End the kernel if it runs more processes than allowed."""
    process, limit = session.process, session.limits.max_processes
    count = process.process_count() if process is not None else None
    if process is not None and count is not None and count > limit:
        process.kill(
            f"the kernel ran {count} processes at once (the limit is {limit}, PLAYGROUND_MAX_PROCESSES; "
            "threads are counted apart), so it was ended"
        )
