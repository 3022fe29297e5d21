"""`manage.py kernelhost`: run kernels for the web processes, reached through the Redis layer.

Start one or more per machine (GPU machines included) with the same REDIS_URL and SECRET_KEY
(or CHANNEL_LAYER_KEY) as the web processes; each publishes its free capacity and serves the
sessions placed on it. SIGTERM or SIGINT ends every kernel it runs and withdraws it from the cluster.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import uuid

import redis
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kernels import placement
from kernels.apps import kernel_limits, sandbox_settings
from kernels.host import KernelHost

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run a kernel host: serve TensorFlow sessions for the web processes over the Redis layer."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", default="", help="channel name (default: kernelhost.<host>-<pid>-<random>)")

    def handle(self, *args, name: str = "", **options) -> None:
        if not settings.REDIS_URL:
            raise CommandError("REDIS_URL is not set: kernel hosts are reached through the Redis channel layer")
        check_redis_password(settings.REDIS_URL)
        channel = name or f"kernelhost.{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        asyncio.run(self._serve(channel))

    async def _serve(self, channel: str) -> None:
        host = KernelHost(
            get_channel_layer(),
            channel,
            kernel_limits(),
            sandbox_settings(),
            placement=placement.configured(),
        )
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        await host.start()
        log.info("kernel host %s serving", channel)
        self.stdout.write(f"kernel host {channel} ready", ending="\n")
        self.stdout.flush()
        await stopping.wait()
        log.info("kernel host %s stopping", channel)
        await host.stop()


def check_redis_password(url: str) -> None:
    """Stop at once when Redis refuses REDIS_URL's credentials: a host that kept retrying would
    look alive to its supervisor while serving nobody. Redis merely down is waited for, as ever."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.AuthenticationError as exc:  # its text names the problem, never the password
        raise CommandError(f"Redis refused the credentials in REDIS_URL ({exc})") from None
    except redis.ConnectionError:
        log.warning("Redis is not answering yet; the kernel host waits for it")
    finally:
        client.close()
