"""The Content-Security-Policy header (django-csp), with the websocket's own address allowed.

CSP Level 3 lets `connect-src 'self'` match ws:/wss: on the page's host, and current Chromium,
Firefox and Safari do so; older browsers matched only http(s), which would block the page's
websocket. Naming ws:// and wss:// of the host the request came to costs nothing and covers them.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        host = _host(request)
        if host is not None and not report_only:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", []), f"ws://{host}", f"wss://{host}"]
            parts.update = update
        return parts


def _host(request: HttpRequest) -> str | None:
    """The validated Host (ALLOWED_HOSTS), so never a value a client could inject through.

    IPv6 literals are left to 'self': CSP source expressions have no syntax for them."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return None if host.startswith("[") else host
