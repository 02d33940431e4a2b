"""Photos in the cloud: the private bucket, what the API may do in it, and the thumbnail function.

- The bucket: no public access, S3-managed encryption, TLS only, CORS for browser POSTs, and
  lifecycle rules: uploads never processed, renditions never attached and unfinished multipart
  uploads all expire.
- The API function signs pre-signed POSTs (so it holds `s3:PutObject` on `uploads/*`, the only
  key a policy can pin), pre-signed GETs of renditions, and deletes a detached image's objects.
- The thumbnail function, with its own package (Pillow), runs on `ObjectCreated` under the
  wiring's prefix, asynchronously: two retries, then an SQS queue. It reads and deletes uploads,
  writes renditions, updates image records, and may call the two publish mutations, nothing else.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.functions import FunctionSpec, python_function, require_keys, settings_keys
from infra.nag import acknowledge, arn_of
from resolvers.images.models import IMAGES_PREFIX, STATE_TAG, UPLOADS_PREFIX
from resolvers.images.service import PENDING
from resolvers.settings import ThumbnailSettings
from resolvers.store.provision import PHOTOS_CORS_RULES
from resolvers.thumbnails.publish import PUBLISH_MUTATIONS

if TYPE_CHECKING:
    from aws_cdk import aws_appsync as appsync

    from infra.config import StageConfig
    from infra.data import Tables
    from wiring import EventSource, Wiring

# An upload left unprocessed, or a rendition nobody attached, is gone after a day (S3 counts
# whole days); the image record's DynamoDB TTL is the same day.
ABANDONED_DAYS = 1
FAILED_EVENTS_RETENTION = Duration.days(14)


class PhotoBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: StageConfig) -> None:
        super().__init__(scope, construct_id)
        rule = PHOTOS_CORS_RULES[0]
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods[m] for m in rule["AllowedMethods"]],
                    allowed_origins=list(rule["AllowedOrigins"]),
                    allowed_headers=list(rule["AllowedHeaders"]),
                    exposed_headers=list(rule["ExposeHeaders"]),
                    max_age=int(rule["MaxAgeSeconds"]),
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abandoned-uploads",
                    prefix=UPLOADS_PREFIX,
                    expiration=Duration.days(ABANDONED_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(ABANDONED_DAYS),
                ),
                s3.LifecycleRule(
                    id="unattached-renditions",
                    prefix=IMAGES_PREFIX,
                    tag_filters={STATE_TAG: PENDING},
                    expiration=Duration.days(ABANDONED_DAYS),
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN if stage.protect_data else RemovalPolicy.DESTROY,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            "Every object is one user's photo written through the API's own flow; CloudTrail "
            "data events, not server access logs, are the audit trail if one is ever needed.",
        )

    def grant_api(self, fn: lambda_.IFunction) -> None:
        """What the API function's pre-signed links and image cleanup need, and no more.

        A pre-signed POST carries the signer's rights, so PutObject is on `uploads/` only.
        """
        grant_objects(
            fn,
            self.bucket,
            {
                UPLOADS_PREFIX: ("s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
                IMAGES_PREFIX: ("s3:GetObject", "s3:DeleteObject", "s3:PutObjectTagging"),
            },
        )


def grant_objects(
    fn: lambda_.IFunction, bucket: s3.Bucket, actions: dict[str, tuple[str, ...]]
) -> None:
    """Object actions per key prefix, plus ListBucket so a missing key is a 404, not a 403."""
    for prefix, allowed in actions.items():
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=list(allowed), resources=[bucket.arn_for_objects(f"{prefix}*")]
            )
        )
    fn.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
    )
    role = fn.role
    assert role is not None  # noqa: S101 - python_function always gives one
    for prefix in actions:
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::{arn_of(bucket)}/{prefix}*]",
            f"Objects under {prefix} only: each image's keys are generated per upload.",
        )


class Thumbnails(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: StageConfig,
        wiring: Wiring,
        code: lambda_.Code,
        tables: Tables,
        photos: PhotoBucket,
        graphql: appsync.GraphqlApi,
    ) -> None:
        super().__init__(scope, construct_id)
        self.functions: dict[str, lambda_.Function] = {}
        self.failed_events: dict[str, sqs.Queue] = {}
        for source in (s for s in wiring.event_sources if s.kind == "s3"):
            config = wiring.functions[source.function]
            environment = {
                **tables.environment("images"),
                "PHOTOS_BUCKET": photos.bucket.bucket_name,
                "APPSYNC_GRAPHQL_URL": graphql.graphql_url,
            }
            require_keys(environment, settings_keys(ThumbnailSettings), source.function)
            fn = python_function(
                self,
                "Function",
                FunctionSpec(
                    handler=config.handler,
                    environment=environment,
                    memory_mb=config.memory_mb,
                    timeout_seconds=config.timeout_seconds,
                    description=f"Thumbnails of uploaded photos ({source.function})",
                ),
                code,
                stage,
            )
            self._grant(fn, tables, photos.bucket, graphql)
            self._notify(source, fn, photos.bucket)
            self.functions[source.function] = fn

    def _grant(
        self,
        fn: lambda_.Function,
        tables: Tables,
        bucket: s3.Bucket,
        graphql: appsync.GraphqlApi,
    ) -> None:
        tables.by_name["images"].grant(fn, "dynamodb:GetItem", "dynamodb:UpdateItem")
        grant_objects(
            fn,
            bucket,
            {
                UPLOADS_PREFIX: ("s3:GetObject", "s3:DeleteObject"),
                IMAGES_PREFIX: ("s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"),
            },
        )
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["appsync:GraphQL"],
                resources=[
                    f"{graphql.arn}/types/Mutation/fields/{field}" for field in PUBLISH_MUTATIONS
                ],
            )
        )

    def _notify(self, source: EventSource, fn: lambda_.Function, bucket: s3.Bucket) -> None:
        queue = sqs.Queue(
            self,
            "FailedEvents",
            retention_period=FAILED_EVENTS_RETENTION,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        acknowledge(
            queue,
            "AwsSolutions-SQS3",
            "This queue is itself the on-failure destination of the thumbnail function.",
        )
        self.failed_events[source.name] = queue
        fn.configure_async_invoke(
            retry_attempts=source.maximum_retry_attempts,
            max_event_age=Duration.seconds(source.maximum_record_age_seconds),
            on_failure=destinations.SqsDestination(queue),
        )
        key_filter = s3.NotificationKeyFilter(
            prefix=source.prefix or None, suffix=source.suffix or None
        )
        for event in source.events:
            bucket.add_event_notification(
                _event_type(event),
                s3n.LambdaDestination(fn),
                key_filter,
            )
        _acknowledge_notifications_handler(self)


def _event_type(event: str) -> s3.EventType:
    """`s3:ObjectCreated:*` → OBJECT_CREATED, `s3:ObjectCreated:Post` → OBJECT_CREATED_POST."""
    parts = [part for part in event.removeprefix("s3:").split(":") if part != "*"]
    words = [re.sub(r"(?<!^)(?=[A-Z])", "_", part).upper() for part in parts]
    return s3.EventType["_".join(words)]


def _acknowledge_notifications_handler(scope: Construct) -> None:
    # CDK configures bucket notifications through one singleton Lambda per stack.
    stack = Stack.of(scope)
    handler = stack.node.try_find_child(
        "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
    )
    if handler is None:
        return
    acknowledge(
        handler,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "CDK's bucket-notification helper writes its own logs with the basic execution role.",
    )
    acknowledge(
        handler,
        "AwsSolutions-IAM5[Resource::*]",
        "CDK's helper sets notification configurations (PutBucketNotification, no resource ARN form).",
    )
