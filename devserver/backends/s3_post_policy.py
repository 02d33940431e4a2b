"""S3 browser-upload (POST Object) policies, enforced in front of moto, which ignores them.

A pre-signed POST is only as strong as its policy: the signature covers the base64 policy, and
S3 refuses a form whose fields or file break it. moto stores whatever arrives, so without this
the local bucket would accept an expired form, another key or a 1 GB file that S3 refuses.
Checked as S3 does: the SigV4 signature over the policy, the expiration, every condition
(exact match, `eq`, `starts-with`, `content-length-range`), and that every form field except
the signature, the policy, the file and `x-ignore-*` ones is covered by a condition.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

UNCONDITIONED = frozenset({"x-amz-signature", "policy", "file", "signature", "awsaccesskeyid"})


class PolicyError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _denied(message: str) -> PolicyError:
    return PolicyError(403, "AccessDenied", f"Invalid according to Policy: {message}")


def check_post(
    bucket: str,
    fields: Mapping[str, str],
    file_size: int,
    secrets: Mapping[str, str],
    now: float,
) -> None:
    """Raise PolicyError unless S3 would accept this form (field names lower-cased)."""
    encoded = fields.get("policy")
    if not encoded:
        return  # an anonymous POST: the bucket policy decides, as for any unsigned request
    _check_signature(encoded, fields, secrets)
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
        expiration = datetime.fromisoformat(str(policy["expiration"]))
        conditions = list(policy["conditions"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise PolicyError(400, "InvalidPolicyDocument", "Invalid Policy: malformed.") from None
    if expiration.astimezone(UTC).timestamp() < now:
        raise _denied("Policy expired.")
    values = {**fields, "bucket": bucket}
    covered = {"bucket"}
    for condition in conditions:
        covered.add(_check_condition(condition, values, file_size))
    for name in fields:
        if name not in UNCONDITIONED and not name.startswith("x-ignore-") and name not in covered:
            raise _denied(f"Extra input fields: {name}")


def _check_signature(encoded: str, fields: Mapping[str, str], secrets: Mapping[str, str]) -> None:
    credential = fields.get("x-amz-credential", "")
    parts = credential.split("/")
    if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256" or len(parts) != 5:  # noqa: PLR2004
        raise PolicyError(400, "InvalidArgument", "POST requires SigV4 (x-amz-credential).")
    access_key_id, date, region, service, _ = parts
    secret = secrets.get(access_key_id)
    if secret is None:
        raise PolicyError(
            403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist."
        )
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, encoded.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        raise PolicyError(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )


def _check_condition(condition: Any, values: Mapping[str, str], file_size: int) -> str:
    """Check one condition; return the field it covers."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, expected),) = condition.items()
        operator, field = "eq", str(name).lower()
    elif isinstance(condition, list) and len(condition) == 3:  # noqa: PLR2004
        operator, field, expected = str(condition[0]).lower(), str(condition[1]), condition[2]
        if operator == "content-length-range":
            if file_size > int(expected):
                raise PolicyError(
                    400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                )
            if file_size < int(field):
                raise PolicyError(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                )
            return "content-length-range"
        field = field.removeprefix("$").lower()
    else:
        raise PolicyError(400, "InvalidPolicyDocument", "Invalid Policy: bad condition.")
    actual = values.get(field, "")
    ok = actual == str(expected) if operator == "eq" else actual.startswith(str(expected))
    if operator not in {"eq", "starts-with"} or not ok:
        raise _denied(f"Policy Condition failed: {json.dumps(condition)}")
    return field


class PostPolicyEnforcer:
    """WSGI middleware: S3 form POSTs must satisfy their policy before moto sees them."""

    def __init__(
        self,
        app: WSGIApplication,
        secrets: Mapping[str, str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._app = app
        self._secrets = dict(secrets)
        self._clock = clock

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        content_type = environ.get("CONTENT_TYPE", "")
        if environ.get("REQUEST_METHOD") != "POST" or not content_type.startswith(
            "multipart/form-data"
        ):
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        _, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
        fields = {name.lower(): value for name, value in form.items()}
        upload = files.get("file")
        size = len(upload.read()) if upload is not None else 0
        bucket = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
        try:
            check_post(bucket, fields, size, self._secrets, self._clock())
        except PolicyError as error:
            return _error(start_response, error)
        environ["wsgi.input"] = io.BytesIO(body)
        return self._app(environ, start_response)


def _error(start_response: StartResponse, error: PolicyError) -> list[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{error.code}</Code><Message>{escape(error.message)}</Message></Error>"
    ).encode()
    reason = {400: "Bad Request", 403: "Forbidden"}[error.status]
    start_response(
        f"{error.status} {reason}",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]
