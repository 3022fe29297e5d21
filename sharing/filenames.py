"""Which session files a snippet's code reads: the names it writes out as string literals.

Code is parsed, never run. Every string constant it holds (f-strings' literal parts too) that
names a file in the scratch folder counts: `"data.csv"`, `"./data.csv"` or `"/scratch/data.csv"`.
A name built at run time (`"data" + ".csv"`, a loop over `os.listdir()`) is not seen: what a link
carries is then plain from its code, and the share says which files went with it. Reading more
than the code names (everything in the folder) would publish files the sharer never meant to.
"""

from __future__ import annotations

import ast
import posixpath
import re

SCRATCH = "/scratch"  # the kernel's scratch folder, its home and working directory (docs/files.md)
MAX_LITERAL_CHARS = 4096  # longer strings are data, not file names
# For code that does not parse (the editor holds it half-typed): quoted strings on one line.
_QUOTED = re.compile(r"""(?:'([^'\\\n]*)'|"([^"\\\n]*)")""")


def names_in_code(code: str) -> list[str]:
    """The file names the code's string literals point at in the scratch folder, in order of first
    appearance, without repeats."""
    names: dict[str, None] = {}
    for text in _literals(code):
        name = scratch_name(text)
        if name:
            names.setdefault(name, None)
    return list(names)


def scratch_name(text: str) -> str | None:
    """The name in the scratch folder `text` points at, if it is a path there; else None."""
    if not text or len(text) > MAX_LITERAL_CHARS or "\n" in text:
        return None
    path = posixpath.normpath(text)
    folder, name = posixpath.split(path)
    if folder not in ("", SCRATCH, "~"):
        return None
    return name or None


def _literals(code: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return [a or b for a, b in _QUOTED.findall(code)]
    strings = [
        (node.lineno, node.col_offset, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    return [text for _, _, text in sorted(strings)]  # in the code's order: walk() goes breadth first
