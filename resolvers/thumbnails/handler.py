"""The thumbnail function's handler: one S3 ObjectCreated record at a time, never crashing on input.

A hostile or broken file ends FAILED with a reason. Only the store and bucket failing (throttling,
an outage) raises, so Lambda's asynchronous retries try again; a record that was already
settled is skipped, since S3 delivers each event at least once.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import boto3

from resolvers.images.models import (
    MAX_UPLOAD_BYTES,
    ImageStatus,
    display_key,
    parse_upload_key,
    thumbnail_key,
)
from resolvers.images.repository import DynamoImageRepository
from resolvers.images.service import ATTACHED, PENDING
from resolvers.images.storage import PhotoBucket
from resolvers.observability import logger
from resolvers.settings import ThumbnailSettings
from resolvers.store.dynamo import CLIENT_CONFIG, S3_CONFIG
from resolvers.thumbnails.imaging import RejectedImageError, Rendition, render
from resolvers.thumbnails.publish import Publisher

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from resolvers.images.models import ImageRecord
    from resolvers.images.repository import ImageRepository


class Thumbnails:
    def __init__(self, images: ImageRepository, bucket: PhotoBucket, publisher: Publisher) -> None:
        self.images = images
        self.bucket = bucket
        self.publisher = publisher

    def process(self, record: dict[str, Any]) -> ImageStatus | None:
        """Handle one S3 event record; the image's new status, or None if nothing changed."""
        s3_object = record.get("s3", {}).get("object", {})
        # S3 URL-encodes keys in events (spaces as '+').
        s3_key = unquote_plus(str(s3_object.get("key", "")))
        image = self._pending_image(s3_key)
        if image is None:
            return None
        size = int(s3_object.get("size") or 0)
        data = None if size > MAX_UPLOAD_BYTES else self.bucket.read(s3_key, MAX_UPLOAD_BYTES)
        if data is None:
            return self._fail(image, s3_key, f"larger than {MAX_UPLOAD_BYTES:,} bytes or gone")
        try:
            rendition = render(data)
        except RejectedImageError as error:
            return self._fail(image, s3_key, str(error))
        except Exception:  # noqa: BLE001 - a decoder bug must not make a poisoned retry loop
            logger.exception("rendering failed", extra={"image_key": image.key})
            return self._fail(image, s3_key, "the image could not be processed")
        return self._store(image, s3_key, rendition)

    def _pending_image(self, s3_key: str) -> ImageRecord | None:
        """The record of an upload still to process, or None (and why, in the log)."""
        parsed = parse_upload_key(s3_key)
        if parsed is None:
            logger.warning("not an upload key; ignored", extra={"s3_key": s3_key})
            return None
        owner, image_key = parsed
        image = self.images.get_image(image_key)
        if image is None or image.owner_id != owner:
            # No upload was offered for this key: nothing may show it, so it goes.
            logger.warning("object without an image record; deleted", extra={"s3_key": s3_key})
            self.bucket.delete_objects([s3_key])
            return None
        if image.status not in {ImageStatus.AWAITING_UPLOAD, ImageStatus.PROCESSING}:
            return None  # a redelivered event: settled already
        return image

    def _store(self, image: ImageRecord, s3_key: str, rendition: Rendition) -> ImageStatus | None:
        renditions = [display_key(image.key), thumbnail_key(image.key)]
        self.bucket.write(renditions[0], rendition.display, "image/jpeg", PENDING)
        self.bucket.write(renditions[1], rendition.thumbnail, "image/jpeg", PENDING)
        finished = self.images.finish(
            image.key, ImageStatus.READY, width=rendition.width, height=rendition.height
        )
        if finished is None:
            # Deleted (its recipe went) or settled by a parallel delivery while we rendered.
            if self.images.get_image(image.key) is None:
                self.bucket.delete_objects(renditions)
            return None
        # The original may carry GPS in its EXIF: only the re-encoded renditions are kept.
        self.bucket.delete_objects([s3_key])
        if finished.attached_to:
            self.bucket.tag(renditions, ATTACHED)
        self._announce(finished)
        return ImageStatus.READY

    def _fail(self, image: ImageRecord, s3_key: str, reason: str) -> ImageStatus | None:
        logger.info("image refused", extra={"image_key": image.key, "reason": reason})
        finished = self.images.finish(image.key, ImageStatus.FAILED, reason=reason)
        self.bucket.delete_objects([s3_key])
        if finished is None:
            return None
        self._announce(finished)
        return ImageStatus.FAILED

    def _announce(self, image: ImageRecord) -> None:
        if image.attached_to:
            self.publisher.publish(image.attached_to)


@cache
def _thumbnails() -> Thumbnails:
    settings = ThumbnailSettings.from_env()
    session = boto3.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise RuntimeError("no AWS credentials to sign the API call with")
    region = session.region_name or "us-east-1"
    return Thumbnails(
        DynamoImageRepository(
            session.client("dynamodb", config=CLIENT_CONFIG), settings.images_table
        ),
        PhotoBucket(session.client("s3", config=S3_CONFIG), settings.photos_bucket),
        Publisher(settings.appsync_graphql_url, credentials, region),
    )


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    thumbnails = _thumbnails()
    outcomes = [thumbnails.process(record) for record in event.get("Records", [])]
    return {"processed": [outcome.value if outcome else None for outcome in outcomes]}
