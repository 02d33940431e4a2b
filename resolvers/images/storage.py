"""The private photo bucket: pre-signed POSTs and GETs, and the few object calls images need.

Signing is local computation (no network call); it uses the function's own credentials, so a
pre-signed link can never outlive them and grants only what the function's role may do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resolvers.images.models import STATE_TAG
from resolvers.observability import tracer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_s3 import S3Client


class PhotoBucket:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self.name = bucket

    def presigned_post(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> dict[str, Any]:
        """`{url, fields}`; the policy pins the bucket, the key, the type and the size range."""
        post: dict[str, Any] = self._client.generate_presigned_post(
            Bucket=self.name,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"bucket": self.name},
                ["eq", "$key", key],
                ["eq", "$Content-Type", content_type],
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return post

    def presigned_get(self, key: str, expires_in: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.name, "Key": key}, ExpiresIn=expires_in
        )

    @tracer.capture_method
    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.name, Key=key)
        except self._client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    @tracer.capture_method
    def read(self, key: str, max_bytes: int) -> bytes | None:
        """The object's bytes, or None if it is missing or larger than `max_bytes`."""
        try:
            response = self._client.get_object(Bucket=self.name, Key=key)
        except self._client.exceptions.NoSuchKey:
            return None
        body = response["Body"]
        try:
            if response.get("ContentLength", 0) > max_bytes:
                return None
            data = body.read(max_bytes + 1)
        finally:
            body.close()
        return None if len(data) > max_bytes else data

    @tracer.capture_method
    def write(self, key: str, data: bytes, content_type: str, state: str) -> None:
        self._client.put_object(
            Bucket=self.name,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl="private, max-age=3600",
            Tagging=f"{STATE_TAG}={state}",
        )

    @tracer.capture_method
    def tag(self, keys: Sequence[str], state: str) -> None:
        """Retag objects that exist; a missing one (not processed yet) is skipped."""
        for key in keys:
            try:
                self._client.put_object_tagging(
                    Bucket=self.name,
                    Key=key,
                    Tagging={"TagSet": [{"Key": STATE_TAG, "Value": state}]},
                )
            except self._client.exceptions.NoSuchKey:
                continue
            except self._client.exceptions.ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchKey":
                    raise

    @tracer.capture_method
    def delete_objects(self, keys: Sequence[str]) -> None:
        if keys:
            self._client.delete_objects(
                Bucket=self.name,
                Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
            )
