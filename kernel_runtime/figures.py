"""Matplotlib figures as inline images: the `figure` value kind.

Kernels use the non-interactive Agg backend (MPLBACKEND=Agg). At the end of each run every
figure pyplot still holds is rendered to PNG, sent as a `result` with no line (a figure is
usually built over several statements, as in a notebook cell), and closed. A Figure that is
the value of an expression is rendered on its line instead. Nothing imports matplotlib until
the user does.
"""

from __future__ import annotations

import base64
import io
import sys
from collections.abc import Callable

from . import protocol

DPI = 100
MAX_PIXELS = 2000  # per side; larger figures are drawn at a lower dpi
MAX_PNG_BYTES = 1024 * 1024


def is_figure(value: object) -> bool:
    return type(value).__module__ == "matplotlib.figure" and type(value).__name__ in ("Figure", "SubFigure")


def render_value(figure, caps=None) -> dict:
    """The protocol value of a Figure; closes it in pyplot so it is not sent again at the end."""
    value = _value(figure)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(figure)
    return value


def flush(send: Callable[[dict], None], request_id: str) -> None:
    """Send and close every figure pyplot holds (called at the end of each run)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        try:
            value = _value(figure)
        except Exception as exc:  # a broken figure must not break the run's end
            value = protocol.VALUE_TEXT(type="Figure", repr=f"<Figure {number}: cannot be drawn: {exc}>")
        finally:
            pyplot.close(figure)
        send(protocol.RESULT(id=request_id, value=value))


def png(figure, dpi: float = DPI) -> tuple[bytes, int, int]:
    """PNG bytes, width and height in pixels, at most MAX_PIXELS a side."""
    width_in, height_in = figure.get_size_inches()
    dpi = min(dpi, MAX_PIXELS / max(width_in, height_in, 1e-3))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue(), round(width_in * dpi), round(height_in * dpi)


def _value(figure) -> dict:
    axes = len(figure.axes)
    text = f"<Figure size {figure.bbox.width:g}x{figure.bbox.height:g} with {axes} Axes>"
    data, width, height = png(figure)
    if len(data) > MAX_PNG_BYTES:
        data, width, height = png(figure, DPI / 2)
    if len(data) > MAX_PNG_BYTES:
        return protocol.VALUE_TEXT(type="Figure", repr=f"{text} (too large to show: over 1 MiB as PNG)")
    png_b64 = base64.b64encode(data).decode("ascii")
    return protocol.VALUE_FIGURE(type=type(figure).__name__, png_b64=png_b64, width=width, height=height, repr=text)
