"""Image records, upload rules and where each image's objects live in the bucket.

Layout of the private bucket:
- `uploads/<owner>/<imageKey>`: the file exactly as the client POSTed it. The pre-signed POST
  pins this key, so the owner is part of the path S3 itself enforces. The thumbnail function
  deletes it once processed (it may carry GPS in its EXIF); a lifecycle rule expires the ones
  never processed.
- `images/<imageKey>/display.jpg` and `images/<imageKey>/thumb.jpg`: what readers get, EXIF
  stripped. Written tagged `state=pending`, retagged `state=attached` once a recipe or profile
  uses the image; a lifecycle rule expires what stays pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from resolvers.errors import ValidationError
from resolvers.ids import parse_id

UPLOADS_PREFIX = "uploads/"
IMAGES_PREFIX = "images/"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_EXPIRES_SECONDS = 15 * 60
# Pre-signed GETs: long enough for a page view and its lazy loading, short enough that a copied
# link soon stops working.
VIEW_EXPIRES_SECONDS = 60 * 60
# An image nobody attaches within a day is abandoned: its record expires (DynamoDB TTL) and its
# objects with it (bucket lifecycle rules, in days).
ABANDONED_AFTER_SECONDS = 24 * 60 * 60
CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
STATE_TAG = "state"


class ImagePurpose(StrEnum):
    RECIPE_PHOTO = "RECIPE_PHOTO"
    AVATAR = "AVATAR"


class ImageStatus(StrEnum):
    # Internal: the upload was offered and nothing has arrived yet. Never shown: such a key
    # cannot be attached, and attaching checks the bucket first.
    AWAITING_UPLOAD = "AWAITING_UPLOAD"
    PROCESSING = "PROCESSING"
    READY = "READY"
    FAILED = "FAILED"


@dataclass(frozen=True)
class ImageRecord:
    key: str
    owner_id: str
    purpose: ImagePurpose
    content_type: str
    status: ImageStatus
    created_at: str
    width: int | None = None
    height: int | None = None
    reason: str | None = None
    # "recipe#<id>" or "profile#<id>" once attached: whom the thumbnail function tells.
    attached_to: str | None = None

    @property
    def upload_key(self) -> str:
        return upload_key(self.owner_id, self.key)

    @property
    def public_status(self) -> ImageStatus:
        # Attached means uploaded: the thumbnail function may simply not have started yet.
        if self.status is ImageStatus.AWAITING_UPLOAD:
            return ImageStatus.PROCESSING
        return self.status


def upload_key(owner_id: str, image_key: str) -> str:
    return f"{UPLOADS_PREFIX}{owner_id}/{image_key}"


def display_key(image_key: str) -> str:
    return f"{IMAGES_PREFIX}{image_key}/display.jpg"


def thumbnail_key(image_key: str) -> str:
    return f"{IMAGES_PREFIX}{image_key}/thumb.jpg"


def object_keys(owner_id: str, image_key: str) -> list[str]:
    """Every object an image may have in the bucket."""
    return [upload_key(owner_id, image_key), display_key(image_key), thumbnail_key(image_key)]


def parse_upload_key(s3_key: str) -> tuple[str, str] | None:
    """`(owner, imageKey)` of an `uploads/<owner>/<imageKey>` object key, else None."""
    if not s3_key.startswith(UPLOADS_PREFIX):
        return None
    owner, _, image_key = s3_key.removeprefix(UPLOADS_PREFIX).partition("/")
    if not owner or not image_key or "/" in image_key:
        return None
    return owner, image_key


def parse_purpose(value: Any) -> ImagePurpose:
    try:
        return ImagePurpose(value)
    except ValueError:
        raise ValidationError("purpose must be RECIPE_PHOTO or AVATAR.") from None


def parse_content_type(value: Any) -> str:
    content_type = value.strip().lower() if isinstance(value, str) else ""
    if content_type not in CONTENT_TYPES:
        raise ValidationError(
            f"contentType must be one of {', '.join(sorted(CONTENT_TYPES))}, got {value!r}."
        )
    return content_type


def parse_image_key(value: Any, label: str) -> str | None:
    """An optional key input: null detaches; anything else must be a non-empty id."""
    if value is None:
        return None
    return parse_id(value, label)
