"""The HTTPS/WSS listener, the local user pool's sign-in API, and which credential wins."""

from __future__ import annotations

import base64
import json
import ssl

import httpx
import pytest
from websockets.sync.client import connect

from tests.support import devserver_fixtures

seeded_dev = devserver_fixtures.seeded_dev  # the shared, seeded dev stack (a fixture)

FEED = "{ recipes(limit: 2) { items { title } } }"
ME = "{ me { id } }"
INITIATE_AUTH = "AWSCognitoIdentityProviderService.InitiateAuth"
CLIENT_ID = "devserverlocalclient000000"


def _trusting(stack) -> ssl.SSLContext:
    """What NODE_EXTRA_CA_CERTS or a browser's trust store does: the local CA, trusted."""
    return ssl.create_default_context(cafile=str(stack.ca_file))


def _https(stack):
    return httpx.Client(verify=_trusting(stack), timeout=30)


def _initiate_auth(stack, body, **headers):
    with _https(stack) as client:
        return client.post(
            f"{stack.https_base_url}/cognito",
            content=json.dumps(body),
            headers={
                "x-amz-target": INITIATE_AUTH,
                "content-type": "application/x-amz-json-1.1",
                **headers,
            },
        )


def _sign_in(stack, username):
    parameters = {"USERNAME": username, "PASSWORD": "anything"}
    body = {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT_ID, "AuthParameters": parameters}
    response = _initiate_auth(stack, body)
    assert response.status_code == 200, response.text
    return response.json()["AuthenticationResult"]


def test_the_api_answers_over_https_for_a_client_that_trusts_the_local_ca(seeded_dev):
    # GIVEN a client that trusts only the CA the devserver made under its root
    with _https(seeded_dev) as client:
        # WHEN it queries the HTTPS listener
        response = client.post(
            seeded_dev.https_graphql_url,
            json={"query": FEED},
            headers={"x-api-key": seeded_dev.api_key},
        )
    # THEN the same API answers as on plain HTTP
    assert response.status_code == 200
    plain = seeded_dev.data(FEED)
    assert response.json()["data"] == plain


def test_a_client_that_does_not_trust_the_local_ca_is_refused(seeded_dev):
    # GIVEN a client with only the system's CAs
    with httpx.Client(timeout=30) as client, pytest.raises(httpx.ConnectError) as refused:
        # WHEN it calls the HTTPS listener
        client.post(seeded_dev.https_graphql_url, json={"query": FEED})
    # THEN certificate verification fails: the CA is local, nothing public vouches for it
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)


def _handshake(stack, credentials):
    """Amplify's handshake at wss://<host>/graphql/realtime: the first message back."""
    host = stack.https_base_url.removeprefix("https://")
    encoded = base64.b64encode(json.dumps({"host": host, **credentials}).encode()).decode()
    url = f"wss://{host}/graphql/realtime?header={encoded}&payload=e30="
    with connect(url, subprotocols=["graphql-ws"], ssl=_trusting(stack), open_timeout=30) as ws:
        ws.send(json.dumps({"type": "connection_init"}))
        return json.loads(ws.recv(timeout=30))


def test_the_realtime_endpoint_speaks_appsyncs_protocol_over_wss(seeded_dev):
    # GIVEN the handshake Amplify sends, with the API key
    # WHEN it connects over wss and initializes
    ack = _handshake(seeded_dev, {"x-api-key": seeded_dev.api_key})
    # THEN the connection is acknowledged as AppSync acknowledges it
    assert ack["type"] == "connection_ack"
    assert ack["payload"]["connectionTimeoutMs"] > 0


def test_the_api_key_decides_the_realtime_handshake_too(seeded_dev):
    # GIVEN a valid user token beside an API key that does not exist
    token = _sign_in(seeded_dev, "ben")["AccessToken"]
    credentials = {"x-api-key": "da2-notakey0000000000000000", "Authorization": token}
    # WHEN the real-time connection is opened with both
    answer = _handshake(seeded_dev, credentials)
    # THEN the key is judged, and the connection refused
    assert answer["type"] == "connection_error"
    assert answer["payload"]["errors"][0]["errorType"] == "UnauthorizedException"


