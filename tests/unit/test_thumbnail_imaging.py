"""The thumbnail function's image handling: what a hostile or odd upload turns into."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from resolvers.thumbnails.imaging import (
    DISPLAY_MAX,
    MAX_PIXELS,
    THUMBNAIL_MAX,
    RejectedImageError,
    render,
)

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_phone_photo_is_turned_upright_and_loses_its_exif() -> None:
    # GIVEN a JPEG stored sideways with "rotate 90°" and a GPS position in its EXIF
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_IFD)[2] = (51.0, 30.0, 0.0)
    photo = encoded(Image.new("RGB", (400, 200), (200, 50, 50)), "JPEG", exif=exif)
    # WHEN it is rendered
    rendition = render(photo)
    # THEN the display image is upright (portrait) and carries no EXIF at all
    assert (rendition.width, rendition.height) == (200, 400)
    for data in (rendition.display, rendition.thumbnail):
        with Image.open(io.BytesIO(data)) as out:
            assert out.format == "JPEG"
            assert not out.getexif()
            assert "exif" not in out.info


def test_a_large_picture_gets_a_display_size_and_a_small_thumbnail() -> None:
    # GIVEN a 4000 x 3000 PNG with transparency
    picture = encoded(Image.new("RGBA", (4000, 3000), (10, 120, 10, 128)), "PNG")
    # WHEN it is rendered
    rendition = render(picture)
    # THEN both JPEGs keep the aspect ratio within their bounds
    assert (rendition.width, rendition.height) == (DISPLAY_MAX, 1200)
    with Image.open(io.BytesIO(rendition.thumbnail)) as thumbnail:
        assert thumbnail.size == (THUMBNAIL_MAX, 240)
        assert thumbnail.mode == "RGB"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a JPEG, PNG or WebP"),
        (encoded(Image.new("RGB", (10, 10)), "GIF"), "not a JPEG, PNG or WebP"),
        (png_claiming(20_000, 20_000), f"more than {MAX_PIXELS:,} pixels"),
        (encoded(Image.new("RGB", (64, 64), (1, 2, 3)), "PNG")[:60], "corrupt image"),
    ],
    ids=["svg", "gif", "decompression-bomb", "truncated"],
)
def test_what_is_not_a_safe_image_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    # GIVEN an upload that is not a usable JPEG, PNG or WebP
    # WHEN it is rendered THEN it is refused, saying why, without decoding a huge canvas
    with pytest.raises(RejectedImageError, match=reason):
        render(data)
