"""Colab's forms through notebooks (issue 26, item 1): a Colab notebook with forms opens as its
code, `#@param` lines as they are, and goes out again as Colab writes forms (fast)."""

from __future__ import annotations

import json

import nbformat
import pytest

from sharing import notebooks

SETTINGS = (
    '#@title Settings { display-mode: "form" }\n'
    'lr = 0.01  #@param {type:"slider", min:0.0001, max:1, step:0.0001}\n'
    'optimizer = "adam"  #@param ["adam", "sgd"] {allow-input: true}\n'
    'shuffle = True  #@param {type:"boolean"}\n'
    "#@markdown The date the run is for:\n"
    "day = '2024-01-01'  #@param {type:\"date\"}"
)
TRAIN = "print(lr, optimizer, shuffle, day)"


def colab_notebook() -> str:
    """As Colab saves one: the form's cell first, marked `cellView: form`, then plain code."""
    cells = [
        {
            "cell_type": "code",
            "metadata": {"cellView": "form", "id": "a1"},
            "source": SETTINGS.splitlines(True),
            "outputs": [],
            "execution_count": None,
        },
        {"cell_type": "code", "metadata": {"id": "b2"}, "source": [TRAIN], "outputs": [], "execution_count": None},
    ]
    meta = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    return json.dumps({"nbformat": 4, "nbformat_minor": 0, "metadata": meta, "cells": cells})


def test_a_colab_notebook_with_forms_opens_with_its_param_lines_as_they_are():
    code = notebooks.from_notebook(colab_notebook())
    assert code == "# %%\n" + SETTINGS + "\n# %%\n" + TRAIN  # the form's cell is a cell even when first


def test_a_form_cell_goes_out_as_colab_writes_it_and_opens_again_the_same():
    code = notebooks.from_notebook(colab_notebook())
    notebook = notebooks.to_notebook([(code, None)])
    form, train = notebook.cells[1:]  # after the playground's imports
    assert form.source == SETTINGS and form.metadata == {"cellView": "form"}  # #@title first: Colab's form
    assert train.source == "# %%\n" + TRAIN and "cellView" not in train.metadata
    assert notebooks.from_notebook(nbformat.writes(notebook)) == code


@pytest.mark.parametrize(
    "code",
    [
        '#@title First, without a marker\nx = 1  #@param {type:"integer"}',
        '# %%\n#@title A form\nx = 1  #@param {type:"integer"}\n'
        '# %%\n# @title Colab\'s newer spelling\ny = \'a\'  # @param ["a", "b"]',
        "# %% setup\n#@title A marker with a name stays\nx = 1",
        'x = 0\n# %%\n#@markdown Only text\n# %%\n#@title\nz = True  #@param {type:"boolean"}',
    ],
)
def test_code_with_forms_written_as_a_notebook_opens_as_the_same_code(code):
    assert notebooks.from_notebook(nbformat.writes(notebooks.to_notebook([(code, None)]))) == code


def test_outputs_stay_with_a_form_cell_whose_marker_went():
    code = '# %%\n#@title Go\nn = 3  #@param {type:"integer"}\nn * 2'
    result = {"type": "result", "id": "r", "lineno": 4, "end_lineno": 4, "value": {"kind": "text", "repr": "6"}}
    cell = notebooks.to_notebook([(code, [result])]).cells[1]
    assert cell.source.startswith("#@title Go") and cell.outputs[0].data["text/plain"] == "6"
