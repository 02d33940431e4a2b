"""Create the DynamoDB tables and the photo bucket from the shared definitions, locally.

The cloud gets the same tables from infra/; this is the local path to the same shape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolvers.store.tables import (
    ALL_TABLES,
    STREAM_SPECIFICATION,
    TABLE_SETTINGS,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

# Browsers POST uploads straight to the bucket and may fetch the pre-signed images. Any origin:
# CORS grants no access here (the bucket is private; each request carries its own signature),
# it only lets a web app on its own origin read S3's answer. infra/ deploys the same rule.
PHOTOS_CORS_RULES = [
    {
        "AllowedMethods": ["GET", "HEAD", "POST"],
        "AllowedOrigins": ["*"],
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag", "Location"],
        "MaxAgeSeconds": 3000,
    }
]


def create_tables(client: DynamoDBClient, prefix: str) -> dict[str, str]:
    """Create any missing table; return the settings field → physical table name."""
    existing = set(client.list_tables().get("TableNames", []))
    names: dict[str, str] = {}
    for table in ALL_TABLES:
        name = f"{prefix}-{table.logical_name}"
        if name not in existing:
            client.create_table(**table.create_table_kwargs(name))
            client.get_waiter("table_exists").wait(TableName=name)
            if table.ttl_attribute:
                client.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
                )
        else:
            _enable_stream(client, name)
        names[TABLE_SETTINGS[table.logical_name]] = name
    return names


def create_photo_bucket(client: S3Client, name: str) -> str:
    """Create the private photo bucket if missing and (re)apply its CORS rule; return its name."""
    existing = {bucket["Name"] for bucket in client.list_buckets().get("Buckets", [])}
    if name not in existing:
        client.create_bucket(Bucket=name)
    client.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": PHOTOS_CORS_RULES})  # type: ignore[typeddict-item]
    return name


def _enable_stream(client: DynamoDBClient, name: str) -> None:
    """Turn the stream on for a table saved before tables had one."""
    stream = client.describe_table(TableName=name)["Table"].get("StreamSpecification", {})
    if not stream.get("StreamEnabled"):
        client.update_table(TableName=name, StreamSpecification=STREAM_SPECIFICATION)  # type: ignore[arg-type]
