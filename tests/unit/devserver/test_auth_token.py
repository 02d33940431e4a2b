from pathlib import Path

import jwt

from devserver.auth import COGNITO, AuthConfig, Authenticator, SigningKey, mint_token_for_user
from devserver.auth.token import main
from wiring import load_wiring

REPO = Path(__file__).resolve().parents[3]


def test_cli_token_is_accepted_by_a_server_sharing_the_state_dir(tmp_path, capsys):
    # GIVEN a server configured from the repo's wiring with its state under tmp_path
    api = load_wiring(REPO / "resolvers" / "wiring.toml").api
    server = Authenticator(AuthConfig.from_api_config(api, tmp_path))
    # WHEN the CLI prints a token for an admin
    assert main(["alice", "--groups", "admins,editors", "--state-dir", str(tmp_path)]) == 0
    token = capsys.readouterr().out.strip()
    # THEN the server accepts it as that user
    auth = server.authenticate({"authorization": token}, source_ip="127.0.0.1")
    assert auth.mode == COGNITO
    assert auth.identity["username"] == "alice"
    assert auth.groups == ("admins", "editors")
    assert auth.identity["claims"]["email"] == "alice@example.com"


def test_same_user_gets_the_same_sub_and_others_do_not(tmp_path):
    # GIVEN one state dir
    # WHEN tokens are minted twice for alice and once for bob
    subs = [
        jwt.decode(
            mint_token_for_user(user, state_dir=tmp_path), options={"verify_signature": False}
        )["sub"]
        for user in ("alice", "alice", "bob")
    ]
    # THEN alice keeps her sub across tokens (her data stays hers), bob differs
    assert subs[0] == subs[1] != subs[2]


def test_signing_key_is_created_once_private_and_stable(tmp_path):
    # GIVEN no key yet
    # WHEN the key is loaded twice
    first = SigningKey.load_or_create(tmp_path)
    second = SigningKey.load_or_create(tmp_path)
    # THEN the same key (same kid) comes back from an owner-only file
    assert first.kid == second.kid
    assert (tmp_path / "signing-key.pem").stat().st_mode & 0o777 == 0o600


def test_access_token_flag(tmp_path, capsys):
    # GIVEN the CLI
    # WHEN an access token is asked for
    main(["carol", "--access", "--state-dir", str(tmp_path)])
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    # THEN it is one
    assert claims["token_use"] == "access"
    assert claims["username"] == "carol"
