"""Classes: a teacher's live view of every student, code pushed to the class, exercises with
hidden checks, and kernels made ready before the class arrives (docs/classes.md)."""

from __future__ import annotations

from django.apps import AppConfig, apps

from .limits import ClassLimits, class_limits_from_env


class ClassroomConfig(AppConfig):
    name = "classroom"
    verbose_name = "Classes"
    default_auto_field = "django.db.models.BigAutoField"
    limits: ClassLimits

    def ready(self) -> None:
        from . import rules

        self.limits = class_limits_from_env()
        rules.register(class_limits)


def class_limits() -> ClassLimits:
    config = apps.get_app_config("classroom")
    assert isinstance(config, ClassroomConfig)
    return config.limits
