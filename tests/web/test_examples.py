"""The examples gallery: its files load and agree across languages, a broken file is refused by
name, and every example runs in a fresh kernel, in both languages, as the page sends it."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from playground import examples

EXAMPLE_FILES = sorted(examples.FOLDER.glob("*/*.py"))


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the examples folder to break."""
    for lang in examples.LANGUAGES:
        shutil.copytree(examples.FOLDER / lang, tmp_path / lang)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_there_is_one_file_per_example_and_language():
    assert len(EXAMPLE_FILES) == len(examples.EXAMPLES) * len(examples.LANGUAGES)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_file_has_a_header_and_parses_as_python(path: Path):
    file = examples.read_file(path)
    assert file.header["title"] and file.header["description"]
    ast.parse(file.code, filename=str(path))


def test_both_languages_have_the_same_examples_in_the_same_order():
    names = {lang: [p.name for p in sorted((examples.FOLDER / lang).glob("*.py"))] for lang in examples.LANGUAGES}
    assert names["en"] == names["es"]
    assert [f"{n:02d}-{e.slug}.py" for n, e in enumerate(examples.EXAMPLES, start=1)] == names["en"]


def test_every_example_has_both_languages_and_a_unique_slug():
    slugs = [e.slug for e in examples.EXAMPLES]
    assert len(slugs) == len(set(slugs))
    for example in examples.EXAMPLES:
        for field in (example.title, example.description, example.code):
            assert set(field) == set(examples.LANGUAGES)


def test_the_header_is_not_part_of_the_code():
    huber = next(e for e in examples.EXAMPLES if e.slug == "huber")
    assert huber.code["en"].startswith("def huber_fn(")
    assert huber.title == {"en": "A custom loss: Huber", "es": "Función de coste propia: Huber"}


def test_the_types_example_expects_its_error_and_the_others_none():
    expected = {e.slug: e.expect_error for e in examples.EXAMPLES if e.expect_error}
    assert expected == {"types": "InvalidArgumentError"}


def test_the_lesson_steps_are_cells():
    huber = next(e for e in examples.EXAMPLES if e.slug == "huber")
    assert huber.code["es"].count("# %%\n") == 2


def test_an_unknown_language_falls_back_to_english():
    assert examples.for_language("fr") == examples.for_language("en")
    assert examples.for_language("es-ES") == examples.for_language("es")


def test_the_copy_loads_as_the_real_folder(copy: Path):
    assert examples.load(copy) == examples.EXAMPLES


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ("# title: Tensor basics\n", "lacks description"),
        ("# title: Tensor basics\n# description: x\n# title: again\n", "'title' given twice"),
        ("# title: Tensor basics\n# description: x\n# level: easy\n", "unknown header key 'level'"),
        ("# title: Tensor basics\ndescription: x\n", "a header line reads '# key: value'"),
        ("# title:\n# description: x\n", "a header line reads '# key: value'"),
    ],
)
def test_a_malformed_header_is_refused_naming_the_file(copy: Path, header: str, complaint: str):
    path = copy / "es" / "01-basics.py"
    code = path.read_text(encoding="utf-8").partition("\n\n")[2]
    path.write_text(header + "\n" + code, encoding="utf-8")
    with pytest.raises(examples.ExampleFileError, match=complaint) as refused:
        examples.load(copy)
    assert str(path) in str(refused.value)


def test_a_header_without_a_blank_line_after_it_is_refused(copy: Path):
    path = copy / "en" / "02-keras-backend.py"
    path.write_text("# title: x\n# description: y\nt = 1\n", encoding="utf-8")
    with pytest.raises(examples.ExampleFileError, match="blank line") as refused:
        examples.load(copy)
    assert str(path) in str(refused.value)


def test_a_badly_named_file_is_refused(copy: Path):
    (copy / "en" / "01-basics.py").rename(copy / "en" / "Basics.py")
    with pytest.raises(examples.ExampleFileError, match=r"Basics\.py: name it NN-slug\.py"):
        examples.load(copy)


def test_an_example_missing_in_one_language_is_refused(copy: Path):
    (copy / "es" / "03-numpy.py").unlink()
    with pytest.raises(examples.ExampleFileError, match=r"es: not the examples of .*missing \['03-numpy.py'\]"):
        examples.load(copy)


def test_code_that_differs_between_languages_beyond_comments_is_refused(copy: Path):
    path = copy / "es" / "05-variables.py"
    edit(path, "v.assign(2 * v)", "v.assign(3 * v)")
    with pytest.raises(examples.ExampleFileError, match="the code differs") as refused:
        examples.load(copy)
    assert str(path) in str(refused.value)


def test_a_cell_mark_in_one_language_only_is_refused(copy: Path):
    path = copy / "en" / "05-variables.py"
    edit(path, "v\n", "# %%\nv\n")
    with pytest.raises(examples.ExampleFileError, match="the code differs"):
        examples.load(copy)


def test_comments_alone_may_differ_between_languages(copy: Path):
    path = copy / "es" / "05-variables.py"
    edit(path, "cambiar un elemento", "otro comentario")
    assert examples.load(copy)[4].code["es"].count("otro comentario") == 1


def test_an_expected_error_given_in_one_language_only_is_refused(copy: Path):
    path = copy / "es" / "04-types.py"
    edit(path, "# expect_error: InvalidArgumentError\n", "")
    with pytest.raises(examples.ExampleFileError, match="expect_error differs"):
        examples.load(copy)


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
