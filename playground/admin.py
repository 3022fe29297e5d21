"""Moderation of shared snippets: search, read, unlist or remove. Content is never edited here.
Also the admin's login, throttled per client address."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from . import ratelimit
from .models import Snippet

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


@admin.register(Snippet)
class SnippetAdmin(admin.ModelAdmin):
    list_display = ("id", "display_title", "created", "visibility", "tf_version", "parent_id", "link")
    list_filter = ("visibility", "created", "tf_version")
    search_fields = ("=id", "title", "code")
    date_hierarchy = "created"
    ordering = ("-created",)
    fields = ("id", "link", "title", "code", "outputs", "outputs_truncated", "tf_version", "parent", "created")
    fields += ("visibility", "moderation_note")
    readonly_fields = ("id", "link", "title", "code", "outputs", "outputs_truncated", "tf_version", "parent")
    readonly_fields += ("created",)
    actions = ("remove", "unlist", "relist")
    show_full_result_count = False  # no COUNT(*) over every snippet on each page

    @admin.display(description="link")
    def link(self, snippet: Snippet) -> str:
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', snippet.url, snippet.url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # snippets are created by sharing, with an id derived from their content

    @admin.action(description="Remove: the link says it was removed")
    def remove(self, request: HttpRequest, queryset: QuerySet[Snippet]) -> None:
        self._set_visibility(request, queryset, Snippet.Visibility.REMOVED)

    @admin.action(description="Unlist: the link works, without search engines or link previews")
    def unlist(self, request: HttpRequest, queryset: QuerySet[Snippet]) -> None:
        self._set_visibility(request, queryset, Snippet.Visibility.UNLISTED)

    @admin.action(description="List again (undo remove or unlist)")
    def relist(self, request: HttpRequest, queryset: QuerySet[Snippet]) -> None:
        self._set_visibility(request, queryset, Snippet.Visibility.LISTED)

    def _set_visibility(self, request: HttpRequest, queryset: QuerySet[Snippet], visibility: str) -> None:
        count = queryset.update(visibility=visibility)
        self.message_user(request, f"{count} snippet(s) now {visibility}.", messages.SUCCESS)
