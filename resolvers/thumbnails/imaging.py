"""Open an untrusted upload safely and render the display and thumbnail JPEGs.

Every check happens before pixels are decoded: the format must be one we accept (Pillow's
`formats` stops it from trying its other plugins), the file must pass `verify()`, and the pixel
count from the header must be under a cap, so a small file that claims a huge canvas (a
decompression bomb) is refused without allocating it. The output is re-encoded from pixels:
no EXIF (photos carry GPS), no ICC tricks, orientation applied first.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "WEBP")
MAX_PIXELS = 40_000_000  # 40 megapixels: beyond any phone camera, far below a bomb
DISPLAY_MAX = 1600
THUMBNAIL_MAX = 320
JPEG_QUALITY = 85
# Pillow's own guard raises at twice its limit; ours (checked first) is the one that decides.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class RejectedImageError(Exception):
    """The file is not an image we publish; the message is the reason the owner sees."""


@dataclass(frozen=True)
class Rendition:
    display: bytes
    thumbnail: bytes
    width: int
    height: int


def render(data: bytes) -> Rendition:
    """The display-size and thumbnail JPEGs of `data`, or RejectedImageError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            _verify(data)
            return _render(data)
    except RejectedImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise RejectedImageError(f"more than {MAX_PIXELS:,} pixels") from None
    except UnidentifiedImageError:
        raise RejectedImageError("not a JPEG, PNG or WebP image") from None
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as error:
        # Truncated or corrupt data surfaces from the decoders as any of these.
        raise RejectedImageError(f"corrupt image ({type(error).__name__})") from None


def _verify(data: bytes) -> None:
    with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
        width, height = probe.size
        if width < 1 or height < 1 or width * height > MAX_PIXELS:
            raise RejectedImageError(f"more than {MAX_PIXELS:,} pixels")
        probe.verify()


def _render(data: bytes) -> Rendition:
    # verify() leaves the image unusable, so decode from a fresh open.
    with Image.open(io.BytesIO(data), formats=FORMATS) as opened:
        if opened.format == "JPEG":
            # Decode JPEGs at a reduced scale straight away when they are much larger.
            opened.draft("RGB", (DISPLAY_MAX, DISPLAY_MAX))
        oriented = ImageOps.exif_transpose(opened)
        rgb = _flatten(oriented)
    display = rgb.copy()
    display.thumbnail((DISPLAY_MAX, DISPLAY_MAX), Image.Resampling.LANCZOS)
    thumbnail = display.copy()
    thumbnail.thumbnail((THUMBNAIL_MAX, THUMBNAIL_MAX), Image.Resampling.LANCZOS)
    return Rendition(
        display=_jpeg(display),
        thumbnail=_jpeg(thumbnail),
        width=display.width,
        height=display.height,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha, and a palette or 16-bit mode must not reach it."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # No `exif=` and no `icc_profile=`: nothing from the upload's metadata is carried over.
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()
