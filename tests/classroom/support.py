"""Opening a class and joining it as browsers do (the Django test client), for the class tests."""

from __future__ import annotations

import re

from django.test import Client

LESSON = """t = tf.constant([1, 2, 3])
# %% exercise: Cast to float
t_float = tf.cast(t, tf.float32)
# %% check
assert t_float.dtype == tf.float32, "t_float must be float32: use tf.cast(t, tf.float32)"
# %% Free
t_float * 2
"""


def open_class(teacher: Client, name: str = "Tensores", seats: int = 30, code: str = LESSON) -> str:
    """Open a class from `teacher`'s browser; its code."""
    response = teacher.post("/class/open", {"name": name, "seats": seats, "starting_code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    return re.fullmatch(r"/class/(\w+)/teach", response["Location"])[1]


def join(student: Client, code: str, name: str = "Ana") -> str:
    """Join `code` from `student`'s browser; the student's page's HTML."""
    response = student.post(f"/c/{code}/join", {"name": name})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = student.get(f"/c/{code}")
    assert page.status_code == 200
    return page.content.decode()


def class_token(html: str) -> str:
    return re.search(r'data-class-token="([^"]+)"', html)[1]
