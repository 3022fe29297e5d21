"""The page and its session websocket (the kernels behind them are the `kernels` app)."""

from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    name = "playground"
    verbose_name = "TensorFlow Playground"
