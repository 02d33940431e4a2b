"""AWS_IAM mode: verify SigV4 signatures against local credentials, and sign requests."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from devserver.auth.context import AWS_IAM, AuthContext, Unauthenticated

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from devserver.auth.config import IamCredentials, IamPrincipal

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "appsync"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_SCOPE_PARTS = 5  # AKID/date/region/service/aws4_request

# AWS's own texts, so a client's logs read the same locally and in the cloud.
_UNRECOGNIZED_CLIENT = "The security token included in the request is invalid."
_BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
_INCOMPLETE = "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'."


@dataclass(frozen=True)
class _ParsedAuthorization:
    access_key_id: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


class IamVerifier:
    """Checks SigV4 signatures over `POST <path>` with the given body (HTTP and WebSocket forms)."""

    def __init__(
        self,
        principals: Iterable[IamPrincipal],
        *,
        region: str,
        max_skew_seconds: int = 300,
        aws_errors: bool = False,
    ) -> None:
        self._principals = {p.credentials.access_key_id: p for p in principals}
        self._region = region
        self._max_skew = max_skew_seconds
        self._aws_errors = aws_errors

    def authenticate(
        self,
        headers: Mapping[str, str],
        *,
        path: str,
        body: bytes,
        source_ip: list[str],
        now: float,
    ) -> AuthContext:
        """`headers` are lower-cased; `path` is the signed path, e.g. `/graphql/connect`."""
        parsed = self._parse(headers.get("authorization", ""))
        principal = self._principals.get(parsed.access_key_id)
        if principal is None:
            raise self._error(_UNRECOGNIZED_CLIENT, "UnrecognizedClientException")
        self._check_scope(parsed, headers, now)
        self._check_session_token(principal.credentials, headers)
        expected = _signature(principal.credentials, parsed, headers, path=path, body=body)
        if not hmac.compare_digest(expected, parsed.signature):
            raise self._error(_BAD_SIGNATURE, "InvalidSignatureException")
        identity = {
            "accountId": principal.account_id,
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "sourceIp": source_ip,
            "username": principal.username,
            "userArn": principal.user_arn,
            "cognitoIdentityAuthType": None,
            "cognitoIdentityAuthProvider": None,
        }
        return AuthContext(mode=AWS_IAM, identity=identity)

    def _parse(self, header: str) -> _ParsedAuthorization:
        algorithm, _, rest = header.partition(" ")
        fields = dict(part.strip().partition("=")[::2] for part in rest.split(",") if "=" in part)
        scope = fields.get("Credential", "").split("/")
        signed = fields.get("SignedHeaders", "")
        signature = fields.get("Signature", "")
        if algorithm != ALGORITHM or len(scope) != _SCOPE_PARTS or not signed or not signature:
            raise self._error(_INCOMPLETE, "IncompleteSignatureException")
        access_key_id, date, region, service, terminator = scope
        return _ParsedAuthorization(
            access_key_id, date, region, service, terminator, tuple(signed.split(";")), signature
        )

    def _check_scope(
        self, parsed: _ParsedAuthorization, headers: Mapping[str, str], now: float
    ) -> None:
        amz_date = headers.get("x-amz-date", "")
        signed_at = _epoch(amz_date)
        if signed_at is None:
            raise self._error(_BAD_SIGNATURE, "InvalidSignatureException")
        if abs(now - signed_at) > self._max_skew:
            message = self._skew_message(amz_date, signed_at, now)
            raise self._error(message, "InvalidSignatureException")
        in_scope = (
            parsed.date == amz_date[:8]
            and parsed.region == self._region
            and parsed.service == SERVICE
            and parsed.terminator == "aws4_request"
            and {"host", "x-amz-date"} <= set(parsed.signed_headers)
            and all(name in headers for name in parsed.signed_headers)
        )
        if not in_scope:
            raise self._error(_BAD_SIGNATURE, "InvalidSignatureException")

    def _skew_message(self, amz_date: str, signed_at: float, now: float) -> str:
        window = f"{self._max_skew // 60} min."
        if signed_at < now:
            bound = _stamp(now - self._max_skew)
            return (
                f"Signature expired: {amz_date} is now earlier than {bound} "
                f"({_stamp(now)} - {window})"
            )
        bound = _stamp(now + self._max_skew)
        return (
            f"Signature not yet current: {amz_date} is still later than {bound} "
            f"({_stamp(now)} + {window})"
        )

    def _check_session_token(self, credentials: IamCredentials, headers: Mapping[str, str]) -> None:
        presented = headers.get("x-amz-security-token")
        expected = credentials.session_token
        if presented is None and expected is None:
            return
        if presented is None or expected is None or not hmac.compare_digest(presented, expected):
            raise self._error(_UNRECOGNIZED_CLIENT, "UnrecognizedClientException")

    def _error(self, message: str, aws_error_type: str) -> Unauthenticated:
        if self._aws_errors:
            return Unauthenticated(message, error_type=aws_error_type, status=403)
        return Unauthenticated(message)


class _ReplaySigner(SigV4Auth):
    """botocore's SigV4, but signing exactly the headers the client says it signed."""

    def __init__(self, credentials: Credentials, region: str, signed: Mapping[str, str]) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:  # noqa: ARG002 - fixed set
        headers = HTTPHeaders()
        for name, value in self._signed.items():
            headers[name] = value
        return headers


