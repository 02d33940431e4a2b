"""Image rules: who may upload, who may attach what, and what readers see of an image."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from resolvers.clock import aws_datetime, utc_now
from resolvers.errors import ValidationError
from resolvers.images.models import (
    ABANDONED_AFTER_SECONDS,
    MAX_UPLOAD_BYTES,
    UPLOAD_EXPIRES_SECONDS,
    VIEW_EXPIRES_SECONDS,
    ImagePurpose,
    ImageRecord,
    ImageStatus,
    display_key,
    object_keys,
    thumbnail_key,
    upload_key,
)
from resolvers.images.repository import expiry_epoch

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

    from resolvers.identity import Caller
    from resolvers.images.repository import ImageRepository
    from resolvers.images.storage import PhotoBucket

ATTACHED = "attached"
PENDING = "pending"


def create_upload(
    images: ImageRepository,
    bucket: PhotoBucket,
    caller: Caller,
    purpose: ImagePurpose,
    content_type: str,
) -> dict[str, Any]:
    """Record the offered upload, then sign a POST that can only create that one object."""
    owner = caller.require_user()
    now = utc_now()
    record = ImageRecord(
        key=str(uuid.uuid4()),
        owner_id=owner,
        purpose=purpose,
        content_type=content_type,
        status=ImageStatus.AWAITING_UPLOAD,
        created_at=aws_datetime(now),
    )
    images.create(record, expiry_epoch(ABANDONED_AFTER_SECONDS, now.timestamp()))
    post = bucket.presigned_post(
        upload_key(owner, record.key), content_type, MAX_UPLOAD_BYTES, UPLOAD_EXPIRES_SECONDS
    )
    return {
        "imageKey": record.key,
        "uploadUrl": post["url"],
        "fields": post["fields"],
        "expiresAt": aws_datetime(now + timedelta(seconds=UPLOAD_EXPIRES_SECONDS)),
        "maxBytes": MAX_UPLOAD_BYTES,
    }


def image_view(record: ImageRecord, bucket: PhotoBucket) -> dict[str, Any]:
    """The public `Image`: nothing about the uploader, links only once the image is READY."""
    status = record.public_status
    ready = status is ImageStatus.READY
    return {
        "key": record.key,
        "status": status.value,
        "url": bucket.presigned_get(display_key(record.key), VIEW_EXPIRES_SECONDS)
        if ready
        else None,
        "thumbnailUrl": (
            bucket.presigned_get(thumbnail_key(record.key), VIEW_EXPIRES_SECONDS) if ready else None
        ),
        "width": record.width if ready else None,
        "height": record.height if ready else None,
    }


class Attachments:
    """Attaching images to recipes and profiles, and letting go of replaced or deleted ones.

    `check` runs before any write and names the problem; the conditional write (`attach_write`
    in the caller's transaction, or `attach`) re-checks the same rule atomically.
    """

    def __init__(self, images: ImageRepository, bucket: PhotoBucket) -> None:
        self.images = images
        self.bucket = bucket

    def check(
        self, caller_id: str, key: str, purpose: ImagePurpose, target: str, label: str
    ) -> ImageRecord:
        """The record of an image `caller_id` may attach to `target`, or a ValidationError."""
        record = self.images.get_image(key)
        # Someone else's key reads exactly like a missing one: it reveals nothing.
        if record is None or record.owner_id != caller_id:
            raise ValidationError(f"{label} {key} is not an image you uploaded.")
        if record.purpose is not purpose:
            raise ValidationError(f"{label} {key} was uploaded as {record.purpose.value}.")
        if record.status is ImageStatus.FAILED:
            raise ValidationError(f"{label} {key} is not a usable image: {record.reason}.")
        if record.attached_to not in {None, target}:
            # One owner per image: deleting one recipe must never take another's photo with it.
            raise ValidationError(f"{label} {key} is already used elsewhere: upload it again.")
        if record.status is ImageStatus.AWAITING_UPLOAD and not self.bucket.exists(
            record.upload_key
        ):
            raise ValidationError(f"{label} {key} was never uploaded: POST the file first.")
        return record

    def attach_write(self, record: ImageRecord, target: str) -> TransactWriteItemTypeDef:
        return self.images.attach_write(record, target)

    def delete_write(self, key: str) -> TransactWriteItemTypeDef:
        return self.images.delete_write(key)

    def attach(self, record: ImageRecord, target: str, label: str) -> None:
        if not self.images.attach(record, target):
            raise ValidationError(f"{label} {record.key} can no longer be attached.")

    def settle(self, key: str) -> None:
        """After the attach committed: keep a READY image's objects from expiring.

        The thumbnail function does the same when it finishes an attached image, so whichever
        of the two writes comes second sees the other's and retags.
        """
        record = self.images.get_image(key)
        if record is not None and record.status is ImageStatus.READY:
            self.bucket.tag([display_key(key), thumbnail_key(key)], ATTACHED)

    def discard(self, owner_id: str, key: str) -> None:
        """Delete a detached image's objects (its record went in the same write)."""
        self.bucket.delete_objects(object_keys(owner_id, key))

    def release(self, owner_id: str, key: str) -> None:
        """Delete a detached image entirely: record, then objects."""
        self.images.delete(key)
        self.discard(owner_id, key)


def recipe_target(recipe_id: str) -> str:
    return f"recipe#{recipe_id}"


def profile_target(profile_id: str) -> str:
    return f"profile#{profile_id}"
