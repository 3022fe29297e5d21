"""Classes and their seats. A seat is a student's place in one class: a display name and the
session (its kernel owner, kernels/bus.py) it belongs to. The roster and the lesson's checks go
when the class closes (closing.py); students' own sessions and links were never the class's."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from . import codes

MAX_NAME_CHARS = 40  # a student's display name, and a class's name is at most twice that


class ClassroomManager(models.Manager["Classroom"]):
    def open_class(
        self, name: str, student_code: str, checks: dict[str, str], seats: int, hours: float
    ) -> tuple[Classroom, str]:
        """A new class and its teacher's key (shown once; only its digest is kept)."""
        key = codes.new_teacher_key()
        closes_at = timezone.now() + timedelta(hours=hours)
        for _ in range(20):  # a code already taken: another one
            try:
                with transaction.atomic():
                    classroom = self.create(
                        code=codes.new_code(),
                        name=name,
                        student_code=student_code,
                        checks=checks,
                        seats=seats,
                        teacher_key_digest=codes.key_digest(key),
                        closes_at=closes_at,
                    )
                return classroom, key
            except IntegrityError:
                continue
        raise RuntimeError("no free class code after 20 tries")  # pragma: no cover

    def open_by_code(self, code: str | None) -> Classroom | None:
        if code is None:
            return None
        return self.filter(code=code, closed_at__isnull=True, closes_at__gt=timezone.now()).first()

    def open_by_key(self, key: str) -> Classroom | None:
        digest = codes.key_digest(key)
        return self.filter(teacher_key_digest=digest, closed_at__isnull=True, closes_at__gt=timezone.now()).first()


class Classroom(models.Model):
    code = models.CharField(primary_key=True, max_length=codes.CODE_CHARS)
    name = models.CharField(max_length=2 * MAX_NAME_CHARS)
    student_code = models.TextField(blank=True)  # the starting code, without its checks
    checks = models.JSONField(default=dict, blank=True)  # exercise title -> check code
    seats = models.PositiveIntegerField()
    teacher_key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    presenter_owner = models.CharField(max_length=64, blank=True)  # the teacher's playground session, followed

    objects = ClassroomManager()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.closes_at > timezone.now()

    def spaced_code(self) -> str:
        return codes.spaced(self.code)


class Seat(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="seat_set")
    name = models.CharField(max_length=MAX_NAME_CHARS)
    owner = models.CharField(max_length=64)  # the student's session, as kernel hosts name it
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classroom", "owner"], name="one_seat_per_session")]
        ordering = ["joined_at", "id"]
