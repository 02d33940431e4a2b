"""Photos in the template: a private, encrypted, TLS-only bucket, and least-privilege functions."""

from __future__ import annotations

import json

from infra.config import WIRING_PATH
from infra.functions import settings_keys
from resolvers.images.models import IMAGES_PREFIX, UPLOADS_PREFIX
from resolvers.settings import ThumbnailSettings
from resolvers.thumbnails.publish import PUBLISH_MUTATIONS
from tests.infra.cfn import refs
from wiring import load_wiring

WIRING = load_wiring(WIRING_PATH)
(S3_SOURCE,) = [s for s in WIRING.event_sources if s.kind == "s3"]
THUMBNAILS_HANDLER = WIRING.functions[S3_SOURCE.function].handler
API_HANDLER = WIRING.functions["api"].handler


def _bucket(stack):
    return stack.one("AWS::S3::Bucket")


def _object_grants(statements):
    """{prefix: actions} of the statements on the bucket's objects."""
    grants: dict[str, set[str]] = {}
    for statement in statements:
        actions = statement["Action"]
        actions = {actions} if isinstance(actions, str) else set(actions)
        if not any(a.startswith("s3:") for a in actions):
            continue
        text = json.dumps(statement["Resource"])
        for prefix in (UPLOADS_PREFIX, IMAGES_PREFIX):
            if f"/{prefix}*" in text:
                grants.setdefault(prefix, set()).update(actions)
    return grants


def test_the_bucket_is_private_encrypted_tls_only_with_cors_and_lifecycle(stack):
    # GIVEN the photo bucket
    bucket_id, bucket = _bucket(stack)
    props = bucket["Properties"]
    # THEN no public access of any kind, and encryption at rest
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # AND its policy denies any request without TLS
    (policy,) = [
        p["Properties"]
        for p in stack.of_type("AWS::S3::BucketPolicy").values()
        if refs(p["Properties"]["Bucket"]) == {bucket_id}
    ]
    (deny,) = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # AND browsers may POST to it, and abandoned uploads and renditions expire
    (cors,) = props["CorsConfiguration"]["CorsRules"]
    assert "POST" in cors["AllowedMethods"]
    rules = {rule["Id"]: rule for rule in props["LifecycleConfiguration"]["Rules"]}
    assert rules["abandoned-uploads"]["Prefix"] == UPLOADS_PREFIX
    assert rules["abandoned-uploads"]["ExpirationInDays"] == 1
    assert rules["unattached-renditions"]["TagFilters"] == [{"Key": "state", "Value": "pending"}]


def test_uploads_notify_the_thumbnail_function_with_retries_then_a_queue(stack):
    # GIVEN the thumbnail function and the bucket's notification configuration
    function_id, function = stack.function(THUMBNAILS_HANDLER)
    (notifications,) = stack.of_type("Custom::S3BucketNotifications").values()
    (config,) = notifications["Properties"]["NotificationConfiguration"][
        "LambdaFunctionConfigurations"
    ]
    # THEN ObjectCreated under the wiring's prefix invokes exactly that function
    assert config["Events"] == ["s3:ObjectCreated:*"]
    assert config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": UPLOADS_PREFIX}]
    assert refs(config["LambdaFunctionArn"]) == {function_id}
    # AND failed events are retried as the wiring says, then kept in an encrypted queue
    (invoke_config,) = stack.of_type("AWS::Lambda::EventInvokeConfig").values()
    props = invoke_config["Properties"]
    assert props["MaximumRetryAttempts"] == S3_SOURCE.maximum_retry_attempts
    assert props["MaximumEventAgeInSeconds"] == S3_SOURCE.maximum_record_age_seconds
    queue_id = props["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    assert stack.resources[queue_id]["Properties"]["SqsManagedSseEnabled"] is True
    # AND its environment is exactly what its settings read
    own = {k for k in function["Properties"]["Environment"]["Variables"] if "POWERTOOLS" not in k}
    assert own == settings_keys(ThumbnailSettings)


def test_the_thumbnail_function_may_do_only_its_job(stack):
    # GIVEN the thumbnail function's permissions
    function_id, function = stack.function(THUMBNAILS_HANDLER)
    statements = stack.statements(function_id)
    # THEN in S3: read and delete uploads, write and tag renditions; nothing on the API's side
    assert _object_grants(statements) == {
        UPLOADS_PREFIX: {"s3:GetObject", "s3:DeleteObject"},
        IMAGES_PREFIX: {"s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject"},
    }
    # AND in DynamoDB: read and update image records, on the images table only
    images_ref = function["Properties"]["Environment"]["Variables"]["IMAGES_TABLE"]["Ref"]
    dynamo = [s for s in statements if "dynamodb:UpdateItem" in s["Action"]]
    assert {r for s in dynamo for r in refs(s["Resource"])} == {images_ref}
    assert {a for s in dynamo for a in s["Action"]} == {"dynamodb:GetItem", "dynamodb:UpdateItem"}
    # AND in AppSync: the two publish mutations, nothing else
    (appsync,) = [s for s in statements if s["Action"] == "appsync:GraphQL"]
    text = json.dumps(appsync["Resource"])
    assert all(f"/types/Mutation/fields/{field}" in text for field in PUBLISH_MUTATIONS)
    assert text.count("/types/") == len(PUBLISH_MUTATIONS)


def test_the_api_may_sign_uploads_only_under_uploads(stack):
    # GIVEN the resolver function's S3 permissions
    function_id, _ = stack.function(API_HANDLER)
    grants = _object_grants(stack.statements(function_id))
    # THEN a pre-signed POST (PutObject) can only ever create an upload, never a rendition
    assert grants[UPLOADS_PREFIX] == {"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}
    assert grants[IMAGES_PREFIX] == {"s3:GetObject", "s3:DeleteObject", "s3:PutObjectTagging"}
