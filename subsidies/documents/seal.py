"""The visible seal: a red round seal drawn with Pillow (ring, the organ's name along the upper arc, a star, the seal's
name), used as the appearance of the document's digital signature.

Drawn once per process from the settings (``DOCUMENT_SEAL_IMAGE`` replaces it by the bureau's own scan, a PNG with
transparency). 42 mm across, the usual size of an organ's seal; the red is the GB/T 9704 seal red.
"""

import io
import math
import subprocess
from functools import cache
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

SEAL_DIAMETER_MM = 42
SEAL_RED = (220, 20, 30)
SIZE = 480  # pixels across: ~290 dpi at 42 mm, sharp in print and small in the PDF


def _font_file(pattern: str) -> tuple[str, int]:
    """The file and face index fontconfig picks for a pattern (the serif CJK face of the documents)."""
    out = subprocess.run(  # noqa: S603
        ["fc-match", "-f", "%{file}|%{index}", pattern],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    file, _, index = out.partition("|")
    return file, int(index or 0)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=(*SEAL_RED, 255))


def draw_seal(organ: str, name: str = "") -> bytes:
    """A PNG of a round seal with ``organ`` along the top arc and ``name`` (e.g. 演示专用章) under the star."""
    file, index = _font_file("Noto Serif CJK SC:bold")
    image = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    c = SIZE / 2
    ring = SIZE * 0.035
    draw.ellipse((ring / 2, ring / 2, SIZE - ring / 2, SIZE - ring / 2), outline=(*SEAL_RED, 255), width=round(ring))
    _star(draw, c, c, SIZE * 0.15)
    # The organ's name along an arc of ~240°, each character upright towards the centre.
    chars = list(organ)
    font_size = round(SIZE * (0.115 if len(chars) <= 14 else 0.095))
    font = ImageFont.truetype(file, font_size, index=index)
    radius = c - ring - font_size * 0.62
    span = math.radians(min(250, 18 * len(chars)))
    for i, char in enumerate(chars):
        angle = -math.pi / 2 - span / 2 + (span * i / max(1, len(chars) - 1))
        glyph = Image.new("RGBA", (font_size * 2, font_size * 2), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((font_size, font_size), char, font=font, fill=(*SEAL_RED, 255), anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        x, y = c + radius * math.cos(angle), c + radius * math.sin(angle)
        image.alpha_composite(glyph, (round(x - font_size), round(y - font_size)))
    if name:
        small = ImageFont.truetype(file, round(SIZE * 0.075), index=index)
        draw.text((c, c + SIZE * 0.25), name, font=small, fill=(*SEAL_RED, 255), anchor="mm")
    # Seal ink lets the text under it show through, as on paper.
    alpha = image.getchannel("A").point(lambda a: a * 0.85)
    # One red everywhere and the shape in the alpha channel only: the colour plane compresses to almost nothing.
    image = Image.new("RGBA", image.size, (*SEAL_RED, 0))
    image.putalpha(alpha)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@cache
def _seal_png(organ: str, name: str, path: str) -> bytes:
    if path:
        return Path(path).read_bytes()
    return draw_seal(organ, name)


@cache
def _seal_image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def seal_image() -> Image.Image:
    """The seal as a decoded Pillow image (decoded once per process; callers must not modify it)."""
    return _seal_image(seal_png())


def seal_png() -> bytes:
    """The seal image of this process (the configured scan, or one drawn from the issuing organ's name)."""
    return _seal_png(
        settings.ISSUING_OFFICE, settings.DOCUMENT_SEAL_NAME, str(getattr(settings, "DOCUMENT_SEAL_IMAGE", "") or "")
    )
