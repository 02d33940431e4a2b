"""Save and reload moto's S3 buckets under a directory, so local uploads survive a restart.

Layout: `<dir>/<bucket>/index.json` maps each key to its ETag, content type, tags and the file
(`objects/<sha256 of the key>`) holding its bytes. A save rewrites only objects whose ETag
changed and removes files of deleted objects. Bucket settings (CORS, notifications) are not
saved: whoever provisions the bucket sets them again on every start.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

INDEX_FILE = "index.json"
OBJECTS_DIR = "objects"


def fingerprint(client: S3Client) -> str:
    """A hash of every bucket's keys and ETags, to tell whether a save is needed."""
    listing = {bucket: _listing(client, bucket) for bucket in _buckets(client)}
    return hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()


def write(client: S3Client, directory: Path) -> None:
    buckets = _buckets(client)
    for stale in (p for p in directory.glob("*") if p.is_dir() and p.name not in buckets):
        shutil.rmtree(stale)
    for bucket in buckets:
        _write_bucket(client, bucket, directory / bucket)


def read(client: S3Client, directory: Path) -> None:
    """Recreate the saved buckets and objects (an existing bucket gets its objects back)."""
    existing = set(_buckets(client))
    for folder in sorted(p for p in directory.glob("*") if (p / INDEX_FILE).is_file()):
        if folder.name not in existing:
            client.create_bucket(Bucket=folder.name)
        index = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
        for key, entry in index.items():
            extra: dict[str, Any] = {"ContentType": entry["contentType"]}
            if entry.get("tags"):
                extra["Tagging"] = "&".join(f"{k}={v}" for k, v in entry["tags"].items())
            body = (folder / OBJECTS_DIR / entry["file"]).read_bytes()
            client.put_object(Bucket=folder.name, Key=key, Body=body, **extra)


def _write_bucket(client: S3Client, bucket: str, folder: Path) -> None:
    index_path = folder / INDEX_FILE
    try:
        previous: dict[str, Any] = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    objects = folder / OBJECTS_DIR
    objects.mkdir(parents=True, exist_ok=True)
    index: dict[str, Any] = {}
    for key, etag in _listing(client, bucket).items():
        entry = previous.get(key)
        if entry is None or entry.get("etag") != etag:
            entry = _save_object(client, bucket, key, etag, objects)
            if entry is None:
                continue  # deleted since the listing (a function at work): not saved, as gone
        index[key] = entry
    for gone in set(previous) - set(index):
        (objects / previous[gone]["file"]).unlink(missing_ok=True)
    _replace(index_path, json.dumps(index, indent=1, sort_keys=True).encode())


def _save_object(
    client: S3Client, bucket: str, key: str, etag: str, objects: Path
) -> dict[str, Any] | None:
    try:
        response = client.get_object(Bucket=bucket, Key=key)
        tags = client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    except client.exceptions.NoSuchKey:
        return None
    except client.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") not in {"NoSuchKey", "404"}:
            raise
        return None
    name = hashlib.sha256(key.encode()).hexdigest()
    _replace(objects / name, response["Body"].read())
    return {
        "etag": etag,
        "contentType": response.get("ContentType", "binary/octet-stream"),
        "tags": {tag["Key"]: tag["Value"] for tag in tags},
        "file": name,
    }


def _buckets(client: S3Client) -> list[str]:
    return sorted(bucket["Name"] for bucket in client.list_buckets().get("Buckets", []))


def _listing(client: S3Client, bucket: str) -> dict[str, str]:
    listing: dict[str, str] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            listing[item["Key"]] = item["ETag"]
    return listing


def _replace(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    Path(temp).replace(path)
