"""The sharing endpoints' rules at the web edge (playground/edge.py): what each accepts and how
often, checked on the request's headers before its body is read. docs/api.md's limits table."""

from __future__ import annotations

from collections.abc import Callable

from playground import edge

from .submission import SnippetLimits

IPYNB = "application/x-ipynb+json"


def _notebook_bytes() -> int:
    from .notebooks import MAX_NOTEBOOK_BYTES  # nbformat is imported when a conversion is first asked for

    return MAX_NOTEBOOK_BYTES


def register(snippet_limits: Callable[[], SnippetLimits]) -> None:
    """The rules, reading the sharing app's limits (`snippet_limits`) each time they are applied."""

    def creates() -> tuple[int, int]:
        return snippet_limits().creates_per_window, snippet_limits().rate_window_s

    def conversions() -> tuple[int, int]:
        return snippet_limits().conversions_per_minute, 60

    def views() -> tuple[int, int]:
        return snippet_limits().views_per_minute, 60

    def request_bytes() -> int:
        return snippet_limits().max_request_bytes

    create = edge.Rule(creates, "snippet-create", edge.JSON, request_bytes, what="snippets shared")
    edge.register("api-snippets", create)
    for name, types in (("api-notebook", edge.JSON), ("api-notebook-code", (IPYNB, *edge.JSON))):
        edge.register(name, edge.Rule(conversions, "notebook", types, _notebook_bytes, what="notebook conversions"))
    for page in ("snippet", "snippet-embed", "snippet-ipynb", "snippet-py", "snippet-file"):
        edge.register(page, edge.Rule(views, "snippet-view", plain=True, what="snippet views"))
    edge.register("api-snippet", edge.Rule(views, "snippet-view", what="snippet views"))
