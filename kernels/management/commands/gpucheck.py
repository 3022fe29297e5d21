"""`manage.py gpucheck` (`make gpu-check`): prove the shared-GPU path on this machine's GPUs.

Starts a kernel host of its own (the real inventory from nvidia-smi, the real sandbox, its own
in-memory channel layer: no visitor and no other host reaches it), runs kernels/gpucheck's
steps, prints a short summary, writes the JSON report and exits 1 if any check failed.
Without a GPU it says so in one line and exits 0.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kernels import gpucheck
from kernels.apps import kernel_limits, sandbox_settings
from kernels.gpucheck import verdict
from kernels.gpucheck.smi import Smi
from kernels.host import KernelHost
from kernels.local_layer import LocalChannelLayer

NO_GPU = "No GPU here (nvidia-smi does not answer): nothing to check."


class Command(BaseCommand):
    help = "Prove the shared-GPU path end to end with real kernels on this machine's GPUs."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--report", default="gpu-check.json", help="where to write the JSON report")
        parser.add_argument("--budget", type=float, default=gpucheck.BUDGET_S, help="seconds the checks may take")

    def handle(self, *args, report: str = "gpu-check.json", budget: float = gpucheck.BUDGET_S, **options) -> None:
        smi = Smi()
        if not smi.answers():
            self.stdout.write(NO_GPU)
            return
        started = time.monotonic()
        checks, figures, facts = asyncio.run(self._check(smi, budget))
        seconds = time.monotonic() - started
        path = Path(report)
        verdict.write(path, verdict.report(checks, facts, figures, seconds))
        self.stdout.write(verdict.summary(checks, facts, path, seconds))
        if verdict.failed(checks):
            raise CommandError(f"the GPU check failed (details in {path})")

    async def _check(self, smi: Smi, budget: float):
        baseline = smi.used_mb()  # before any kernel of ours holds GPU memory
        host = KernelHost(
            LocalChannelLayer(capacity=5000, expiry=120),
            "gpucheck.kernelhost",
            # one ready kernel: kernels are then handed out in the order they took their slices
            dataclasses.replace(kernel_limits(), pool_size=1, pool_max_size=1),
            dataclasses.replace(sandbox_settings(), simulated_gpus=""),  # the real inventory
        )
        await host.start()
        return await gpucheck.run_check(host, smi, baseline, stop_host=host.stop, budget_s=budget)
