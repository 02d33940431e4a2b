"""Sample photos drawn on the spot: a plate of food seen from above, different for every recipe.

Nothing is copied from anywhere: the colours and shapes come from a hash of the recipe's title,
so every machine draws the same picture for the same recipe.
"""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 960, 720
AVATAR_SIZE = 256
TABLES = ((181, 136, 99), (120, 144, 156), (233, 221, 199), (96, 125, 89), (158, 158, 158))
FOOD = (
    (214, 69, 65),
    (242, 159, 5),
    (76, 153, 76),
    (139, 90, 43),
    (250, 223, 99),
    (173, 20, 87),
    (255, 255, 240),
    (63, 81, 181),
)


def _rng(name: str) -> random.Random:
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")
    return random.Random(seed)  # noqa: S311 - pictures, not security


def dish(title: str) -> bytes:
    """A JPEG of a plate with food on a table, seen from above."""
    rng = _rng(title)
    image = Image.new("RGB", (WIDTH, HEIGHT), rng.choice(TABLES))
    draw = ImageDraw.Draw(image)
    # A napkin and a fork beside the plate.
    draw.rectangle((40, 200, 180, 560), fill=(245, 245, 245))
    draw.rounded_rectangle((100, 230, 120, 530), radius=8, fill=(192, 192, 200))
    cx, cy, r = WIDTH // 2 + 60, HEIGHT // 2, 300
    draw.ellipse((cx - r - 12, cy - r + 12, cx + r - 12, cy + r + 12), fill=(60, 60, 60))  # shadow
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(250, 250, 247))
    draw.ellipse(
        (cx - r + 40, cy - r + 40, cx + r - 40, cy + r - 40), outline=(225, 225, 220), width=4
    )
    colours = rng.sample(FOOD, 3)
    for _ in range(rng.randint(14, 26)):
        angle_r = rng.uniform(0, 190)
        x = cx + int(angle_r * rng.uniform(-1, 1))
        y = cy + int(angle_r * rng.uniform(-1, 1))
        size = rng.randint(25, 70)
        draw.ellipse((x - size, y - size, x + size, y + size), fill=rng.choice(colours))
    for _ in range(rng.randint(10, 30)):  # herbs on top
        x, y = cx + rng.randint(-160, 160), cy + rng.randint(-160, 160)
        draw.ellipse((x - 6, y - 4, x + 6, y + 4), fill=(46, 125, 50))
    return _jpeg(image)


def avatar(username: str) -> bytes:
    """A JPEG avatar: concentric rings in colours of the user's own."""
    rng = _rng(f"avatar:{username}")
    image = Image.new("RGB", (AVATAR_SIZE, AVATAR_SIZE), rng.choice(FOOD))
    draw = ImageDraw.Draw(image)
    for step, colour in enumerate(rng.sample(FOOD, 4)):
        inset = 24 + step * 26
        draw.ellipse((inset, inset, AVATAR_SIZE - inset, AVATAR_SIZE - inset), fill=colour)
    return _jpeg(image)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
