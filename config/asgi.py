"""The ASGI application: HTTP through Django, websockets through Channels, and a lifespan
handler that warms the embedded kernel pool at start and ends every kernel at shutdown."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from kernels import embedded  # noqa: E402
from sharing import conversions  # noqa: E402


async def lifespan(scope, receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await embedded.wait_warm()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await embedded.stop()
            conversions.stop()
            await send({"type": "lifespan.shutdown.complete"})
            return


application = ProtocolTypeRouter(
    {
        "http": django_http,
        # Cookies only, not Channels' session middleware: the consumer needs the session key and
        # nothing in the session, and that middleware checks the session on every frame sent.
        "websocket": AllowedHostsOriginValidator(CookieMiddleware(URLRouter(websocket_urlpatterns))),
        "lifespan": lifespan,
    }
)
