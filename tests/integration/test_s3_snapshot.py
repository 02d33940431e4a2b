"""The local S3's snapshot: uploads and renditions survive a restart with their type and tags."""

from __future__ import annotations

import uuid
from pathlib import Path

from devserver.backends import s3_snapshot
from devserver.backends.stack import LocalBackends


def test_objects_come_back_with_their_bytes_type_and_tags(
    local_backends: LocalBackends, tmp_path: Path
) -> None:
    # GIVEN a bucket with a tagged JPEG and a plain upload
    s3 = local_backends.s3()
    bucket = f"snap-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(
        Bucket=bucket,
        Key="images/k/thumb.jpg",
        Body=b"jpeg bytes",
        ContentType="image/jpeg",
        Tagging="state=attached",
    )
    s3.put_object(Bucket=bucket, Key="uploads/u/k", Body=b"\x00raw")
    # WHEN it is saved, emptied (as a restart empties moto) and restored
    s3_snapshot.write(s3, tmp_path)
    before = s3_snapshot.fingerprint(s3)
    for key in ("images/k/thumb.jpg", "uploads/u/k"):
        s3.delete_object(Bucket=bucket, Key=key)
    s3_snapshot.read(s3, tmp_path)
    # THEN every object is back as it was, and the listing fingerprints the same
    thumb = s3.get_object(Bucket=bucket, Key="images/k/thumb.jpg")
    assert thumb["Body"].read() == b"jpeg bytes"
    assert thumb["ContentType"] == "image/jpeg"
    tags = s3.get_object_tagging(Bucket=bucket, Key="images/k/thumb.jpg")["TagSet"]
    assert tags == [{"Key": "state", "Value": "attached"}]
    assert s3.get_object(Bucket=bucket, Key="uploads/u/k")["Body"].read() == b"\x00raw"
    assert s3_snapshot.fingerprint(s3) == before


def test_a_save_drops_the_files_of_deleted_objects(
    local_backends: LocalBackends, tmp_path: Path
) -> None:
    # GIVEN a saved bucket with two objects
    s3 = local_backends.s3()
    bucket = f"snap-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    s3.put_object(Bucket=bucket, Key="b", Body=b"2")
    s3_snapshot.write(s3, tmp_path)
    # WHEN one is deleted and the bucket saved again
    s3.delete_object(Bucket=bucket, Key="a")
    s3_snapshot.write(s3, tmp_path)
    # THEN only the other's bytes remain on disk
    assert len(list((tmp_path / bucket / "objects").iterdir())) == 1
