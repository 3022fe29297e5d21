"""The examples gallery: the lesson in ../shared/seed/, topic by topic, in Spanish and English.

Each example is a file, as the Go playground keeps its examples: `en/06-huber.py` and
`es/06-huber.py` are the same example in each language. The number orders the gallery; the rest
of the name is the slug the page uses. A file opens with a header of `# key: value` lines and a
blank line, which the page does not show:

    # title: A custom loss: Huber
    # description: Define huber_fn, compile a model with it and train.
    # expect_error: InvalidArgumentError      (only where the example fails on purpose)

Why a file per language rather than the code once with its comments in the .po catalogue: the
comments are the prose, interleaved with the code and aligned with it, so a translator needs the
whole example in front of them, and a file per language is exactly what the page shows. Keeping the
code once would take a template syntax in the files (no longer runnable or readable as Python) or
a catalogue keyed by comment text that breaks whenever an English comment changes. The cost of two
files, a code change made twice, is checked here: both languages must hold the same examples, with
the same code token for token once comments are set aside (the `# %%` cell marks included).

Every example is ready to run in a fresh session (it defines everything it uses; `tf`, `np` and
`keras` are predefined in kernels, which is why pyproject.toml keeps ruff away from these files;
a type checker must skip them too). `# %%` lines split an example into cells at its steps (the
editor runs the whole file today). tests/web/test_examples.py runs every example in a real kernel.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("en", "es")
FOLDER = Path(__file__).resolve().parent

_NAME = re.compile(r"\d\d-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.py")
_HEADER_LINE = re.compile(r"# (?P<key>[a-z_]+): (?P<value>\S.*)")
_REQUIRED = ("title", "description")
_OPTIONAL = ("expect_error",)
_CELL = "# %%"


class ExampleFileError(ValueError):
    """An example file the loader cannot use; the message names the file."""


@dataclass(frozen=True)
class Example:
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    code: dict[str, str]
    expect_error: str | None = None

    def localised(self, language: str) -> dict[str, str]:
        lang = (language or "").split("-")[0]
        lang = lang if lang in LANGUAGES else "en"
        return {
            "slug": self.slug,
            "title": self.title[lang],
            "description": self.description[lang],
            "code": self.code[lang],
        }


@dataclass(frozen=True)
class ExampleFile:
    """One example in one language, as its file says."""

    path: Path
    slug: str
    header: dict[str, str]
    code: str


def read_file(path: Path) -> ExampleFile:
    match = _NAME.fullmatch(path.name)
    if not match:
        raise ExampleFileError(f"{path}: name it NN-slug.py (two digits, a dash, lower-case words joined by dashes)")
    text = path.read_text(encoding="utf-8")
    header_text, blank, code = text.partition("\n\n")
    if not blank:
        raise ExampleFileError(f"{path}: the header must end with a blank line before the code")
    header = _parse_header(path, header_text.splitlines())
    if not code.strip():
        raise ExampleFileError(f"{path}: no code after the header")
    return ExampleFile(path, match["slug"], header, code)


def _parse_header(path: Path, lines: list[str]) -> dict[str, str]:
    header: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        match = _HEADER_LINE.fullmatch(line.rstrip())
        if not match:
            raise ExampleFileError(f"{path}:{number}: a header line reads '# key: value', not {line!r}")
        key = match["key"]
        if key not in _REQUIRED + _OPTIONAL:
            raise ExampleFileError(f"{path}:{number}: unknown header key {key!r}")
        if key in header:
            raise ExampleFileError(f"{path}:{number}: {key!r} given twice")
        header[key] = match["value"]
    missing = [key for key in _REQUIRED if key not in header]
    if missing:
        raise ExampleFileError(f"{path}: the header lacks {', '.join(missing)}")
    return header


def _read_language(folder: Path) -> list[ExampleFile]:
    files = [read_file(path) for path in sorted(folder.glob("*.py"))]
    if not files:
        raise ExampleFileError(f"{folder}: no example files")
    return files


def _same_examples(folder: Path, files: dict[str, list[ExampleFile]]) -> None:
    # The same file names in every language, so order and slugs agree too.
    first = LANGUAGES[0]
    expected = {file.path.name for file in files[first]}
    for lang in LANGUAGES[1:]:
        names = {file.path.name for file in files[lang]}
        if names != expected:
            raise ExampleFileError(
                f"{folder / lang}: not the examples of {folder / first}: "
                f"missing {sorted(expected - names) or 'none'}, extra {sorted(names - expected) or 'none'}"
            )


def _code_tokens(file: ExampleFile) -> list[tuple[int, str]]:
    # The code apart from its prose: every token but comments, cell marks kept.
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(file.code).readline))
    except (tokenize.TokenError, SyntaxError) as error:
        raise ExampleFileError(f"{file.path}: not Python: {error}") from error
    return [
        (token.type, token.string)
        for token in tokens
        if token.type not in (tokenize.COMMENT, tokenize.NL) or token.string.strip() == _CELL
    ]


def _merge(translations: dict[str, ExampleFile]) -> Example:
    first = translations[LANGUAGES[0]]
    code = _code_tokens(first)
    for file in translations.values():
        if file.header.get("expect_error") != first.header.get("expect_error"):
            raise ExampleFileError(f"{file.path}: expect_error differs from {first.path}")
        if _code_tokens(file) != code:
            raise ExampleFileError(f"{file.path}: the code differs from {first.path} (only comments may)")
    return Example(
        slug=first.slug,
        title={lang: file.header["title"] for lang, file in translations.items()},
        description={lang: file.header["description"] for lang, file in translations.items()},
        code={lang: file.code for lang, file in translations.items()},
        expect_error=first.header.get("expect_error"),
    )


def load(folder: Path = FOLDER) -> tuple[Example, ...]:
    """Every example under `folder` (a subfolder per language), checked; raises ExampleFileError."""
    files = {lang: _read_language(folder / lang) for lang in LANGUAGES}
    _same_examples(folder, files)
    count = len(files[LANGUAGES[0]])
    return tuple(_merge({lang: files[lang][i] for lang in LANGUAGES}) for i in range(count))


# Read once at import: a broken file stops the server at start, naming the file.
EXAMPLES: tuple[Example, ...] = load()


def for_language(language: str) -> list[dict[str, str]]:
    return [example.localised(language) for example in EXAMPLES]
