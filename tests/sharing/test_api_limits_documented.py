"""docs/api.md's table of limits says what the server does: each number there is read against
the setting or constant it names (fast)."""

from __future__ import annotations

import re

from kernels.limits import Limits
from sharing import conversions, notebooks
from sharing.submission import SnippetLimits
from tests.support import ROOT

TABLE = (ROOT / "docs" / "api.md").read_text().split("## Limits and answers", 1)[1].split("\n## ", 1)[0]


def row(words: str) -> str:
    found = [line for line in TABLE.splitlines() if line.startswith("|") and words in line]
    assert len(found) == 1, f"docs/api.md's limits table has no single row for {words!r}"
    return found[0]


def value(text: str) -> str:
    return text.split("|")[2].strip()  # | limit | value | answer |


def size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+) (MiB|KiB)", value(text)).groups()
    return int(number) << (20 if unit == "MiB" else 10)


def count(text: str) -> int:
    return int(value(text))


def test_every_limit_in_the_api_table_is_the_servers_own():
    snippets, kernels = SnippetLimits(), Limits()
    assert size(row("PLAYGROUND_SNIPPET_MAX_REQUEST_BYTES")) == snippets.max_request_bytes
    assert size(row("PLAYGROUND_MAX_CODE_BYTES")) == kernels.max_code_bytes
    assert size(row("PLAYGROUND_SNIPPET_MAX_OUTPUT_BYTES")) == snippets.max_output_bytes
    assert size(row("PLAYGROUND_SNIPPET_MAX_FILE_BYTES")) == snippets.max_file_bytes
    assert count(row("PLAYGROUND_SNIPPET_MAX_FILES")) == snippets.max_files
    assert f"{snippets.creates_per_window} per {snippets.rate_window_s} s" in row("CREATES_PER_WINDOW")
    assert size(row("a notebook sent to a conversion")) == notebooks.MAX_NOTEBOOK_BYTES
    assert count(row("cells of a notebook")) == notebooks.MAX_CELLS
    assert f"{snippets.conversions_per_minute} per minute" in row("PLAYGROUND_SNIPPET_CONVERSIONS_PER_MINUTE")
    assert f"{snippets.views_per_minute} per minute" in row("PLAYGROUND_SNIPPET_VIEWS_PER_MINUTE")
    assert count(row("conversions at once from one address")) == conversions.PER_CLIENT
    assert count(row("conversions waiting or running")) == conversions.WAITING
    assert f"{conversions.TIME_LIMIT_S:g} s" in row("time of one conversion")
    assert f"{notebooks.MAX_PROBLEM_CHARS} characters" in row("not JSON")


def test_every_answer_in_the_api_table_is_one_the_server_gives():
    assert "`413`" in row("PLAYGROUND_SNIPPET_MAX_REQUEST_BYTES") and "`429`" in row("CONVERSIONS_PER_MINUTE")
    assert "`503`" in row("conversions waiting") and "`422`" in row("time of one conversion")
    assert "`415`, `403`" in row("another site")
