"""The admin site's login, throttled per client address: the one form here that takes a password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from playground import ratelimit

TOO_MANY_LOGINS = "Too many failed logins from this address; try again in {wait} s."


def throttled_login(request: HttpRequest) -> HttpResponse:
    """The admin's login view, refusing an address after ADMIN_LOGIN_FAILURES failures a window.

    Every attempt is counted before the password is checked, so parallel guesses cannot all
    slip in under the limit; a successful login takes its count back."""
    if request.method != "POST":
        return admin.site.login(request)
    key = f"admin-login:{ratelimit.client_key(request)}"
    window_s = settings.ADMIN_LOGIN_WINDOW_S
    wait = ratelimit.hit(key, settings.ADMIN_LOGIN_FAILURES, window_s)
    if wait is not None:
        refusal = HttpResponse(TOO_MANY_LOGINS.format(wait=wait), status=429, content_type="text/plain")
        refusal["Retry-After"] = str(wait)
        return refusal
    response = admin.site.login(request)
    if response.status_code in (301, 302):  # logged in: the form redirects; a failure shows it again
        ratelimit.refund(key, window_s)
    return response
