import json
from datetime import UTC, datetime

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from gql.transport.appsync_auth import AppSyncIAMAuthentication

from devserver.auth import (
    AWS_IAM,
    COGNITO,
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_IAM_PRINCIPAL,
    DEFAULT_SECRET_ACCESS_KEY,
    Authenticator,
    IamCredentials,
    IamPrincipal,
    Unauthenticated,
    sign_request,
)
from devserver.auth.testing import auth_config

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
HOST = "localhost:4000"
URL = f"https://{HOST}/graphql"
BODY = json.dumps({"query": 'mutation { deleteRecipe(id: "r1") { id } }'}).encode()
PEER = "203.0.113.9"
CREDENTIALS = DEFAULT_IAM_PRINCIPAL.credentials


def _auth(now=NOW, **overrides):
    return Authenticator(auth_config(**overrides), clock=now.timestamp)


def _signed(body=BODY, credentials=CREDENTIALS, region="us-east-1", signed_at=NOW, url=URL):
    headers = {"content-type": "application/json"}
    return sign_request(url, body, headers, credentials, region, now=signed_at)


def _reject(authenticator, headers, body=BODY, path="/graphql"):
    with pytest.raises(Unauthenticated) as raised:
        authenticator.authenticate(headers, source_ip=PEER, path=path, body=body)
    return raised.value


def test_good_signature_gives_appsync_iam_identity():
    # GIVEN a request signed with the local operator's credentials
    headers = _signed()
    # WHEN it is authenticated
    auth = _auth().authenticate(headers, source_ip=PEER, body=BODY)
    # THEN the identity is AppSync's IAM shape, Cognito-identity fields null
    assert auth.mode == AWS_IAM
    assert auth.identity == {
        "accountId": "123456789012",
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "sourceIp": [PEER],
        "username": "AIDALOCALDEVOPERATOR",
        "userArn": "arn:aws:iam::123456789012:user/local-operator",
        "cognitoIdentityAuthType": None,
        "cognitoIdentityAuthProvider": None,
    }


