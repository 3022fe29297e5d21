"""Notebooks in and out: code with `# %%` cells and its recorded outputs as an .ipynb, and back.

A cell is the text from one `# %%` line (kept as the cell's first line) to the next, so a
notebook written here and opened again gives the same code, character for character. A
notebook from elsewhere opens as its code cells, each under a `# %%` line, and its markdown
cells as comments. Outputs are the protocol's recorded messages (sharing/outputs.py): results
and errors go to the cell holding their line; printed text, which has no line, to the cell
of the first line of code after the last value shown before it (the kernel sends what was
printed before each value ahead of it).

Colab's forms (`#@title`, `#@param` lines) are plain code and stay as they are. A cell that
Colab shows as a form (`"cellView": "form"`) opens under a `# %%` line even when first, and a
cell written `# %%` then `#@title` goes out as Colab writes one: its `#@title` line first, its
metadata saying form; so each way the code comes back the same.
"""

from __future__ import annotations

import json
import re

import nbformat
from nbformat import v4

from kernel_runtime.protocol import MessageError, loads

from .outputs import BadOutputs, clean_outputs

MARKER = re.compile(r"#\s*%%")
FORM_TITLE = re.compile(r"# %%\n(#\s*@title\b)")  # a bare marker, then Colab's form title
IMPORTS = "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras"
IMPORTS_TAG = "playground-imports"
MAX_NOTEBOOK_BYTES = 4 << 20  # an uploaded .ipynb, or the cells sent to make one
MAX_CELLS = 1000  # cells of a notebook read or written; Colab's longest teaching notebooks have a few hundred
MAX_PROBLEM_CHARS = 300  # of a value quoted in an error: an answer, and a log line, stay small


class NotNotebook(ValueError):
    """The upload is not a notebook nbformat can read; says why."""


class TooLarge(NotNotebook):
    """A notebook over one of the limits; says which."""


def split_cells(code: str) -> list[str]:
    """The code's cells, each from its `# %%` line; joined with "\\n" they are the code again."""
    cells: list[list[str]] = []
    for line in code.split("\n"):
        if MARKER.match(line) or not cells:
            cells.append([])
        cells[-1].append(line)
    return ["\n".join(lines) for lines in cells]


def to_notebook(chunks: list[tuple[str, list[dict] | None]], runs: list[int] | None = None) -> nbformat.NotebookNode:
    """One notebook from runs of code (the whole editor, or one cell each) and their outputs.
    `runs`: each chunk's place in the order the session ran them (execution counts follow it).

    It opens with a cell of the imports the playground makes for you, so that it runs as it is
    in Jupyter; opened here again, that cell is left out (its tag says so)."""
    notebook = v4.new_notebook(metadata=_METADATA)
    notebook.cells.append(v4.new_code_cell(IMPORTS, metadata={"tags": [IMPORTS_TAG]}))
    count = 0
    for number, (code, outputs) in enumerate(chunks):
        if runs is not None:
            count = runs[number] - 1
        cells = split_cells(code)
        failed = outputs is None  # a chunk never run, or one whose earlier cell failed: no count
        for source, cell_outputs in zip(cells, place_outputs(cells, outputs or []), strict=True):
            count += not failed
            cell = _code_cell(source, None if failed else count)
            cell.outputs = [_numbered(output, count) for output in cell_outputs]
            notebook.cells.append(cell)
            failed = failed or any(output.output_type == "error" for output in cell_outputs)
    nbformat.validate(notebook)
    return notebook


def place_outputs(cells: list[str], messages: list[dict]) -> list[list]:
    """Each cell's notebook outputs, from one run's recorded messages."""
    cell_of, code_lines = [], []  # per line of the code: its cell, and whether it holds code
    for index, cell in enumerate(cells):
        for line in cell.split("\n"):
            cell_of.append(index)
            code_lines.append(bool(line.strip()) and not line.lstrip().startswith("#"))
    placed: list[list] = [[] for _ in cells]
    current = next((cell_of[i] for i, code in enumerate(code_lines) if code), 0)  # where text without a line goes
    for message in messages:
        output = _output(message)
        if output is None:
            continue
        lineno = message.get("end_lineno") or message.get("lineno")
        if not isinstance(lineno, int) or not 1 <= lineno <= len(cell_of):
            placed[current].append(output)
            continue
        placed[cell_of[lineno - 1]].append(output)
        # What is printed next comes from the statements after this line: the next line of code.
        following = (cell_of[i] for i in range(lineno, len(cell_of)) if code_lines[i])
        current = next(following, cell_of[lineno - 1]) if message["type"] == "result" else cell_of[lineno - 1]
    return placed


def _output(message: dict) -> nbformat.NotebookNode | None:
    kind = message.get("type")
    if kind == "stream":
        return v4.new_output("stream", name=message["name"], text=message["text"])
    if kind == "error":
        traceback = [str(line) for line in message.get("traceback") or []]
        return v4.new_output("error", ename=message["ename"], evalue=message["evalue"], traceback=traceback)
    if kind != "result":
        return None  # progress and done: the notebook has no place for them
    value = message["value"]
    if value.get("kind") == "figure" and isinstance(value.get("png_b64"), str):
        return v4.new_output("display_data", data={"image/png": value["png_b64"], "text/plain": value["repr"]})
    return v4.new_output("execute_result", data={"text/plain": value["repr"]})


def _numbered(output: nbformat.NotebookNode, count: int) -> nbformat.NotebookNode:
    if output.output_type == "execute_result":
        output.execution_count = count
    return output


