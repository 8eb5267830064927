"""Pictures for demo and benchmark data, drawn with Pillow (nothing is downloaded).

A product gets a flat illustration of what it is (a ring, a shirt, a book...) on its
shop's background colour; a shop gets a logo (its initials) and a storefront picture
(awning, window, its name on the sign). Drawn at twice the size, then reduced, for
smooth edges.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

SCALE = 2
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
)


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _mix(colour: str, other: str, amount: float) -> tuple[int, int, int]:
    a, b = _rgb(colour), _rgb(other)
    return tuple(round(x + (y - x) * amount) for x, y in zip(a, b))  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = _rgb(colour)
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in FONT_PATHS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


class _Pen:
    """Draw in a 0-100 square whatever the canvas size."""

    def __init__(self, draw: ImageDraw.ImageDraw, size: int, colour: str):
        self.draw, self.unit, self.colour = draw, size / 100, colour
        self.fill = _rgb(colour)
        self.dark = _mix(colour, "#000000", 0.35)
        self.light = _mix(colour, "#ffffff", 0.45)
        self.width = max(2, round(1.2 * self.unit))

    def box(self, x0, y0, x1, y1):
        u = self.unit
        return [x0 * u, y0 * u, x1 * u, y1 * u]

    def points(self, *xy):
        return [(x * self.unit, y * self.unit) for x, y in xy]

    def ellipse(self, *box, fill=None, outline=True):
        self.draw.ellipse(
            self.box(*box), fill=fill or self.fill, outline=self.dark if outline else None, width=self.width
        )

    def ring(self, *box, thickness=6, colour=None):
        self.draw.ellipse(self.box(*box), outline=colour or self.fill, width=round(thickness * self.unit))

    def rect(self, *box, fill=None, radius=3):
        self.draw.rounded_rectangle(
            self.box(*box), radius=radius * self.unit, fill=fill or self.fill, outline=self.dark, width=self.width
        )

    def polygon(self, *xy, fill=None):
        self.draw.polygon(self.points(*xy), fill=fill or self.fill, outline=self.dark, width=self.width)

    def line(self, *xy, width=1.5, fill=None):
        self.draw.line(self.points(*xy), fill=fill or self.dark, width=round(width * self.unit), joint="curve")


def _ring(p: _Pen):
    p.ring(24, 34, 76, 86, thickness=7)
    p.ring(24, 34, 76, 86, thickness=1, colour=p.dark)
    p.polygon((42, 30), (50, 16), (58, 30), (50, 38), fill=_rgb("#e8f1fb"))


def _necklace(p: _Pen):
    p.draw.arc(p.box(18, 0, 82, 70), 20, 160, fill=p.dark, width=round(1.5 * p.unit))
    for x, y in ((28, 55), (36, 62), (44, 66), (56, 66), (64, 62), (72, 55)):
        p.ellipse(x - 3, y - 3, x + 3, y + 3, fill=p.light)
    p.ellipse(42, 66, 58, 84)


def _hoops(p: _Pen):
    p.ring(18, 36, 46, 80, thickness=4)
    p.ring(54, 36, 82, 80, thickness=4)
    p.ellipse(29, 28, 35, 36, fill=p.dark)
    p.ellipse(65, 28, 71, 36, fill=p.dark)


def _watch(p: _Pen):
    p.rect(40, 8, 60, 92, fill=p.dark, radius=4)
    p.ellipse(25, 25, 75, 75, fill=_rgb("#e9e9e9"))
    p.ellipse(30, 30, 70, 70)
    p.line((50, 50), (50, 36), fill=(255, 255, 255))
    p.line((50, 50), (61, 55), fill=(255, 255, 255))


def _shirt(p: _Pen):
    p.polygon(
        (30, 18),
        (42, 14),
        (50, 20),
        (58, 14),
        (70, 18),
        (88, 34),
        (78, 44),
        (70, 38),
        (70, 88),
        (30, 88),
        (30, 38),
        (22, 44),
        (12, 34),
    )
    p.line((42, 14), (50, 26), (58, 14))


def _dress(p: _Pen):
    p.polygon((38, 12), (62, 12), (60, 38), (80, 88), (20, 88), (40, 38))
    p.line((40, 38), (60, 38), width=3, fill=p.light)


def _trousers(p: _Pen):
    p.polygon((28, 12), (72, 12), (78, 90), (56, 90), (50, 38), (44, 90), (22, 90))
    p.line((28, 20), (72, 20))


def _scarf(p: _Pen):
    p.rect(34, 10, 54, 82, radius=2)
    p.rect(46, 30, 66, 90, fill=p.light, radius=2)
    for x in range(48, 66, 4):
        p.line((x, 90), (x, 96))


def _hat(p: _Pen):
    p.draw.pieslice(p.box(22, 26, 78, 86), 180, 360, fill=p.fill, outline=p.dark, width=p.width)
    p.rect(20, 54, 80, 66, fill=p.dark)
    p.ellipse(44, 16, 56, 28, fill=p.light)


def _bag(p: _Pen):
    p.draw.arc(p.box(34, 12, 66, 50), 180, 360, fill=p.dark, width=round(3 * p.unit))
    p.polygon((22, 34), (78, 34), (84, 88), (16, 88))
    p.line((22, 44), (78, 44), fill=p.light)


def _shoe(p: _Pen):
    p.polygon((12, 62), (14, 44), (36, 40), (54, 52), (84, 58), (90, 72), (12, 72))
    p.rect(10, 70, 92, 78, fill=p.dark, radius=2)
    p.line((36, 44), (44, 54))


def _boot(p: _Pen):
    p.polygon((30, 14), (56, 14), (56, 56), (84, 64), (88, 80), (30, 80))
    p.rect(28, 78, 90, 86, fill=p.dark, radius=2)


def _jar(p: _Pen):
    p.rect(26, 30, 74, 88, radius=8)
    p.rect(30, 18, 70, 32, fill=p.dark, radius=2)
    p.rect(34, 50, 66, 70, fill=_rgb("#fbf7ee"), radius=2)


def _book(p: _Pen):
    p.rect(24, 12, 76, 88, radius=2)
    p.rect(24, 12, 32, 88, fill=p.dark, radius=1)
    p.rect(40, 26, 68, 40, fill=p.light, radius=1)


def _notebook(p: _Pen):
    p.rect(24, 12, 76, 88, radius=4)
    p.line((66, 12), (66, 88), width=2.5, fill=p.light)
    for y in range(24, 84, 12):
        p.ellipse(21, y, 27, y + 6, fill=p.dark)


def _bottle(p: _Pen):
    p.rect(42, 8, 58, 30, fill=p.dark, radius=2)
    p.polygon((42, 30), (58, 30), (68, 44), (68, 92), (32, 92), (32, 44))
    p.rect(36, 56, 64, 76, fill=_rgb("#fbf7ee"), radius=2)


def _tin(p: _Pen):
    p.rect(20, 36, 80, 84, radius=4)
    p.rect(18, 30, 82, 40, fill=p.dark, radius=3)
    p.ellipse(38, 50, 62, 72, fill=p.light)


def _basket(p: _Pen):
    p.draw.arc(p.box(26, 12, 74, 70), 180, 360, fill=p.dark, width=round(3 * p.unit))
    p.polygon((14, 42), (86, 42), (76, 88), (24, 88))
    for x in range(26, 80, 10):
        p.line((x, 44), (x + 2, 86), fill=p.light)


def _cheese(p: _Pen):
    p.polygon((12, 70), (80, 40), (88, 70), (88, 84), (12, 84))
    for x, y, r in ((38, 72, 4), (64, 66, 5), (78, 76, 3)):
        p.ellipse(x - r, y - r, x + r, y + r, fill=p.dark, outline=False)


def _glass(p: _Pen):
    p.draw.chord(p.box(28, 6, 72, 60), 0, 180, fill=p.fill, outline=p.dark, width=p.width)
    p.line((50, 60), (50, 86), width=3)
    p.line((36, 88), (64, 88), width=3)


def _bread(p: _Pen):
    p.ellipse(10, 34, 90, 76)
    for x in (30, 46, 62):
        p.line((x, 46), (x + 10, 62), width=2.5, fill=p.light)


def _croissant(p: _Pen):
    p.draw.pieslice(p.box(12, 24, 88, 100), 200, 340, fill=p.fill, outline=p.dark, width=p.width)
    for x in (34, 50, 66):
        p.line((x, 32), (x, 58), fill=p.dark)


def _pie(p: _Pen):
    p.ellipse(12, 30, 88, 84, fill=_rgb("#d9a25b"))
    p.ellipse(20, 36, 80, 76)
    for x, y in ((38, 50), (54, 46), (62, 60), (44, 64)):
        p.ellipse(x - 5, y - 5, x + 5, y + 5, fill=p.light)


def _cookie(p: _Pen):
    for x, y in ((18, 30), (46, 44), (26, 58)):
        p.ellipse(x, y, x + 36, y + 30)
        p.ellipse(x + 12, y + 9, x + 24, y + 21, fill=p.light, outline=False)


def _vase(p: _Pen):
    p.polygon((40, 10), (60, 10), (58, 22), (76, 50), (66, 90), (34, 90), (24, 50), (42, 22))
    p.line((32, 52), (68, 52), width=2, fill=p.light)


def _candle(p: _Pen):
    p.rect(28, 36, 72, 88, radius=6)
    p.line((50, 36), (50, 26), width=1.5)
    p.polygon((50, 8), (56, 20), (50, 28), (44, 20), fill=_rgb("#f2b632"))


def _lamp(p: _Pen):
    p.polygon((30, 12), (70, 12), (82, 46), (18, 46))
    p.line((50, 46), (50, 80), width=3)
    p.rect(34, 80, 66, 88, fill=p.dark, radius=2)


def _cushion(p: _Pen):
    p.polygon((16, 20), (50, 26), (84, 20), (78, 50), (84, 80), (50, 74), (16, 80), (22, 50))
    p.ellipse(46, 46, 54, 54, fill=p.dark)


def _frame(p: _Pen):
    p.rect(18, 12, 82, 88, fill=_rgb("#5a3e36"), radius=1)
    p.rect(26, 20, 74, 80, fill=_rgb("#fbf7ee"), radius=0)
    p.polygon((30, 74), (46, 48), (58, 64), (64, 56), (72, 74))
    p.ellipse(56, 28, 66, 38, fill=_rgb("#f2b632"), outline=False)


def _mirror(p: _Pen):
    p.ring(14, 14, 86, 86, thickness=8)
    p.ellipse(24, 24, 76, 76, fill=_rgb("#dfeaf2"), outline=False)
    p.line((36, 40), (50, 30), width=2.5, fill=(255, 255, 255))


def _plate(p: _Pen):
    p.ellipse(10, 22, 90, 86, fill=_rgb("#fdfdfd"))
    p.ring(20, 30, 80, 78, thickness=2)


def _cup(p: _Pen):
    p.ellipse(14, 72, 86, 90, fill=_rgb("#fdfdfd"))
    p.ring(66, 38, 86, 62, thickness=4)
    p.draw.chord(p.box(22, 10, 74, 84), 0, 180, fill=p.fill, outline=p.dark, width=p.width)
    p.rect(22, 36, 74, 50, fill=p.fill, radius=0)
    p.draw.line(p.points((23, 36), (73, 36)), fill=p.light, width=round(2 * p.unit))


def _teapot(p: _Pen):
    p.polygon((74, 50), (92, 30), (94, 34), (80, 62))
    p.ring(8, 40, 30, 66, thickness=4)
    p.ellipse(20, 32, 80, 88)
    p.ellipse(42, 20, 58, 34, fill=p.dark)


def _flower(p: _Pen):
    for x, top in ((34, 60), (50, 56), (66, 60)):
        p.line((x, top), (50, 92), width=1.5, fill=_rgb("#4f7942"))
    for cx, cy in ((34, 40), (50, 28), (66, 40), (42, 54), (58, 54)):
        p.ellipse(cx - 10, cy - 10, cx + 10, cy + 10)
        p.ellipse(cx - 3, cy - 3, cx + 3, cy + 3, fill=_rgb("#f2b632"), outline=False)


def _plant(p: _Pen):
    green = _rgb("#4f7942")
    for box in ((26, 18, 50, 56), (50, 14, 74, 54), (38, 6, 62, 46)):
        p.ellipse(*box, fill=green)
    p.polygon((30, 56), (70, 56), (64, 92), (36, 92), fill=_rgb("#c1693c"))


def _wreath(p: _Pen):
    p.ring(16, 16, 84, 84, thickness=12)
    for x, y in ((50, 18), (80, 44), (70, 76), (28, 76), (20, 44)):
        p.ellipse(x - 5, y - 5, x + 5, y + 5, fill=_rgb("#c0392b"))


def _toy(p: _Pen):
    p.rect(14, 48, 46, 80)
    p.rect(46, 40, 88, 80, fill=p.light)
    p.rect(54, 46, 68, 58, fill=_rgb("#dfeaf2"), radius=1)
    for x in (26, 70):
        p.ellipse(x - 9, 72, x + 9, 90, fill=_rgb("#333333"))


def _puzzle(p: _Pen):
    p.rect(16, 16, 50, 50)
    p.rect(50, 16, 84, 50, fill=p.light)
    p.rect(16, 50, 50, 84, fill=p.light)
    p.rect(50, 50, 84, 84)
    p.ellipse(44, 28, 56, 40, fill=p.fill)


def _bear(p: _Pen):
    p.ellipse(20, 14, 38, 32)
    p.ellipse(62, 14, 80, 32)
    p.ellipse(24, 18, 76, 66)
    p.ellipse(30, 56, 70, 94)
    p.ellipse(40, 38, 60, 56, fill=p.light)
    for x in (38, 62):
        p.ellipse(x - 3, 30, x + 3, 36, fill=_rgb("#222222"), outline=False)


def _kite(p: _Pen):
    p.polygon((50, 6), (80, 38), (50, 74), (20, 38))
    p.line((50, 6), (50, 74), fill=p.light)
    p.line((20, 38), (80, 38), fill=p.light)
    p.line((50, 74), (44, 84), (56, 90), (48, 98))


def _soap(p: _Pen):
    p.rect(16, 36, 84, 74, radius=12)
    p.rect(26, 46, 74, 64, fill=p.light, radius=6)


def _pen(p: _Pen):
    p.polygon((20, 86), (14, 92), (16, 82), (70, 18), (80, 28), (26, 90))
    p.polygon((70, 18), (78, 10), (88, 20), (80, 28), fill=p.dark)


def _garlic(p: _Pen):
    p.ellipse(22, 34, 78, 88)
    p.polygon((44, 38), (50, 10), (56, 38))
    for x in (38, 50, 62):
        p.line((x, 40), (x, 84), fill=p.dark)


def _sausage(p: _Pen):
    p.draw.arc(p.box(10, 20, 90, 100), 200, 340, fill=p.fill, width=round(16 * p.unit))
    p.line((16, 46), (10, 36))
    for x, y in ((30, 36), (50, 30), (70, 36)):
        p.ellipse(x - 2, y - 2, x + 2, y + 2, fill=(255, 255, 255), outline=False)


def _ball(p: _Pen):
    p.ellipse(18, 18, 82, 82)
    for offset in (-10, 0, 10):
        p.draw.arc(p.box(18 + offset, 18, 82 + offset, 82), 60, 120, fill=p.dark, width=p.width)


SHAPES = {
    name[1:]: function
    for name, function in globals().items()
    if name.startswith("_") and callable(function) and name not in {"_rgb", "_mix", "_luminance", "_font", "_Pen"}
}


@lru_cache(maxsize=512)
def product_picture(*, shape: str, colour: str, background: str, size: int = 640) -> bytes:
    """A JPEG of a product: a flat drawing of its shape on a soft background."""
    canvas = size * SCALE
    image = Image.new("RGB", (canvas, canvas), _rgb(background))
    draw = ImageDraw.Draw(image)
    # a soft floor under the object
    draw.ellipse([canvas * 0.12, canvas * 0.84, canvas * 0.88, canvas * 0.94], fill=_mix(background, "#000000", 0.08))
    inner = round(canvas * 0.72)
    offset = round(canvas * 0.14)
    layer = Image.new("RGBA", (inner, inner), (0, 0, 0, 0))
    SHAPES.get(shape, _gift)(_Pen(ImageDraw.Draw(layer), inner, colour))
    image.paste(layer, (offset, offset), layer)
    return _jpeg(image.reduce(SCALE))


def _gift(p: _Pen):
    p.rect(18, 40, 82, 88, radius=2)
    p.rect(14, 30, 86, 42, fill=p.dark, radius=2)
    p.rect(46, 30, 54, 88, fill=p.light, radius=0)


def logo_picture(*, initials: str, colour: str, size: int = 320) -> bytes:
    """A PNG logo: the shop's initials on a disc of its colour."""
    canvas = size * SCALE
    image = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([0, 0, canvas - 1, canvas - 1], fill=_rgb(colour))
    ink = (255, 255, 255) if _luminance(colour) < 0.35 else (34, 34, 34)
    font = _font(round(canvas * 0.38))
    draw.text((canvas / 2, canvas / 2), initials, fill=ink, font=font, anchor="mm")
    buffer = io.BytesIO()
    image.reduce(SCALE).save(buffer, format="PNG")
    return buffer.getvalue()


