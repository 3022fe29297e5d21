"""The embedded kernel host: one per web process, on the same event loop as the consumers.

Used when no separate kernel host is configured (the default). Started by the ASGI lifespan
so the pool is warm before the first visitor, or by the first websocket on servers without
lifespan support.
"""

from __future__ import annotations

import asyncio
import logging

from channels.layers import get_channel_layer
from django.conf import settings

from . import placement
from .apps import kernel_limits, sandbox_settings
from .host import KernelHost

log = logging.getLogger(__name__)

_host: KernelHost | None = None
_warm: asyncio.Task | None = None


def enabled() -> bool:
    return bool(settings.PLAYGROUND_EMBEDDED_KERNELHOST)


def ensure_started() -> asyncio.Task | None:
    """Start the embedded host if it is enabled and not running; returns its warm-up task."""
    global _host, _warm
    if not enabled():
        return None
    if _host is None:
        _host = KernelHost(
            get_channel_layer(),
            settings.PLAYGROUND_KERNELHOST_CHANNEL,
            kernel_limits(),
            sandbox_settings(),
            placement=placement.configured(),
        )
        _warm = _host.start()
    return _warm


async def stop() -> None:
    global _host, _warm
    host, _host, _warm = _host, None, None
    if host is not None:
        await host.stop()


def current() -> KernelHost | None:
    return _host


async def wait_warm() -> None:
    warm = ensure_started()
    if warm is None:
        return
    try:
        await warm
    except Exception as exc:  # the site still serves pages; sessions will report the failure
        log.error("the kernel pool could not be warmed: %s", exc)
