"""Sparklines as small PNG images, for mail clients: no script, no remote image.

Drawn with Pillow at three times the size and scaled down, which gives antialiased lines
without a plotting library. A period without a value (a rate with no denominator) breaks
the line, as on Home.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 160, 40  # CSS pixels, as the message's <img> says
_SCALE = 3
_PAD = 3 * _SCALE
_COLOURS = {"good": (21, 128, 61), "bad": (185, 28, 28), "neutral": (71, 85, 105)}
_BASELINE = (226, 232, 240)


@functools.lru_cache(maxsize=4096)
def sparkline_png(values: tuple[float | None, ...], verdict: str = "neutral") -> bytes:
    """A PNG of ``values`` left to right, coloured by whether the change is good news."""
    width, height = WIDTH * _SCALE, HEIGHT * _SCALE
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.line([(0, height - _PAD), (width, height - _PAD)], fill=_BASELINE, width=_SCALE)
    known = [v for v in values if v is not None]
    if known and len(values) > 1:
        low, high = min(min(known), 0.0), max(known)
        span = (high - low) or 1.0
        step = (width - 2 * _PAD) / (len(values) - 1)
        colour = _COLOURS.get(verdict, _COLOURS["neutral"])
        run: list[tuple[float, float]] = []
        for index, value in enumerate([*values, None]):
            if value is None:
                _draw_run(draw, run, colour)
                run = []
                continue
            y = height - _PAD - (value - low) / span * (height - 2 * _PAD)
            run.append((_PAD + index * step, y))
    small = image.resize((WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw_run(
    draw: ImageDraw.ImageDraw, run: list[tuple[float, float]], colour: tuple[int, ...]
) -> None:
    if len(run) == 1:
        x, y = run[0]
        radius = 2 * _SCALE
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    elif run:
        draw.line(run, fill=colour, width=2 * _SCALE, joint="curve")