def from_notebook(text: str | bytes) -> str:
    """The code of an .ipynb: code cells under `# %%` lines, markdown cells as comments."""
    if len(text) > MAX_NOTEBOOK_BYTES:
        raise TooLarge(f"The notebook is over {MAX_NOTEBOOK_BYTES >> 20} MiB.")
    data = _parse(text, "This is not a notebook")
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise NotNotebook("This is not a notebook: it has no list of cells.")
    _check_count(len(cells))
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds (NotJSONError, ValidationError, KeyError, ...)
        raise NotNotebook(f"This is not a notebook nbformat can read: {_short(exc)}") from None
    parts = []
    for number, cell in enumerate(notebook.cells, 1):
        source = cell.get("source")
        if not isinstance(source, str):
            raise NotNotebook(f"Cell {number}'s source is not text.")
        if IMPORTS_TAG in _tags(cell):
            continue
        if cell.get("cell_type") == "markdown":
            comments = "\n".join(("# " + line).rstrip() for line in source.split("\n"))
            parts.append("# %% [markdown]\n" + comments)
        elif cell.get("cell_type") == "code":  # the first needs no marker (nothing comes before it) but a form's
            first = not parts and _metadata(cell).get("cellView") != "form"
            parts.append(source if first or MARKER.match(source) else "# %%\n" + source)
    return "\n".join(parts)


def notebook_text(chunks: list[tuple[str, list[dict] | None]], runs: list[int] | None = None) -> str:
    """to_notebook as the .ipynb file's text."""
    _check_count(sum(len(split_cells(code)) for code, _ in chunks))
    return json.dumps(to_notebook(chunks, runs), indent=1, ensure_ascii=False)


def cells_to_notebook(body: bytes, max_code_bytes: int, max_output_bytes: int) -> str:
    """POST /api/notebook's body ({"cells": [{"code", "outputs"?}, ...]}) as an .ipynb's text."""
    data = _parse(body, "The body is not JSON this site reads")
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list) or not cells or not all(isinstance(cell, dict) for cell in cells):
        raise NotNotebook('The body must be {"cells": [{"code": "...", "outputs": [...]}, ...]}.')
    _check_count(len(cells))
    chunks, size = [], 0
    counted = all(isinstance(cell.get("count"), int) for cell in cells)  # from the session's record
    for number, cell in enumerate(cells, 1):
        code = cell.get("code")
        if not isinstance(code, str):
            raise NotNotebook(f'Cell {number} needs "code", a string.')
        size += len(code.encode())
        try:
            outputs, _ = clean_outputs(cell.get("outputs"), max_output_bytes)
        except BadOutputs as exc:
            raise NotNotebook(f"Cell {number}: {_short(exc)}") from None
        chunks.append((code.replace("\r\n", "\n"), outputs if cell.get("outputs") is not None else None))
    if size > max_code_bytes:
        raise TooLarge(f"The code is over {max_code_bytes // 1024} KiB.")
    return notebook_text(chunks, [cell["count"] for cell in cells] if counted else None)


def _parse(text: str | bytes, problem: str) -> object:
    try:
        return loads(text)
    except MessageError as exc:
        raise NotNotebook(f"{problem}: {_short(exc)}") from None


def _check_count(cells: int) -> None:
    if cells > MAX_CELLS:
        raise TooLarge(f"The notebook has {cells:,} cells; the limit is {MAX_CELLS:,}.")


def _code_cell(source: str, count: int | None) -> nbformat.NotebookNode:
    """A code cell; `# %%` then `#@title` is a Colab form's cell: the title first, shown as a form."""
    if FORM_TITLE.match(source):
        return v4.new_code_cell(source.split("\n", 1)[1], execution_count=count, metadata={"cellView": "form"})
    return v4.new_code_cell(source, execution_count=count)


def _metadata(cell: dict) -> dict:
    metadata = cell.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _tags(cell: dict) -> list:
    tags = _metadata(cell).get("tags")
    return tags if isinstance(tags, list) else []


def _short(exc: Exception) -> str:
    text = str(exc).split("\n", 1)[0] or type(exc).__name__
    return text if len(text) <= MAX_PROBLEM_CHARS else text[:MAX_PROBLEM_CHARS] + "…"


def to_script(code: str) -> str:
    """The .py download: the code as it is, cells and all, ending with a newline."""
    return code if code.endswith("\n") else code + "\n"


_METADATA = {
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python"},
}


FILES_CELL_TAG = "playground-link-files"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~-])")


def with_files_cell(text: str, files: list[tuple[str, str]]) -> str:
    """A link's .ipynb with a first markdown cell saying how to get the files it carries: each
    (name, absolute URL), and a few lines of Python that fetch them into the working directory."""
    notebook = json.loads(text)
    listed = "\n".join(f"- [{_escaped(name)}](<{url}>)" for name, url in files)
    fetch = "\n".join(f"urllib.request.urlretrieve({url!r}, {name!r})" for name, url in files)
    source = (
        "**This code reads files that came with its link.** Download them into the folder the "
        "notebook runs in (the playground put them in its scratch folder, the working directory):\n\n"
        f"{listed}\n\nor run:\n\n```python\nimport urllib.request\n{fetch}\n```"
    )
    cell = {"cell_type": "markdown", "id": "link-files", "metadata": {"tags": [FILES_CELL_TAG]}, "source": source}
    notebook["cells"] = [cell, *notebook.get("cells", [])]
    return json.dumps(notebook, indent=1, ensure_ascii=False)


def _escaped(name: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", name)
