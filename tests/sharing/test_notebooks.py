"""Notebooks in and out: code with `# %%` cells and recorded outputs as .ipynb, and back."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import nbformat
import pytest
from django.test import Client

from playground import examples
from sharing import notebooks

EXAMPLES = sorted(examples.FOLDER.glob("*/*.py"))


@pytest.mark.parametrize(
    "code",
    [
        "x = 1",
        "# %%\nx = 1\n# %% two\ny = 2\n",
        "\n\n# %%\n\n",
        "a\r\n# %%\nb",
        "# %%",
        *[p.read_text() for p in EXAMPLES],
    ],
)
def test_code_written_as_a_notebook_opens_as_the_same_code(code):
    code = code.replace("\r\n", "\n")
    assert "\n".join(notebooks.split_cells(code)) == code
    text = nbformat.writes(notebooks.to_notebook([(code, None)]))
    assert notebooks.from_notebook(text) == code


def test_the_examples_use_cells_for_their_steps():
    assert len(EXAMPLES) == len(examples.EXAMPLES) * len(examples.LANGUAGES)  # all of them, in each language
    assert sum("\n# %%" in path.read_text() for path in EXAMPLES) >= len(EXAMPLES) // 2


def test_a_notebook_from_elsewhere_opens_as_cells_with_markdown_as_comments():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Title\nSome *words*."),
        nbformat.v4.new_code_cell("t = tf.ones([2])"),
        nbformat.v4.new_code_cell("t * 2"),
    ]
    code = notebooks.from_notebook(nbformat.writes(notebook))
    assert code == "# %% [markdown]\n# # Title\n# Some *words*.\n# %%\nt = tf.ones([2])\n# %%\nt * 2"


@pytest.mark.parametrize(
    "body", [b"", b"{", b'{"cells": 3}', b"[]", json.dumps({"nbformat": 4, "cells": [{}]}).encode()]
)
def test_what_is_not_a_notebook_is_refused_saying_so(body):
    with pytest.raises(notebooks.NotNotebook, match="not a notebook"):
        notebooks.from_notebook(body)


OUTPUTS = [
    {"type": "stream", "name": "stdout", "text": "hello\n"},
    {"type": "result", "lineno": 3, "end_lineno": 3, "value": {"kind": "text", "type": "int", "repr": "2"}},
    {"type": "stream", "name": "stdout", "text": "second\n"},
    {"type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": [], "lineno": 6},
    {"type": "done", "ok": False, "elapsed_ms": 1.0},
]


def test_outputs_go_to_the_cell_of_their_line_and_cells_after_an_error_did_not_run():
    code = "# %%\nprint('hello')\n1 + 1\n# %%\nprint('second')\n1 / 0\n# %%\nnever = 1"
    notebook = notebooks.to_notebook([(code, OUTPUTS)])
    nbformat.validate(notebook)
    imports, first, second, third = notebook.cells
    assert "playground-imports" in imports.metadata.tags
    assert [o.output_type for o in first.outputs] == ["stream", "execute_result"]
    assert first.outputs[1].data["text/plain"] == "2" and first.execution_count == 1
    assert [o.output_type for o in second.outputs] == ["stream", "error"]
    assert second.outputs[1].ename == "ZeroDivisionError"
    assert third.outputs == [] and third.execution_count is None


@pytest.mark.django_db
def test_the_conversions_need_no_csrf_token_and_refuse_bad_bodies_clearly():
    client = Client(enforce_csrf_checks=True)
    body = {"cells": [{"code": "# %%\nprint('hello')\n1 + 1", "outputs": OUTPUTS[:2]}]}
    answer = client.post("/api/notebook", json.dumps(body), content_type="application/json")
    assert answer.status_code == 200 and answer["Content-Disposition"].endswith('.ipynb"')
    notebook = nbformat.reads(answer.content.decode(), as_version=4)
    assert notebook.cells[1].outputs[0].text == "hello\n"
    back = client.post("/api/notebook/code", answer.content, content_type="application/x-ipynb+json")
    assert back.json() == {"code": "# %%\nprint('hello')\n1 + 1"}
    refused = client.post("/api/notebook", '{"cells": [{"code": 1}]}', content_type="application/json")
    assert refused.status_code == 400 and "code" in refused.json()["error"]
    not_one = client.post("/api/notebook/code", b"hello", content_type="application/x-ipynb+json")
    assert not_one.status_code == 400 and "not a notebook" in not_one.json()["error"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
async def test_a_shared_links_notebook_validates_and_its_code_runs_in_plain_python_with_the_same_results(kernel):
    from django.test import AsyncClient

    code = (
        "t = tf.constant([[1., 2.], [3., 4.]])\nprint('rows', t.shape[0])\nt.shape\n"
        "# %% the sum\ntf.reduce_sum(t).numpy()\nnp.arange(3) * 2\n# %%\nprint('done')"
    )
    run = await kernel.run(code)
    outputs = [{k: v for k, v in m.items() if k != "id"} for m in run.messages if m["type"] != "variables"]
    client = AsyncClient()
    shared = await client.post("/api/snippets", {"code": code, "outputs": outputs}, content_type="application/json")
    snippet_id = shared.json()["id"]
    notebook = nbformat.reads((await client.get(f"/s/{snippet_id}.ipynb")).content.decode(), as_version=4)
    nbformat.validate(notebook)
    assert (await client.get(f"/s/{snippet_id}.py")).content.decode() == code + "\n"
    recorded = [_texts(cell.outputs) for cell in notebook.cells]
    assert recorded[1:] == [["rows 2\n", "TensorShape([2, 2])"], ["np.float32(10.0)", "array([0, 2, 4])"], ["done\n"]]
    assert _run_in_plain_python([cell.source for cell in notebook.cells]) == recorded


def _texts(outputs: list) -> list[str]:
    return [o.text if o.output_type == "stream" else o.data["text/plain"] for o in outputs]


PLAIN_RUNNER = """
import ast, contextlib, io, json, sys
results, namespace = [], {}
for source in json.load(sys.stdin):
    cell, out = [], io.StringIO()
    for node in ast.parse(source).body:
        with contextlib.redirect_stdout(out):
            if isinstance(node, ast.Expr):
                value = eval(compile(ast.Expression(node.value), "<cell>", "eval"), namespace)
            else:
                exec(compile(ast.Module([node], []), "<cell>", "exec"), namespace)
                value = None
        if out.getvalue():
            cell.append(out.getvalue())
            out = io.StringIO()
        if value is not None:
            cell.append(repr(value))
    results.append(cell)
print(json.dumps(results))
"""


def _run_in_plain_python(sources: list[str]) -> list[list[str]]:
    """Each cell run by a plain Python with TensorFlow (no playground), as a REPL shows values."""
    assert all(ast.parse(source) for source in sources)
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_RUNNER],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        timeout=120,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_a_links_page_offers_its_notebook_and_script_and_unknown_ids_are_not_found():
    client = Client()
    snippet_id = client.post("/api/snippets", {"code": "# %%\nx = 1"}, content_type="application/json").json()["id"]
    page = client.get(f"/s/{snippet_id}").content.decode()
    assert f'href="/s/{snippet_id}.ipynb"' in page and f'href="/s/{snippet_id}.py"' in page
    script = client.get(f"/s/{snippet_id}.py")
    assert script.content == b"# %%\nx = 1\n" and script["Content-Disposition"].endswith('.py"')
    assert client.get("/s/AAAAAAAAAAA.ipynb").status_code == 404
