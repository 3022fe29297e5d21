"""Moderation of shared snippets: search, read, unlist or remove. Content is never edited here."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from .models import Snippet


@admin.register(Snippet)
class SnippetAdmin(admin.ModelAdmin):
    list_display = ("id", "display_title", "created", "visibility", "tf_version", "parent_id", "link")
    list_filter = ("visibility", "created", "tf_version")
    search_fields = ("=id", "title", "code")
    date_hierarchy = "created"
    ordering = ("-created",)
    readonly_fields = (
        "id",
        "link",
        "title",
        "code",
        "files",
        "outputs",
        "outputs_truncated",
        "tf_version",
        "parent",
        "created",
    )
    fields = (*readonly_fields, "visibility", "moderation_note")
    actions = ("remove", "unlist", "relist")
    show_full_result_count = False  # no COUNT(*) over every snippet on each page

    @admin.display(description="link")
    def link(self, snippet: Snippet) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', snippet.get_absolute_url(), snippet.get_absolute_url()
        )

    @admin.display(description="files it carries")
    def files(self, snippet: Snippet) -> str:
        """Each with its size and a download link, to read before deciding (never edited)."""
        items = [(f["url"], f["name"], f["size"]) for f in snippet.file_list()]
        return format_html_join(", ", '<a href="{}">{}</a> ({} bytes)', items) or "none"

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
