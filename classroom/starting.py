"""A lesson's starting code, from what the teacher gave: a notebook, a snippet's link, or code."""

from __future__ import annotations

import re

from django.http import HttpRequest

from playground import edge, ratelimit
from sharing import conversions, notebooks
from sharing.models import Snippet
from sharing.submission import ID_PATTERN

from .apps import class_limits

LINK = re.compile(rf"(?:^|/s/)(?P<id>{ID_PATTERN})/?(?:[?#].*)?$")


class StartingCodeError(ValueError):
    """What the teacher gave cannot be a lesson; the message says why."""


async def starting_code(request: HttpRequest, data: dict) -> str:
    notebook, link = data.get("notebook"), data.get("snippet", "").strip()
    if notebook is not None:
        code = await _from_notebook(request, notebook)
    elif link:
        code = await _from_link(link)
    else:
        code = data.get("starting_code", "")
    limit = class_limits().max_starting_code_bytes
    if len(code.encode()) > limit:
        raise StartingCodeError(f"The starting code is over {limit // 1024} KiB.")
    return code


async def _from_link(link: str) -> str:
    match = LINK.search(link)
    snippet = await Snippet.objects.filter(pk=match["id"]).afirst() if match else None
    if snippet is None or snippet.is_removed:
        raise StartingCodeError(f"There is no snippet at {link[:100]!r}: paste a link like /s/ followed by its id.")
    return snippet.code


async def _from_notebook(request: HttpRequest, upload) -> str:
    if upload.size > notebooks.MAX_NOTEBOOK_BYTES:
        raise StartingCodeError(f"The notebook is over {notebooks.MAX_NOTEBOOK_BYTES >> 20} MiB.")
    try:
        return await conversions.run(ratelimit.client_key(request), notebooks.from_notebook, upload.read())
    except (edge.Refused, notebooks.NotNotebook) as exc:
        raise StartingCodeError(str(exc)) from None
