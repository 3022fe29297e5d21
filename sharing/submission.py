"""Shared snippets: their limits, their content-addressed ids, and checking what a client sends.

A snippet's id is derived from its content, Go playground style: salted SHA-256 over a canonical
encoding of the code, the title and the parent's id, URL-safe base64, the first 11 characters
(more only on a collision). docs/api.md explains what counts as content and why. The model and
the views build on it.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

from config.env import dataclass_from_env
from kernel_runtime.files import BIDI_CONTROLS
from playground import messages

from .outputs import BadOutputs, clean_outputs

ID_SALT = b"tf-playground snippet v1\n"
"""Part of every id. A constant, not SECRET_KEY, so links are the same on every deployment."""
ID_LENGTH = 11
"""Characters of the digest an id keeps (66 bits), Go playground's figure."""
ID_PATTERN = r"[A-Za-z0-9_-]{11,43}"
MAX_TITLE_CHARS = 120


@dataclasses.dataclass(frozen=True)
class CarriedFile:
    """A session file a share carries, read from the sharer's kernel (carried.py)."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclasses.dataclass(frozen=True)
class SnippetLimits:
    max_output_bytes: int = 256 * 1024
    """Recorded outputs kept per snippet (JSON); later messages are dropped and the snippet says so."""
    max_request_bytes: int = 2 * 1024 * 1024
    """Largest POST /api/snippets body; a larger one is refused with 413."""
    creates_per_window: int = 30
    """Snippets one client (IP address) may create per window before getting 429."""
    rate_window_s: int = 600
    """The rate-limit window of creates_per_window, in seconds."""
    views_per_minute: int = 300
    """Snippet pages, embeds and downloads one client address may ask for per minute (a class of
    60 behind one NAT address opening a link at once fits five times); then 429."""
    conversions_per_minute: int = 60
    """Notebook conversions (POST /api/notebook, /api/notebook/code) per client address and minute."""
    max_file_bytes: int = 2**20
    """Session files a link carries (the ones its code names), in all; the rest are left out, and
    the share says which and why (carried.py)."""
    max_files: int = 20
    """Session files a link carries, at most."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"Snippet limit {field.name} must be positive, got {getattr(self, field.name)!r}")


def snippet_env_name(field_name: str) -> str:
    return f"PLAYGROUND_SNIPPET_{field_name.upper()}"


def snippet_limits_from_env(environ: Mapping[str, str] = os.environ) -> SnippetLimits:
    """Defaults, overridden by PLAYGROUND_SNIPPET_<NAME> variables; a malformed value fails loudly."""
    return dataclass_from_env(SnippetLimits, snippet_env_name, environ)


# ---------- content and ids ----------


def canonical_content(code: str, title: str, parent: str | None, outputs: str = "", files: str = "") -> bytes:
    """The bytes an id is derived from: sorted-key, compact JSON in UTF-8. `outputs` (outputs_key)
    takes part when there are outputs, so code shared with other outputs gets another link and
    a later sharer never inherits a first sharer's; code alone keeps the id it always had.
    `files` (files_key) likewise: the same code with other data is another link."""
    content = {"code": code, "parent": parent, "title": title} | ({"outputs": outputs} if outputs else {})
    content |= {"files": files} if files else {}
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def content_digest(code: str, title: str, parent: str | None, outputs: str = "", files: str = "") -> str:
    """The full digest (43 URL-safe characters); an id is a prefix of it."""
    digest = hashlib.sha256(ID_SALT + canonical_content(code, title, parent, outputs, files)).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


TIMINGS = ("elapsed_ms", "elapsed_s", "eta_s", "epoch_time_s")  # differ at every run of the same code


def outputs_key(outputs: list[dict], source: str) -> str:
    """Who recorded the outputs and a digest of what they show (timings aside); "" without any."""
    if not outputs:
        return ""
    shown = [{key: value for key, value in m.items() if key not in TIMINGS} for m in outputs]
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{source}:{hashlib.sha256(text.encode()).hexdigest()}"


def files_key(files: Iterable[tuple[str, str]]) -> str:
    """The files a snippet carries, as (name, SHA-256 of the bytes), sorted by name; "" without any."""
    pairs = sorted(files)
    return json.dumps(pairs, ensure_ascii=False, separators=(",", ":")) if pairs else ""


def candidate_ids(digest: str) -> Iterator[str]:
    """Ids to try, shortest first: 11 characters, one more per collision with other content.

    Like the Go playground, an id never ends in "_" or "-" (chat apps cut trailing punctuation
    off links), so such a prefix grows until it ends in a letter or digit.
    """
    for length in range(ID_LENGTH, len(digest) + 1):
        if digest[length - 1] not in "_-":
            yield digest[:length]


