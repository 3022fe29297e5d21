"""A lesson's cells (exercises, hidden checks) and a class's codes (fast)."""

from __future__ import annotations

import pytest

from classroom import codes, lesson
from tests.classroom.support import LESSON


def test_check_cells_are_taken_out_of_what_students_get_and_kept_by_exercise():
    parsed = lesson.parse(LESSON)
    assert "assert" not in parsed.student_code and "# %% check" not in parsed.student_code
    assert "# %% exercise: Cast to float" in parsed.student_code and "t_float * 2" in parsed.student_code
    assert parsed.exercises == ["Cast to float"]
    assert parsed.checks == {
        "Cast to float": 'assert t_float.dtype == tf.float32, "t_float must be float32: use tf.cast(t, tf.float32)"'
    }


def test_a_check_may_name_its_exercise_and_several_checks_of_one_exercise_run_together():
    source = (
        "# %% exercise: A\na = 1\n# %% exercise: B\nb = 2\n# %% check: A\nassert a == 1\n# %% check: A\nassert a > 0\n"
    )
    assert lesson.parse(source).checks == {"A": "assert a == 1\nassert a > 0"}


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("# %% check\nassert True\n", "Line 1: this check follows no exercise"),
        ("# %% exercise: A\na = 1\n# %% check: Z\nassert 1\n", "Line 3: this check follows no exercise"),
        ("# %% exercise: A\n# %% exercise: A\n", "Line 2: a second exercise is called 'A'"),
        ("# %% exercise: A\n# %% check\nassert (\n", "Line 3: the check does not compile"),
    ],
)
def test_a_lesson_that_cannot_work_is_refused_naming_the_line(source, problem):
    with pytest.raises(lesson.LessonError, match=problem):
        lesson.parse(source)


def test_the_exercises_of_a_run_are_the_cells_it_holds_in_order():
    assert lesson.exercises_in("# %% exercise: Cast to float\nx = 1") == ["Cast to float"]
    assert lesson.exercises_in("a = 1\n# %% exercise: B\n#%% Exercise:  A \n# %% exercise: B\n") == ["B", "A"]
    assert lesson.exercises_in("# exercise: not a cell\nx = '# %% exercise: no'") == []


def test_class_codes_have_no_look_alike_characters_and_forgive_how_they_are_typed():
    for _ in range(200):
        code = codes.new_code()
        assert len(code) == 6 and not set(code) & set("0O1IL5S2Z8BUV")
    code = codes.new_code()
    typed = f" {code[:3].lower()}-{code[3:]} "
    assert codes.normalize(typed) == code and codes.spaced(code) == f"{code[:3]} {code[3:]}"
    assert codes.normalize("K0M4QX") is None and codes.normalize("ABC") is None


def test_the_teachers_key_is_kept_only_as_a_digest():
    key = codes.new_teacher_key()
    assert len(key) >= 20 and codes.key_digest(key) != key and len(codes.key_digest(key)) == 64