def test_signature_from_botocore_itself_verifies():
    # GIVEN a request signed by botocore's own SigV4 (an independent signer), extra headers included
    request = AWSRequest(
        method="POST",
        url=URL,
        data=BODY,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    credentials = Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
    SigV4Auth(credentials, "appsync", "us-east-1").add_auth(request)
    headers = {**dict(request.headers.items()), "Host": HOST, "User-Agent": "unsigned/1.0"}
    # WHEN the server checks it with the real clock
    auth = Authenticator(auth_config()).authenticate(headers, source_ip=PEER, body=BODY)
    # THEN it verifies
    assert auth.mode == AWS_IAM


def test_websocket_connect_and_start_signatures_from_gql_verify():
    # GIVEN gql's AppSync IAM auth, as a production Python client uses it over WebSocket
    credentials = Credentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
    client = AppSyncIAMAuthentication(host=HOST, region_name="us-east-1", credentials=credentials)
    authenticator = Authenticator(auth_config())
    connect_headers = client.get_headers()
    data = json.dumps({"query": "subscription { onRecipeCreated { id } }", "variables": {}})
    start_headers = client.get_headers(data)
    # WHEN the handshake header (over /graphql/connect, body {}) and a start message are checked
    connected = authenticator.authenticate(
        connect_headers, source_ip=PEER, path="/graphql/connect", body=b"{}"
    )
    started = authenticator.authenticate(start_headers, source_ip=PEER, body=data.encode())
    # THEN both verify, and the handshake signature does not pass for the start path
    assert connected.mode == started.mode == AWS_IAM
    assert _reject(authenticator, connect_headers, body=b"{}", path="/graphql").status == 401


def test_tampered_body_is_401():
    # GIVEN a signed request
    headers = _signed()
    # WHEN the body is changed after signing
    error = _reject(_auth(), headers, body=BODY.replace(b"r1", b"r2"))
    # THEN the signature does not match
    assert error.status == 401
    assert error.error_type == "UnauthorizedException"
    assert error.message.startswith("The request signature we calculated does not match")


def test_tampered_signed_header_is_401():
    # GIVEN a signed request
    headers = _signed()
    # WHEN a signed header is altered
    # THEN the signature does not match
    assert _reject(_auth(), {**headers, "content-type": "text/plain"}).status == 401


def test_payload_hash_header_must_describe_the_body():
    # GIVEN a request whose x-amz-content-sha256 claims another body
    headers = {**_signed(), "x-amz-content-sha256": "0" * 64}
    # WHEN it is checked
    # THEN it is refused even though the body itself is the signed one
    assert _reject(_auth(), headers).status == 401


def test_wrong_secret_is_401():
    # GIVEN a request signed with the right key id but the wrong secret
    headers = _signed(credentials=IamCredentials(DEFAULT_ACCESS_KEY_ID, "not-the-secret"))
    # WHEN it is checked
    # THEN it is refused
    assert _reject(_auth(), headers).message.startswith("The request signature we calculated")


def test_unknown_access_key_is_401():
    # GIVEN a request signed with credentials the server does not know
    headers = _signed(credentials=IamCredentials("AKIAUNKNOWN000000000", "secret"))
    # WHEN it is checked
    # THEN AWS's invalid-token text comes back
    error = _reject(_auth(), headers)
    assert error.message == "The security token included in the request is invalid."


@pytest.mark.parametrize("skew_seconds", [301, -301])
def test_signature_outside_five_minutes_of_skew_is_401(skew_seconds):
    # GIVEN a request signed more than five minutes away from the server's clock
    headers = _signed(signed_at=NOW)
    server_now = datetime.fromtimestamp(NOW.timestamp() + skew_seconds, UTC)
    # WHEN it is checked
    error = _reject(_auth(now=server_now), headers)
    # THEN it is refused as expired / not yet current
    assert error.message.startswith(
        "Signature expired" if skew_seconds > 0 else "Signature not yet"
    )


@pytest.mark.parametrize("skew_seconds", [299, -299])
def test_signature_within_five_minutes_of_skew_passes(skew_seconds):
    # GIVEN a request signed less than five minutes away from the server's clock
    headers = _signed(signed_at=NOW)
    server_now = datetime.fromtimestamp(NOW.timestamp() + skew_seconds, UTC)
    # WHEN it is checked
    # THEN it verifies
    assert _auth(now=server_now).authenticate(headers, source_ip=PEER, body=BODY).mode == AWS_IAM


def test_wrong_region_or_service_in_scope_is_401():
    # GIVEN requests signed for another region, and for another service
    other_region = _signed(region="eu-west-1")
    scope = f"{DEFAULT_ACCESS_KEY_ID}/20250301/us-east-1/"
    other_service = _signed()
    other_service["authorization"] = other_service["authorization"].replace(
        f"{scope}appsync/", f"{scope}execute-api/"
    )
    # WHEN they reach the local us-east-1 appsync endpoint
    # THEN both are refused
    assert _reject(_auth(), other_region).status == 401
    assert _reject(_auth(), other_service).status == 401


def test_malformed_authorization_is_401():
    # GIVEN an Authorization header that starts like SigV4 but lacks its parts
    headers = {"authorization": "AWS4-HMAC-SHA256 Credential=AKIA", "host": HOST}
    # WHEN it is checked
    # THEN it is refused
    assert _reject(_auth(), headers).status == 401


def test_session_token_must_match_for_temporary_credentials():
    # GIVEN an assumed-role principal with a session token
    temporary = IamCredentials("ASIALOCALROLE0000000", "role-secret", "session-token")
    principal = IamPrincipal(
        temporary,
        "123456789012",
        "arn:aws:sts::123456789012:assumed-role/Operator/ops",
        "AROALOCALROLE0000000:ops",
    )
    authenticator = _auth(iam_principals=(principal,))
    good = _signed(credentials=temporary)
    wrong = _signed(credentials=IamCredentials("ASIALOCALROLE0000000", "role-secret", "stolen"))
    # WHEN requests carry the right and a wrong session token
    auth = authenticator.authenticate(good, source_ip=PEER, body=BODY)
    # THEN only the right one passes, reporting the role session as username
    assert auth.identity["username"] == "AROALOCALROLE0000000:ops"
    assert auth.identity["userArn"].endswith("assumed-role/Operator/ops")
    assert _reject(authenticator, wrong).status == 401


def test_iam_on_an_api_without_iam_is_401():
    # GIVEN a Cognito-only API
    authenticator = _auth(default_mode=COGNITO, additional_modes=())
    # WHEN a correctly signed request arrives
    # THEN the mode is not enabled
    assert _reject(authenticator, _signed()).status == 401


def test_aws_error_style_answers_403_with_aws_error_types():
    # GIVEN the setting that copies AWS's own IAM error responses
    authenticator = _auth(iam_error_style="aws")
    # WHEN a bad signature and an unknown key arrive
    bad_signature = _reject(authenticator, _signed(), body=b"{}")
    unknown_key = _reject(authenticator, _signed(credentials=IamCredentials("AKIAX", "y")))
    # THEN they are 403s typed as AWS types them
    assert (bad_signature.status, bad_signature.error_type) == (403, "InvalidSignatureException")
    assert (unknown_key.status, unknown_key.error_type) == (403, "UnrecognizedClientException")


def test_sign_request_output_is_complete_and_keeps_caller_headers():
    # GIVEN temporary credentials
    credentials = IamCredentials("ASIAX", "secret", "token")
    # WHEN a request is signed
    headers = sign_request(
        URL, BODY, {"Content-Type": "application/json"}, credentials, "us-east-1", now=NOW
    )
    # THEN it carries everything a WebSocket header object needs
    assert headers["host"] == HOST
    assert headers["x-amz-date"] == "20250301T120000Z"
    assert headers["x-amz-security-token"] == "token"
    assert headers["content-type"] == "application/json"
    assert (
        "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"
        in headers["authorization"]
    )
