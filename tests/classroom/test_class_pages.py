"""Opening a class, the teacher's link, joining, seats and the class's end, over HTTP (fast)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from classroom import closing, codes, membership, seats
from classroom.models import Classroom, Seat
from sharing.models import Snippet
from sharing.submission import Submission
from tests.classroom.support import class_token, join, open_class

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(fresh_cache):
    """Rate-limit counts and closed-class marks from other tests count for nothing here."""


def test_opening_a_class_gives_the_teacher_its_view_and_a_secret_link_kept_only_as_a_digest(client):
    code = open_class(client)
    page = client.get(f"/class/{code}/teach").content.decode()
    key = re.search(r"/t/([\w-]+)", page)[1]
    classroom = Classroom.objects.get(code=code)
    assert classroom.teacher_key_digest == codes.key_digest(key) and key not in str(classroom.__dict__)
    assert f"/c/{code}" in page and classroom.spaced_code() in page
    assert "assert t_float" not in page and "Cast to float" in page  # the checks stay on the server


def test_the_teachers_view_is_the_teachers_alone_and_the_secret_link_opens_it_in_another_browser():
    teacher, other = Client(), Client()
    code = open_class(teacher)
    assert other.get(f"/class/{code}/teach").status_code == 404
    key = re.search(r"/t/([\w-]+)", teacher.get(f"/class/{code}/teach").content.decode())[1]
    assert other.get(f"/t/{key}")["Location"] == f"/class/{code}/teach"
    assert other.get(f"/class/{code}/teach").status_code == 200
    assert Client().get("/t/not-a-key").status_code == 404


def test_a_student_joins_with_a_name_lands_in_the_playground_with_the_lesson_and_keeps_the_seat():
    code = open_class(Client())
    student = Client()
    join_page = student.get(f"/c/{code}").content.decode()
    assert "Your teacher sees the code you run" in join_page and 'name="name"' in join_page
    html = join(student, code, "Ana")
    assert "# %% exercise: Cast to float" in html and "assert t_float" not in html
    assert class_token(html) and 'data-class-code="' + code + '"' in html and "Ana" in html
    seat = Seat.objects.get(classroom_id=code)
    join(student, code, "Ana María")  # a second join: the same seat, renamed
    assert Seat.objects.filter(classroom_id=code).count() == 1
    assert Seat.objects.get(pk=seat.pk).name == "Ana María"
    assert "Ana María" in student.get(f"/c/{code.lower()[:3]}-{code[3:]}", follow=True).content.decode()


def test_names_are_length_limited_stripped_of_controls_and_escaped():
    code = open_class(Client())
    student = Client()
    too_long = student.post(f"/c/{code}/join", {"name": "x" * 41})
    assert too_long.status_code == 400 and not Seat.objects.exists()
    html = join(student, code, "<script>alert(1)</script>\u202e\u0007 Eve")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert Seat.objects.get().name == "<script>alert(1)</script> Eve"
    assert student.post(f"/c/{code}/join", {"name": " \u200f "}).status_code == 400


def test_a_full_class_says_so_and_a_seated_student_still_comes_back():
    code = open_class(Client(), seats=1)
    first = Client()
    join(first, code, "Ana")
    refused = Client().post(f"/c/{code}/join", {"name": "Bo"})
    assert refused.status_code == 409 and "1 seats are taken" in refused.content.decode()
    join(first, code, "Ana")


@pytest.mark.parametrize("code", ["ZZZZZZ", "nope", "K7M4QX"])
def test_an_unknown_class_code_gets_a_plain_page(client, code):
    response = client.get(f"/c/{code}")
    assert response.status_code == 404 and "No class with this code" in response.content.decode()


def test_closing_a_class_forgets_its_roster_and_checks_and_its_link_says_it_closed():
    teacher, student = Client(), Client()
    code = open_class(teacher)
    join(student, code)
    token = class_token(student.get(f"/c/{code}").content.decode())
    cache.set(membership.EDITOR_KEY.format(code=code), "what the teacher's editor held")
    teacher.post(f"/class/{code}/close")
    assert cache.get(membership.EDITOR_KEY.format(code=code)) is None
    classroom = Classroom.objects.get(code=code)
    assert not classroom.is_open and classroom.checks == {} and classroom.student_code == ""
    assert not Seat.objects.filter(classroom=classroom).exists()
    gone = student.get(f"/c/{code}")
    assert gone.status_code == 410 and "This class has closed" in gone.content.decode()
    assert seats.is_closed(code) and token  # a page still open learns it over its websocket
    assert teacher.get(f"/class/{code}/teach").status_code == 404


def test_a_class_past_its_hours_closes_at_the_next_request():
    code = open_class(Client())
    join(Client(), code)
    Classroom.objects.filter(code=code).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert Client().get(f"/c/{code}").status_code == 410
    assert not Seat.objects.exists() and Classroom.objects.get(code=code).checks == {}


def test_only_a_classs_teacher_can_close_it():
    code = open_class(Client())
    student = Client()
    join(student, code)
    assert student.post(f"/class/{code}/close").status_code == 404
    assert Classroom.objects.get(code=code).is_open


def test_a_lesson_can_start_from_a_snippets_link(client):
    snippet, _ = Snippet.objects.create_or_get(Submission("# %% exercise: One\none = 1\n", "", None, []))
    response = client.post(
        "/class/open", {"name": "Links", "seats": 5, "snippet": f"https://example.org/s/{snippet.id}"}
    )
    code = re.fullmatch(r"/class/(\w+)/teach", response["Location"])[1]
    assert Classroom.objects.get(code=code).student_code.startswith("# %% exercise: One")
    refused = client.post("/class/open", {"name": "Links", "seats": 5, "snippet": "https://example.org/s/nothing-here"})
    assert refused.status_code == 400 and "There is no snippet" in refused.content.decode()


def test_a_lesson_whose_check_cannot_work_is_refused_with_the_line(client):
    response = client.post("/class/open", {"name": "Broken", "seats": 5, "starting_code": "# %% check\nassert 1\n"})
    assert response.status_code == 400 and "Line 1: this check follows no exercise" in response.content.decode()
    assert not Classroom.objects.exists()


def test_seats_past_the_limit_and_a_nameless_class_are_refused(client):
    assert client.post("/class/open", {"name": "Big", "seats": 101, "starting_code": ""}).status_code == 400
    assert client.post("/class/open", {"name": " \u202e ", "seats": 3, "starting_code": ""}).status_code == 400
    assert not Classroom.objects.exists()


def test_joins_from_one_address_are_rate_limited(monkeypatch):
    import dataclasses

    from django.apps import apps

    from classroom.apps import class_limits

    config = apps.get_app_config("classroom")
    monkeypatch.setattr(config, "limits", dataclasses.replace(class_limits(), joins_per_minute=3))
    code = open_class(Client())
    answers = [Client().get(f"/c/{code}").status_code for _ in range(5)]
    assert answers[:3] == [200, 200, 200] and answers[3:] == [429, 429]


def test_a_cross_site_form_cannot_open_a_class(client):
    response = client.post("/class/open", {"name": "X", "seats": 3}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403 and not Classroom.objects.exists()


def test_the_closed_classes_sweep_runs_at_most_once_a_minute():
    closing.sweep()
    code = open_class(Client())
    Classroom.objects.filter(code=code).update(closes_at=timezone.now() - timedelta(minutes=1))
    closing.sweep()  # within the minute: nothing yet
    assert Classroom.objects.get(code=code).closed_at is None


def test_the_class_pages_speak_spanish_to_a_spanish_browser():
    teacher = Client(HTTP_ACCEPT_LANGUAGE="es")
    code = open_class(teacher)
    html = teacher.get(f"/class/{code}/teach").content.decode()
    assert "Enviar a todos los estudiantes" in html and "Se cierra sola dentro de" in html
    student = Client(HTTP_ACCEPT_LANGUAGE="es")
    assert "Tu profesor ve el código" in student.get(f"/c/{code}").content.decode()
    html = join(student, code, "Ana")
    assert "Seguir al profesor" in html and "Ejercicio «{title}»: superado." in html


def test_a_lesson_can_start_from_a_notebook_with_its_exercises_and_hidden_checks(client):
    import nbformat
    from django.core.files.uploadedfile import SimpleUploadedFile

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Tensores"),
        nbformat.v4.new_code_cell("t = tf.constant([1, 2, 3])"),
        nbformat.v4.new_code_cell("# %% exercise: Cast\nt_float = ..."),
        nbformat.v4.new_code_cell("# %% check\nassert t_float.dtype == tf.float32, 'float32, please'"),
    ]
    upload = SimpleUploadedFile("lesson.ipynb", nbformat.writes(notebook).encode(), "application/x-ipynb+json")
    response = client.post("/class/open", {"name": "From a notebook", "seats": 5, "notebook": upload})
    assert response.status_code == 302, response.content.decode()[:500]
    classroom = Classroom.objects.get()
    assert classroom.checks == {"Cast": "assert t_float.dtype == tf.float32, 'float32, please'"}
    assert "# %% exercise: Cast" in classroom.student_code and "assert" not in classroom.student_code
    bad = SimpleUploadedFile("lesson.ipynb", b"{not json", "application/x-ipynb+json")
    refused = client.post("/class/open", {"name": "Bad", "seats": 5, "notebook": bad})
    assert refused.status_code == 400 and "not a notebook" in refused.content.decode()
