"""The ASGI application: HTTP through Django, websockets through Channels, and a lifespan
handler that warms the embedded kernel pool at start and ends every kernel at shutdown."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from kernels import embedded  # noqa: E402
from playground import metrics  # noqa: E402
from playground.edge import EdgeMiddleware  # noqa: E402
from sharing import conversions  # noqa: E402


async def lifespan(scope, receive, send) -> None:
    lag = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if settings.PLAYGROUND_METRICS_PORT:
                port, address = settings.PLAYGROUND_METRICS_PORT, settings.PLAYGROUND_METRICS_ADDRESS
                lag = metrics.serve(port, address, _embedded_sessions, _embedded_pool)
            await embedded.wait_warm()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if lag is not None:
                lag.cancel()
            await embedded.stop()
            conversions.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _embedded_sessions() -> list:
    host = embedded.current()
    return list(host.sessions.values()) if host is not None else []


def _embedded_pool() -> tuple[int, int] | None:
    host = embedded.current()
    return (host.pool.ready, host.pool.reservations.held()) if host is not None else None


application = ProtocolTypeRouter(
    {
        "http": EdgeMiddleware(django_http),  # endpoints' rules before Django reads a body
        # Cookies only, not Channels' session middleware: the consumer needs the session key and
        # nothing in the session, and that middleware checks the session on every frame sent.
        "websocket": AllowedHostsOriginValidator(CookieMiddleware(URLRouter(websocket_urlpatterns))),
        "lifespan": lifespan,
    }
)