def _signature(
    credentials: IamCredentials,
    parsed: _ParsedAuthorization,
    headers: Mapping[str, str],
    *,
    path: str,
    body: bytes,
) -> str:
    body_hash = hashlib.sha256(body).hexdigest()
    # A client-supplied payload hash must describe this body, or a tampered body would verify.
    if headers.get("x-amz-content-sha256", body_hash) != body_hash:
        return ""
    signed = {name: headers[name] for name in parsed.signed_headers}
    signer = _ReplaySigner(_botocore(credentials), parsed.region, signed)
    request = AWSRequest(method="POST", url=f"https://{headers['host']}{path}", data=body)
    request.context["timestamp"] = headers["x-amz-date"]
    canonical = signer.canonical_request(request)
    return signer.signature(signer.string_to_sign(request, canonical), request)


def sign_request(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    credentials: IamCredentials,
    region: str,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """`headers` plus host, x-amz-date, (x-amz-security-token) and a SigV4 Authorization for POST.

    The same signature AppSync clients compute (gql's AppSyncIAMAuthentication, Amplify). For the
    WebSocket handshake sign `https://<host>/graphql/connect` with body `{}`; for `start`, sign
    `https://<host>/graphql` with the `data` string.
    """
    timestamp = _stamp((now or datetime.now(UTC)).timestamp())
    signed = {name.lower(): value for name, value in headers.items()}
    signed |= {"host": urlsplit(url).netloc, "x-amz-date": timestamp}
    if credentials.session_token:
        signed["x-amz-security-token"] = credentials.session_token
    signer = _ReplaySigner(_botocore(credentials), region, signed)
    request = AWSRequest(method="POST", url=url, data=body)
    request.context["timestamp"] = timestamp
    signature = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    authorization = (
        f"{ALGORITHM} Credential={signer.scope(request)}, "
        f"SignedHeaders={signer.signed_headers(signed)}, Signature={signature}"
    )
    return {**signed, "authorization": authorization}


def _epoch(amz_date: str) -> float | None:
    if len(amz_date) != len("20240101T000000Z") or not amz_date.endswith("Z"):
        return None
    try:
        return datetime.strptime(amz_date, "%Y%m%dT%H%M%S%z").timestamp()  # %z takes the "Z"
    except ValueError:
        return None


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(_AMZ_DATE)


def _botocore(credentials: IamCredentials) -> Credentials:
    return Credentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
