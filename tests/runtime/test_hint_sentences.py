"""The hint sentences are written once (kernel_runtime/hints.py): the kernel's English text and
the page's translations come from the same place (fast: no kernel)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from django.test import Client

from kernel_runtime import hints
from tests.support import ROOT


def test_hints_py_imports_neither_django_nor_tensorflow():
    code = "import sys, kernel_runtime.hints; print(sorted(m for m in ('django', 'tensorflow') if m in sys.modules))"
    seen = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert seen.stdout.strip() == "[]"


def test_no_hint_sentence_holds_a_percent_sign_which_would_lose_its_translation():
    assert hints.SENTENCES and not [code for code, sentence in hints.SENTENCES.items() if "%" in sentence]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_hint_sentence_is_on_the_page_in_both_languages(language):
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get("/").content.decode()
    found = dict(re.findall(r'<span data-key="hint_([a-z_]+)">([^<]*)</span>', page))
    assert set(found) == set(hints.SENTENCES)
    english = [found[code] == sentence.replace("'", "&#x27;") for code, sentence in hints.SENTENCES.items()]
    assert all(english) if language == "en" else not any(english)
