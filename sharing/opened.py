"""The files of the link a websocket's page opened, for its session's scratch folder (docs/files.md).

A link's page opens its websocket with `?snippet=<id>` (sharing/snippet.html); the consumer asks
here for that link's files and sends them to the session's kernel host before the page can send
a run (kernels/seeds.py). The bytes come from the database, never from the page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from .models import Snippet, SnippetFile
from .submission import ID_PATTERN


async def files_of_scope(scope: dict) -> list[tuple[str, bytes]]:
    """(name, bytes) of each file the link named in the websocket's query carries; [] for none."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    snippet_id = (query.get("snippet") or [""])[0]
    if not re.fullmatch(ID_PATTERN, snippet_id):
        return []
    return await database_sync_to_async(_files)(snippet_id)  # closes stale connections around it


def _files(snippet_id: str) -> list[tuple[str, bytes]]:
    rows = SnippetFile.objects.filter(snippet_id=snippet_id).exclude(snippet__visibility=Snippet.Visibility.REMOVED)
    return [(name, bytes(data)) for name, data in rows.values_list("name", "blob__data")]
