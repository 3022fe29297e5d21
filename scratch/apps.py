from django.apps import AppConfig


class ScratchConfig(AppConfig):
    name = "scratch"
    verbose_name = "Scratch files"
