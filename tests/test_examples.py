"""Every example of the gallery runs in a fresh kernel, in both languages, as the page sends it."""

from __future__ import annotations

import pytest

from playground import examples


def test_every_example_has_both_languages_and_a_unique_slug():
    slugs = [e.slug for e in examples.EXAMPLES]
    assert len(slugs) == len(set(slugs))
    for example in examples.EXAMPLES:
        for field in (example.title, example.description, example.code):
            assert set(field) == set(examples.LANGUAGES)


def test_an_unknown_language_falls_back_to_english():
    assert examples.for_language("fr") == examples.for_language("en")


@pytest.mark.slow
@pytest.mark.parametrize("language", examples.LANGUAGES)
@pytest.mark.parametrize("example", examples.EXAMPLES, ids=lambda e: e.slug)
async def test_every_example_runs_without_an_unexpected_error(client_factory, example, language):
    kernel = await client_factory()
    run = await kernel.run(example.code[language])
    error = run.error
    if example.expect_error:
        assert error is not None and error["ename"] == example.expect_error
        assert error["hint"] is not None
    else:
        assert error is None, f"{example.slug}: {error['ename']}: {error['evalue']}"
    assert run.of("result"), "an example shows at least one value"
