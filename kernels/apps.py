"""The host side of kernels, as a Django app.

It builds its limits from the environment when Django starts (settings hold only plain values),
so a malformed PLAYGROUND_* variable stops the server at start, not at the first run."""

from __future__ import annotations

from django.apps import AppConfig, apps

from config.env import env_bool, env_str

from .limits import Limits, limits_from_env
from .sandbox import SandboxSettings


class KernelsConfig(AppConfig):
    name = "kernels"
    verbose_name = "Kernels"
    limits: Limits
    sandbox: SandboxSettings

    def ready(self) -> None:
        self.limits = limits_from_env()
        self.sandbox = SandboxSettings(
            enabled=env_bool("PLAYGROUND_SANDBOX", True),
            kernel_uids=env_str("PLAYGROUND_KERNEL_UIDS", SandboxSettings.kernel_uids),  # one uid per kernel
            simulated_gpus=env_str("PLAYGROUND_SIMULATED_GPUS", ""),
            datasets_dir=env_str("PLAYGROUND_DATASETS_DIR", ""),
        )


def kernel_limits() -> Limits:
    """Every limit a kernel or a visitor runs into (README's limits table)."""
    return _config().limits


def sandbox_settings() -> SandboxSettings:
    return _config().sandbox


def _config() -> KernelsConfig:
    config = apps.get_app_config("kernels")
    assert isinstance(config, KernelsConfig)
    return config
