"""Shared snippets: immutable links to code and its recorded results, their pages, embeds and API.

The app builds its limits (PLAYGROUND_SNIPPET_*) from the environment when Django starts, so a
malformed value stops the server at start."""

from __future__ import annotations

from django.apps import AppConfig, apps

from .submission import SnippetLimits, snippet_limits_from_env


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Shared snippets"
    default_auto_field = "django.db.models.BigAutoField"
    limits: SnippetLimits

    def ready(self) -> None:
        from . import rules

        self.limits = snippet_limits_from_env()
        rules.register(snippet_limits)


def snippet_limits() -> SnippetLimits:
    config = apps.get_app_config("sharing")
    assert isinstance(config, SharingConfig)
    return config.limits