def storefront_picture(*, name: str, colour: str, background: str, width: int = 960, height: int = 640) -> bytes:
    """A JPEG of the shop's front: its sign, a striped awning, a window and a door."""
    w, h = width * SCALE, height * SCALE
    image = Image.new("RGB", (w, h), _mix(background, "#ffffff", 0.3))
    draw = ImageDraw.Draw(image)
    wall = _mix(background, "#8a7a66", 0.25)
    draw.rectangle([0, h * 0.08, w, h], fill=wall)
    draw.rectangle([0, h * 0.9, w, h], fill=_mix("#9a9a9a", background, 0.3))  # the pavement
    sign_ink = (255, 255, 255) if _luminance(colour) < 0.35 else (34, 34, 34)
    draw.rectangle([w * 0.06, h * 0.12, w * 0.94, h * 0.28], fill=_rgb(colour))
    size = round(h * 0.075)
    while size > h * 0.045 and draw.textlength(name, font=_font(size)) > w * 0.84:
        size -= max(1, size // 20)  # long names get a smaller sign font before being cut
    font = _font(size)
    label = name if draw.textlength(name, font=font) < w * 0.84 else name[:34] + "…"
    draw.text((w / 2, h * 0.2), label, fill=sign_ink, font=font, anchor="mm")
    stripes = 12
    for index in range(stripes):
        x0, x1 = w * 0.06 + index * w * 0.88 / stripes, w * 0.06 + (index + 1) * w * 0.88 / stripes
        fill = _rgb(colour) if index % 2 == 0 else (250, 248, 240)
        draw.polygon([(x0, h * 0.3), (x1, h * 0.3), (x1 + w * 0.004, h * 0.4), (x0 - w * 0.004, h * 0.4)], fill=fill)
    glass = _mix("#bcd4e6", background, 0.15)
    draw.rectangle(
        [w * 0.08, h * 0.44, w * 0.62, h * 0.86],
        fill=glass,
        outline=_mix(colour, "#000000", 0.3),
        width=round(w * 0.008),
    )
    for index, x in enumerate((0.16, 0.3, 0.44)):
        shelf_colour = _mix(colour, "#ffffff", 0.2 + 0.2 * index)
        draw.rounded_rectangle([w * x, h * 0.64, w * (x + 0.1), h * 0.8], radius=w * 0.01, fill=shelf_colour)
    draw.line([(w * 0.1, h * 0.8), (w * 0.6, h * 0.8)], fill=_mix(colour, "#000000", 0.3), width=round(w * 0.006))
    draw.rectangle([w * 0.7, h * 0.44, w * 0.9, h * 0.9], fill=_mix(colour, "#000000", 0.25))
    draw.ellipse([w * 0.86, h * 0.66, w * 0.875, h * 0.69], fill=(230, 200, 120))
    return _jpeg(image.reduce(SCALE))


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=86)
    return buffer.getvalue()


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    """Wrap picture bytes as an upload for the services (which check them like any other)."""
    content_type = "image/png" if name.endswith(".png") else "image/jpeg"
    return SimpleUploadedFile(name, content, content_type=content_type)


def initials(name: str) -> str:
    """Up to two initials of a shop's meaningful words: "Librairie Le Tiers Livre" -> "TL"."""
    small = {"le", "la", "les", "l", "de", "du", "des", "d", "et", "au", "aux", "en", "à"}
    words = [word for word in name.replace("'", " ").replace("’", " ").split() if word.lower() not in small]
    meaningful = words[1:] if len(words) > 2 else words  # skip "Librairie", "Bijouterie"...
    return "".join(word[0].upper() for word in meaningful[:2]) or name[:1].upper()
