"""Pictures for the demo's intrathecal pump article, drawn with Pillow: nothing is checked in or
downloaded. Only Pillow's built-in scalable font is used (``ImageFont.load_default(size=...)``), so
they draw the same on a machine without any font installed, and each call returns the same bytes.

- ``pump_diagram()``: a labelled side view of the lower body (belly on the left, back on the right):
  the pump under the skin of the belly, its thin tube around the side into the spine, the spinal
  cord and the fluid-filled space around it where the tube's tip sits.
- ``pump_lead_image()``: a calm banner for the top of the article, without text; its subject (the
  pump) is at ``LEAD_FOCAL_POINT``.

Shapes are drawn at twice the size and scaled down, for smooth edges.
"""

import functools
import io
import math

from PIL import Image, ImageDraw, ImageFilter, ImageFont

DIAGRAM_SIZE = (1600, 1000)
LEAD_SIZE = (1920, 1080)
# Where the pump is in the banner, as fractions of its width and height (the Image's focal point).
LEAD_PUMP_CENTRE = (1190, 560)
LEAD_FOCAL_POINT = (LEAD_PUMP_CENTRE[0] / LEAD_SIZE[0], LEAD_PUMP_CENTRE[1] / LEAD_SIZE[1])

SCALE = 2  # drawn at this multiple, then scaled down

# Flat, high-contrast colours.
INK = (23, 37, 58)  # labels and leader lines
MUTED_INK = (70, 84, 104)
WHITE = (255, 255, 255)
SKIN = (247, 215, 190)
SKIN_LINE = (176, 104, 72)
BONE = (240, 232, 212)
BONE_LINE = (128, 112, 84)
DISC = (176, 200, 214)
FLUID = (186, 228, 250)
FLUID_LINE = (40, 128, 190)
CORD = (250, 204, 82)
CORD_LINE = (176, 128, 16)
PUMP = (214, 222, 228)
PUMP_LINE = (62, 78, 96)
TUBE = (112, 48, 160)


# --- Geometry --------------------------------------------------------------------------------------


def _spline(points, steps=32):
    """A smooth curve through ``points`` (Catmull-Rom), as a list of points."""
    padded = [points[0], *points, points[-1]]
    curve = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for step in range(steps):
            t = step / steps
            t2, t3 = t * t, t * t * t
            curve.append(
                tuple(
                    0.5
                    * (
                        2 * p1[k]
                        + (-p0[k] + p2[k]) * t
                        + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                        + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3
                    )
                    for k in (0, 1)
                )
            )
    curve.append(tuple(points[-1]))
    return curve


def _x_at(curve, y):
    """The curve's x where it crosses height ``y`` (the curve runs downwards)."""
    for (x1, y1), (x2, y2) in zip(curve, curve[1:], strict=False):
        if y1 <= y <= y2 and y2 != y1:
            return x1 + (x2 - x1) * (y - y1) / (y2 - y1)
    return curve[0][0] if y < curve[0][1] else curve[-1][0]