# ---------- what a client sends ----------


class SubmissionError(Exception):
    """A POST that cannot be stored; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclasses.dataclass(frozen=True)
class Submission:
    code: str
    title: str = ""
    parent: str | None = None
    outputs: list[dict] = dataclasses.field(default_factory=list)
    outputs_truncated: bool = False
    outputs_source: str = ""  # "server": from the session's record; "submitted": posted by a client
    files: tuple[CarriedFile, ...] = ()  # the session files it carries, read from the kernel (carried.py)

    @property
    def outputs_key(self) -> str:
        return outputs_key(self.outputs, self.outputs_source)

    @property
    def files_key(self) -> str:
        return files_key((file.name, file.sha256) for file in self.files)

    @property
    def digest(self) -> str:
        return content_digest(self.code, self.title, self.parent, self.outputs_key, self.files_key)


def parse_submission(
    body: bytes, max_code_bytes: int, limits: SnippetLimits, recorded: Callable[[str], list[dict]] | None = None
) -> Submission:
    """Check a POST body ({"code", "title"?, "run"? or "outputs"?, "parent"?}); raise SubmissionError.

    `run` names a run of the sharer's session: its outputs are the ones the server recorded
    (`recorded(run)`). `outputs` posted by a client are kept apart: labelled as submitted, and
    part of the link's id, so they never show under a link someone else shares."""
    if len(body) > limits.max_request_bytes:
        raise SubmissionError(413, f"The request is over {limits.max_request_bytes} bytes.")
    data = _json_object(body)
    code = _code(data.get("code"), max_code_bytes)
    if "run" in data and "outputs" in data:
        raise SubmissionError(
            400, 'Send "run" (a run of your session, its outputs as the server saw them) or "outputs", not both.'
        )
    source, posted = ("submitted", data.get("outputs")) if "outputs" in data else ("", None)
    if data.get("run") is not None:
        if recorded is None or not isinstance(data["run"], str):
            raise SubmissionError(400, '"run" names a run of the session this browser holds.')
        source, posted = "server", recorded(data["run"])
    try:
        outputs, truncated = clean_outputs(posted, limits.max_output_bytes)
    except BadOutputs as exc:
        raise SubmissionError(400, str(exc)) from None
    title, parent = clean_title(data.get("title")), _parent(data.get("parent"))
    return Submission(code, title, parent, outputs, truncated, source if outputs else "")


def _json_object(body: bytes) -> dict:
    try:  # the wire's own reader: no NaN literals, which would break the link's page (json_script)
        data = messages.loads(body)
    except messages.MessageError as exc:
        raise SubmissionError(400, f"The body is not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise SubmissionError(400, 'The body must be a JSON object like {"code": "..."}.')
    return data


def _code(code: object, max_code_bytes: int) -> str:
    if not isinstance(code, str):
        raise SubmissionError(400, '"code" is required and must be a string.')
    # One spelling of line ends, so the same program always gets the same id.
    code = code.replace("\r\n", "\n").replace("\r", "\n")
    if not code.strip():
        raise SubmissionError(400, '"code" is empty.')
    if len(code.encode()) > max_code_bytes:
        raise SubmissionError(413, f"The code is over {max_code_bytes // 1024} KiB.")
    return code


_TITLE_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")


# Bidirectional controls (right-to-left override and its kin) make a title read as something it
# is not (`exe.txt` shown as `txt.exe`); a title has no use for them, so they are dropped.
NO_BIDI_CONTROLS = dict.fromkeys(map(ord, BIDI_CONTROLS))


def clean_title(title: object) -> str:
    """One line, trimmed, without bidirectional controls, at most MAX_TITLE_CHARS; a missing title is ""."""
    if title is None:
        return ""
    if not isinstance(title, str):
        raise SubmissionError(400, '"title" must be a string.')
    title = _TITLE_SPACE.sub(" ", title.translate(NO_BIDI_CONTROLS)).strip()
    if len(title) > MAX_TITLE_CHARS:
        raise SubmissionError(400, f'"title" is over {MAX_TITLE_CHARS} characters.')
    return title


def _parent(parent: object) -> str | None:
    if parent is None or parent == "":
        return None
    if not isinstance(parent, str) or not re.fullmatch(ID_PATTERN, parent):
        raise SubmissionError(400, '"parent" must be a snippet id.')
    return parent