def test_the_api_key_decides_when_a_request_carries_both_credentials(seeded_dev):
    # GIVEN a valid user token (enough for `me` on its own)
    token = _sign_in(seeded_dev, "ben")["AccessToken"]
    assert "errors" not in seeded_dev.post(ME, token=token)
    with _https(seeded_dev) as client:
        # WHEN the same token travels with a valid API key
        both = client.post(
            seeded_dev.https_graphql_url,
            json={"query": ME},
            headers={"x-api-key": seeded_dev.api_key, "authorization": token},
        ).json()
        # AND with an API key that does not exist
        wrong_key = client.post(
            seeded_dev.https_graphql_url,
            json={"query": ME},
            headers={"x-api-key": "da2-notakey0000000000000000", "authorization": token},
        )
    # THEN the request runs as the API key, which may not read `me` (AppSync since 2021)
    assert both["errors"][0]["errorType"] == "Unauthorized"
    # AND a bad key is a 401 although the token alone would have passed
    assert wrong_key.status_code == 401
    assert wrong_key.json()["errors"][0]["errorType"] == "UnauthorizedException"


def test_signing_in_through_the_local_user_pool_gives_tokens_the_api_accepts(seeded_dev):
    # GIVEN a sample user
    # WHEN Amplify's USER_PASSWORD_AUTH call reaches the local user pool
    result = _sign_in(seeded_dev, "ana")
    # THEN its access token calls the API as Ana, with her groups
    me = seeded_dev.post(ME, token=result["AccessToken"])
    assert "errors" not in me
    claims = json.loads(base64.urlsafe_b64decode(result["IdToken"].split(".")[1] + "=="))
    assert claims["cognito:username"] == "ana"
    assert claims["cognito:groups"] == ["admins"]
    assert result["TokenType"] == "Bearer"
    assert result["ExpiresIn"] == 3600


def test_a_refresh_token_renews_tokens_but_is_no_credential_itself(seeded_dev):
    # GIVEN Ben's refresh token
    refresh = _sign_in(seeded_dev, "ben")["RefreshToken"]
    # WHEN Amplify refreshes with it
    body = {
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "ClientId": CLIENT_ID,
        "AuthParameters": {"REFRESH_TOKEN": refresh},
    }
    renewed = _initiate_auth(seeded_dev, body)
    # THEN new tokens come back, and the refresh token alone opens nothing
    assert renewed.status_code == 200
    assert "errors" not in seeded_dev.post(
        ME, token=renewed.json()["AuthenticationResult"]["AccessToken"]
    )
    refused = httpx.post(
        seeded_dev.graphql_url, json={"query": ME}, headers={"authorization": refresh}, timeout=30
    )
    assert refused.status_code == 401


def test_the_user_pool_answers_errors_as_cognito_does(seeded_dev):
    # GIVEN a sign-in for an app client the pool does not have
    body = {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": "someoneelsesclient",
        "AuthParameters": {"USERNAME": "ben", "PASSWORD": "x"},
    }
    # WHEN it is sent
    response = _initiate_auth(seeded_dev, body)
    # THEN Cognito's error shape comes back, named in the header Amplify reads
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert response.json()["__type"] == "ResourceNotFoundException"


def test_a_page_from_another_site_cannot_sign_in(seeded_dev):
    # GIVEN a sign-in sent by a page from a web site (its Origin is not a loopback name)
    body = {
        "AuthFlow": "USER_PASSWORD_AUTH",
        "ClientId": CLIENT_ID,
        "AuthParameters": {"USERNAME": "ana", "PASSWORD": "x"},
    }
    # WHEN it reaches the local user pool
    response = _initiate_auth(seeded_dev, body, origin="https://evil.example")
    # THEN no token is handed out
    assert response.status_code == 403
    assert "Token" not in response.text
    # AND a page served from a loopback origin may read the answer
    local = _initiate_auth(seeded_dev, body, origin="http://localhost:5173")
    assert local.status_code == 200
    assert local.headers["access-control-allow-origin"] == "http://localhost:5173"