class _Canvas:
    """Drawing in final-size coordinates on a ``SCALE`` times larger image."""

    def __init__(self, size, background):
        self.size = size
        self.image = Image.new("RGB", (size[0] * SCALE, size[1] * SCALE), background)
        self.draw = ImageDraw.Draw(self.image)

    @staticmethod
    def _s(value):
        return round(value * SCALE)

    def _pts(self, points):
        return [(self._s(x), self._s(y)) for x, y in points]

    def polygon(self, points, fill, outline=None, width=0):
        self.draw.polygon(self._pts(points), fill=fill)
        if outline:
            self.line([*points, points[0]], outline, width)

    def line(self, points, fill, width):
        self.draw.line(self._pts(points), fill=fill, width=self._s(width), joint="curve")
        for x, y in (points[0], points[-1]):  # round ends
            self.circle((x, y), width / 2, fill)

    def circle(self, centre, radius, fill, outline=None, width=0):
        x, y = centre
        box = [self._s(x - radius), self._s(y - radius), self._s(x + radius), self._s(y + radius)]
        self.draw.ellipse(box, fill=fill, outline=outline, width=self._s(width))

    def rounded(self, box, radius, fill, outline=None, width=0):
        self.draw.rounded_rectangle(
            [self._s(v) for v in box], self._s(radius), fill=fill, outline=outline, width=self._s(width)
        )

    def font(self, size):
        return ImageFont.load_default(size=self._s(size))

    def text_size(self, text, size, bold=False):
        left, top, right, bottom = self.draw.textbbox(
            (0, 0), text, font=self.font(size), stroke_width=self._s(0.9) if bold else 0
        )
        return (right - left) / SCALE, (bottom - top) / SCALE

    def text(self, xy, text, size, fill=INK, bold=False):
        stroke = self._s(0.9) if bold else 0
        self.draw.text(
            (self._s(xy[0]), self._s(xy[1])),
            text,
            font=self.font(size),
            fill=fill,
            stroke_width=stroke,
            stroke_fill=fill,
            anchor="la",
        )

    def png(self) -> bytes:
        final = self.image.resize(self.size, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        final.save(buffer, "PNG")
        return buffer.getvalue()


# --- The labelled diagram ----------------------------------------------------------------------------

LABEL_SIZE = 36
TITLE_BAND = 128
LINE_GAP = 8


def _label(canvas, xy, lines, target, *, anchor_side):
    """A block of text on a white card, with a leader line from the card's ``anchor_side`` ("left" or
    "right") to ``target``, which gets a dot. The first line is bold."""
    x, y = xy
    sizes = [canvas.text_size(line, LABEL_SIZE, bold=index == 0) for index, line in enumerate(lines)]
    line_height = LABEL_SIZE + LINE_GAP
    width = max(w for w, _ in sizes)
    height = line_height * len(lines) - LINE_GAP
    pad = 14
    box = (x - pad, y - pad, x + width + pad, y + height + pad + 4)
    start = (box[2], y + LABEL_SIZE / 2 + 2) if anchor_side == "right" else (box[0], y + LABEL_SIZE / 2 + 2)
    canvas.line([start, target], WHITE, 9)
    canvas.line([start, target], INK, 3.5)
    canvas.circle(target, 9, INK, outline=WHITE, width=3)
    canvas.rounded(box, 12, WHITE, outline=INK, width=2.5)
    for index, line in enumerate(lines):
        canvas.text((x, y + index * line_height), line, LABEL_SIZE, bold=index == 0)


@functools.cache  # the same bytes each time: drawn once per process
def pump_diagram() -> bytes:
    """A labelled side view of the lower body with the pump, its tube, the spine and spinal cord."""
    width, height = DIAGRAM_SIZE
    canvas = _Canvas(DIAGRAM_SIZE, WHITE)

    # The body: belly (front) on the left, back on the right; cut at the top and the bottom.
    front = _spline([(500, 60), (462, 220), (420, 400), (398, 580), (412, 740), (450, 900), (476, 1060)])
    back = _spline([(1060, 60), (1076, 240), (1056, 440), (1070, 640), (1112, 840), (1130, 1060)])
    canvas.polygon([*front, *reversed(back)], SKIN)

    # The spine: vertebrae (blocks of bone) with discs between them, following the back's curve.
    body_width, canal_width = 124, 120
    vertebra, disc = 104, 26

    def canal_front(y):
        return _x_at(back, y) - 290

    def canal_back(y):
        return canal_front(y) + canal_width

    def canal_mid(y):
        return canal_front(y) + canal_width / 2

    tops = list(range(TITLE_BAND + 10, height + vertebra, vertebra + disc))
    for top in tops:
        right = canal_front(top + vertebra / 2) - 10
        canvas.rounded((right - body_width, top, right, top + vertebra), 16, BONE, BONE_LINE, 3)
        disc_right = canal_front(top + vertebra + disc / 2) - 10
        canvas.rounded(
            (disc_right - body_width + 8, top + vertebra + 4, disc_right - 8, top + vertebra + disc - 4),
            8,
            DISC,
        )
        # The bony bump of the back (spinous process) behind the canal.
        behind = canal_back(top + vertebra / 2)
        canvas.polygon(
            [
                (behind + 8, top + 10),
                (behind + 96, top + 30),
                (behind + 100, top + 72),
                (behind + 8, top + vertebra - 6),
            ],
            BONE,
            BONE_LINE,
            3,
        )

    # The spinal canal: the fluid-filled (intrathecal) space, with the spinal cord in it.
    ys = list(range(0, height + 41, 20))
    fronts = [(canal_front(y), y) for y in ys]
    backs = [(canal_back(y), y) for y in ys]
    canvas.polygon([*fronts, *reversed(backs)], FLUID)
    canvas.line(fronts, FLUID_LINE, 3)
    canvas.line(backs, FLUID_LINE, 3)

    cord_end, cord_half, taper = 640, 19, 90
    # Below the cord's end, its nerve roots run on down.
    for offset in (-14, -5, 5, 14):
        canvas.line(
            [
                (canal_mid(y) + offset * min(1, (y - cord_end + taper) / 160), y)
                for y in range(cord_end - taper, height + 40, 20)
            ],
            CORD_LINE,
            2.5,
        )
    cord_ys = [y for y in ys if y <= cord_end - taper] + list(range(cord_end - taper + 10, cord_end + 1, 10))
    half = [cord_half * min(1, (cord_end - y) / taper) ** 0.6 for y in cord_ys]
    cord = [(canal_mid(y) - h, y) for y, h in zip(cord_ys, half, strict=True)]
    cord += [(canal_mid(y) + h, y) for y, h in reversed(list(zip(cord_ys, half, strict=True)))]
    canvas.polygon(cord, CORD, CORD_LINE, 3)

    # The skin line, drawn over the body's edges.
    canvas.line(front, SKIN_LINE, 7)
    canvas.line(back, SKIN_LINE, 7)

    # The pump, just under the skin of the lower belly.
    pump_centre, pump_radius = (484, 660), 64
    # The tube: from the pump, around the side to the back, under the skin of the back, in between
    # two vertebrae, and up the fluid-filled space behind the cord, where its tip sits.
    entry_y = tops[4] + vertebra + disc / 2
    inside = canal_back(entry_y) - 17
    tip_y = 380
    tube = _spline(
        [
            (pump_centre[0] + 38, pump_centre[1] + 52),
            (580, 830),
            (760, 930),
            (990, 950),
            (_x_at(back, 900) - 40, 900),
            (_x_at(back, 840) - 40, 830),
            (_x_at(back, entry_y) - 60, entry_y + 4),
            (inside + 20, entry_y),
            (inside, entry_y - 30),
        ]
    ) + [(canal_back(y) - 17, y) for y in range(int(entry_y - 60), tip_y - 1, -20)]
    canvas.line(tube, WHITE, 13)
    canvas.line(tube, TUBE, 7)
    canvas.circle(tube[-1], 7.5, TUBE)

    canvas.circle((pump_centre[0] + 5, pump_centre[1] + 7), pump_radius, (214, 176, 150))  # soft shadow
    canvas.circle(pump_centre, pump_radius, PUMP, PUMP_LINE, 5)
    canvas.circle(pump_centre, pump_radius * 0.56, (236, 241, 244), PUMP_LINE, 3.5)
    canvas.circle(pump_centre, pump_radius * 0.16, PUMP_LINE)

    # Title, over the top of the body.
    canvas.rounded((-10, -10, width + 10, TITLE_BAND), 0, WHITE)
    canvas.line([(0, TITLE_BAND), (width, TITLE_BAND)], (210, 218, 226), 2)
    canvas.text((40, 22), "Where the pump and its tube go", 46, bold=True)
    canvas.text(
        (40, 78),
        "Side view of the lower body: belly on the left, back on the right",
        28,
        fill=MUTED_INK,
    )

    # Labels.
    _label(canvas, (40, 270), ["Skin"], (_x_at(front, 350) + 1, 350), anchor_side="right")
    _label(
        canvas,
        (40, 480),
        ["Pump", "(under the skin", "of the belly)"],
        (pump_centre[0] - 26, pump_centre[1] - 20),
        anchor_side="right",
    )
    _label(canvas, (40, 880), ["Thin tube (catheter)"], tube[len(tube) // 6], anchor_side="right")
    _label(canvas, (1210, 180), ["Spinal cord"], (canal_mid(260), 260), anchor_side="left")
    _label(
        canvas,
        (1210, 360),
        ["Space around", "the spinal cord", "(intrathecal space)"],
        (canal_back(320) - 17, 320),
        anchor_side="left",
    )
    _label(
        canvas,
        (1210, 700),
        ["Backbone", "(vertebrae)"],
        (canal_back(tops[5] + 50) + 60, tops[5] + 46),
        anchor_side="left",
    )
    return canvas.png()


# --- The banner --------------------------------------------------------------------------------------


@functools.cache
def pump_lead_image() -> bytes:
    """A calm banner without text: a stylised pump and the soft curve of its tube on a gentle
    background. Its subject is at ``LEAD_FOCAL_POINT``."""
    width, height = LEAD_SIZE
    s = SCALE
    top, bottom = (226, 242, 240), (205, 228, 238)
    gradient = Image.linear_gradient("L").resize((width * s, height * s))
    size = gradient.size
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), gradient)

    # Soft shapes: a wide curve like the line of the body, and a few pale circles.
    soft = Image.new("L", image.size, 0)  # how much white shows through
    draw = ImageDraw.Draw(soft)
    draw.ellipse([-600 * s, 640 * s, 1500 * s, 1900 * s], fill=110)
    for cx, cy, r, alpha in (
        (330, 260, 170, 100),
        (620, 170, 90, 90),
        (1650, 900, 210, 100),
        (1760, 210, 120, 80),
    ):
        draw.ellipse([(cx - r) * s, (cy - r) * s, (cx + r) * s, (cy + r) * s], fill=alpha)
    image.paste((255, 255, 255), (0, 0, *image.size), _blurred(soft, 24 * s))

    canvas = _Canvas(LEAD_SIZE, WHITE)
    canvas.image = image
    canvas.draw = ImageDraw.Draw(image)

    cx, cy = LEAD_PUMP_CENTRE
    radius = 230
    # The tube: a soft curve from the pump off towards the lower left, then up.
    tube = _spline(
        [(cx - radius * 0.68, cy + radius * 0.68), (930, 830), (560, 890), (260, 800), (90, 570), (-80, 400)]
    )
    canvas.line(tube, (255, 255, 255), 34)
    canvas.line(tube, (140, 110, 190), 20)

    # The pump: a shadowed disc with a ring and the refill port in the middle.
    shadow = Image.new("L", image.size, 0)
    ImageDraw.Draw(shadow).ellipse(
        [(cx - radius + 18) * s, (cy - radius + 34) * s, (cx + radius + 18) * s, (cy + radius + 34) * s],
        fill=70,
    )
    image.paste((40, 70, 90), (0, 0, *image.size), _blurred(shadow, 20 * s))
    canvas.circle((cx, cy), radius, (244, 247, 249), (120, 150, 166), 6)
    canvas.circle((cx, cy), radius * 0.8, (228, 236, 240), (170, 192, 204), 4)
    canvas.circle((cx, cy), radius * 0.36, (255, 255, 255), (96, 132, 150), 6)
    canvas.circle((cx, cy), radius * 0.12, (96, 132, 150))
    for angle in range(0, 360, 45):  # the rim's small notches
        a = math.radians(angle + 22.5)
        x, y = cx + math.cos(a) * radius * 0.9, cy + math.sin(a) * radius * 0.9
        canvas.circle((x, y), 9, (190, 206, 214))
    return canvas.png()


def _blurred(mask: Image.Image, radius: float) -> Image.Image:
    """``mask`` (mode L) blurred by ``radius``: done at an eighth of the size (the same look, faster)."""
    small = mask.resize((mask.width // 8, mask.height // 8), Image.Resampling.BOX)
    return small.filter(ImageFilter.GaussianBlur(radius / 8)).resize(mask.size, Image.Resampling.BICUBIC)
